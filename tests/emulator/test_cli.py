"""``mosip-emulator`` as a program: base URL on stdout, answers, clean stop on SIGTERM / SIGINT."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mosip_emulator.server import EmulatorServer


def command() -> list[str]:
    script = Path(sys.executable).with_name("mosip-emulator")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mosip_emulator"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_program_starts_prints_its_url_answers_and_stops(state_dir: Path, tmp_path: Path, sig: int) -> None:
    partner = tmp_path / "partner.json"
    # any certificate will do for a registration: reuse one from the state dir (no key generation)
    shutil.copy(state_dir / "keys" / "ida-sign.cert.pem", tmp_path / "sign.pem")
    partner.write_text(json.dumps({"partner_id": "cli-partner", "misp_license_key": "cli-licence",
                                   "api_key": "cli-key", "signing_cert_path": "sign.pem"}))
    proc = subprocess.Popen(
        [*command(), "--port", "0", "--state-dir", str(state_dir), "--credential-delay", "0",
         "--fault", "latency=1ms", "--register-partner", str(partner)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        info = json.loads(line)
        base_url = info["base_url"]
        assert base_url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{base_url}/admin/health").json()["status"] == "UP"
        assert "cli-partner" in httpx.get(f"{base_url}/admin/partners").json()
        discovery = httpx.get(f"{base_url}/.well-known/openid-configuration").json()
        assert discovery["issuer"] == base_url
        proc.send_signal(sig)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_print_client_config(template_state: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    shutil.copytree(template_state, state)
    out = subprocess.run([*command(), "--state-dir", str(state), "--port", "8123", "--print-client-config"],
                         capture_output=True, text=True, timeout=60, check=True)
    cfg = json.loads(out.stdout)
    assert cfg["base_url"] == "http://127.0.0.1:8123"
    ida = cfg["ida"]
    for key in ("partner_id", "misp_license_key", "api_key", "encryption_certificate_pem"):
        assert ida[key]
    assert Path(ida["partner_signing_p12_path"]).exists()
    assert cfg["packet_manager"]["client_id"] and cfg["packet_manager"]["secret_key"]
    assert cfg["packet_manager"]["app_id"]
    assert cfg["websub"]["hub_url"] == "http://127.0.0.1:8123/hub"
    assert cfg["esignet"]["issuer"] == "http://127.0.0.1:8123"
    assert cfg["esignet"]["clients"][0]["client_id"]
    assert Path(cfg["esignet"]["clients"][0]["private_jwk_path"]).exists()


def test_bad_fault_spec_is_a_usage_error(tmp_path: Path) -> None:
    out = subprocess.run([*command(), "--state-dir", str(tmp_path / "s"), "--fault", "explode=1"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 2
    assert "explode" in out.stderr


def test_port_in_use_is_a_clear_error(emulator: EmulatorServer, tmp_path: Path) -> None:
    port = int(emulator.base_url.rsplit(":", 1)[1])
    out = subprocess.run([*command(), "--state-dir", str(tmp_path / "other"), "--port", str(port)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 2
    assert "cannot listen" in out.stderr
