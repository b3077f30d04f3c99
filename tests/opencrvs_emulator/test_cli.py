"""``python -m opencrvs_emulator``: one JSON line once listening, the hook option, SIGTERM → exit 0."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid

import httpx

from .conftest import BIRTH


def test_cli_serves_and_stops_cleanly() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "opencrvs_emulator", "--port", "0", "--hook", "async"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        started = json.loads(proc.stdout.readline())
        device = started["clients"]["crvs-field-device"]
        with httpx.Client(base_url=started["base_url"], timeout=10) as http:
            token = http.post("/auth/token", data={"grant_type": "client_credentials",
                                                   "client_id": device["client_id"],
                                                   "client_secret": device["secret"]}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            office = http.get("/events/locations", headers=headers).json()[0]["id"]
            answer = http.post("/events/events/notify", headers=headers,
                               json={"eventType": "birth", "transactionId": str(uuid.uuid4()),
                                     "declaration": BIRTH, "createdAtLocation": office})
            assert [a["status"] for a in answer.json()["actions"] if a["type"] == "NOTIFY"] == ["Requested"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_refuses_a_bad_fault_spec() -> None:
    done = subprocess.run([sys.executable, "-m", "opencrvs_emulator", "--fault", "explode=1"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "unknown fault key" in done.stderr
