"""The demo in deployment mode `opencrvs`: the OpenCRVS emulator as a child process
(`python -m opencrvs_emulator --port 0`, its one JSON line read for the address and the system
clients), the environment that points the country at it, the system client's credentials stored
as the device's secrets, and a registrar at OpenCRVS who registers births and sends deaths back
once, so both answers reach the agent.

Demo-only wiring over HTTP: nothing here is imported by the device's packages."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from app.config.loader import LoadedCountry
    from app.records import Actor
    from app.security.secrets import SecretStore

# an integration made through OpenCRVS's API: create, notify, search, and read (the registrar's reason for
# sending a declaration back is only on the REJECT action; opencrvs_emulator/README.md)
DEMO_CLIENT = "crvs-field-device-read"
DEMO_REJECT_REASON = "The informant's relationship to the deceased is not stated; please check and send again."
POLL_SECONDS = "10"   # how often the demo device asks OpenCRVS's search (country default: 300)


def opencrvs_environment(base_url: str) -> dict[str, str]:
    """The variables that put a country in mode `opencrvs` against this OpenCRVS."""
    return {"CRVS_DEPLOYMENT_MODE": "opencrvs", "CRVS_OPENCRVS_BASE_URL": base_url,
            "CRVS_OPENCRVS_POLL_SECONDS": os.environ.get("CRVS_OPENCRVS_POLL_SECONDS", POLL_SECONDS)}


class DemoOpenCrvs:
    """`python -m opencrvs_emulator --port 0` as a child process; its log in `directory`."""

    def __init__(self, directory: Path, *extra: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.extra = extra
        self.base_url = ""
        self.clients: dict[str, dict[str, Any]] = {}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> DemoOpenCrvs:
        with (self.directory / "opencrvs.log").open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "opencrvs_emulator", "--port", "0", *self.extra],
                                            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if self.process.poll() is not None or left <= 0:
                self.stop()
                raise RuntimeError(f"the OpenCRVS emulator did not start; see {self.directory / 'opencrvs.log'}")
            ready, _, _ = select.select([self.process.stdout], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                line += chunk
                if not chunk or len(line) > 64_000:
                    continue
        announced = json.loads(line.decode())
        self.base_url, self.clients = str(announced["base_url"]), dict(announced["clients"])
        return self

    def credentials(self) -> tuple[str, str]:
        client = self.clients[DEMO_CLIENT]
        return str(client["client_id"]), str(client["secret"])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> DemoOpenCrvs:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def store_credentials(country: LoadedCountry, secrets: SecretStore, opencrvs: DemoOpenCrvs, *,
                      actor: Actor) -> None:
    """The system client's id and secret under the names the country's `opencrvs:` section gives."""
    config = country.config.opencrvs
    if config is None:
        raise ValueError("the country has no `opencrvs:` section")
    client_id, secret = opencrvs.credentials()
    for ref, value in ((config.client_id, client_id), (config.client_secret, secret)):
        if ref.secret is None:
            raise ValueError("the demo stores the OpenCRVS client as secrets ({secret: …} references)")
        secrets.put(ref.secret, value.encode(), actor=actor)


class DemoRegistrar:
    """A registrar at OpenCRVS (the emulator's test controls): every notified birth is registered
    (the child's NID as MOSIP would issue it), every notified death is sent back once with a reason
    and registered when the agent sends it again."""

    def __init__(self, base_url: str, every: float = 2.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.every = every
        self.sent_back: set[str] = set()
        self.done: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-registrar", daemon=True)

    def start(self) -> DemoRegistrar:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as http:
            while not self._stop.wait(self.every):
                try:
                    self.work(http)
                except (httpx.HTTPError, ValueError):
                    continue     # the emulator is stopping, or busy: try again next round

    def work(self, http: httpx.Client) -> None:
        for event in http.get("/admin/events").raise_for_status().json():
            event_id = event["id"]
            if event_id in self.done or event["status"] != "NOTIFIED" or "rejected" in event["flags"]:
                continue
            if event["type"] == "death" and event_id not in self.sent_back:
                http.post(f"/admin/events/{event_id}/reject", json={"reason": DEMO_REJECT_REASON}).raise_for_status()
                self.sent_back.add(event_id)
                continue
            body = {"nid": _demo_nid(event_id)} if event["type"] == "birth" else {}
            http.post(f"/admin/events/{event_id}/register", json=body).raise_for_status()
            self.done.add(event_id)


def _demo_nid(event_id: str) -> str:
    """A 10-digit UIN-like number, stable per event (the demo's MOSIP)."""
    return str(1_000_000_000 + int(event_id.replace("-", "")[:12], 16) % 8_999_999_999)
