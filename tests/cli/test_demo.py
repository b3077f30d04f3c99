"""`crvs-field demo --headless`: one command brings up the emulator, the relay, a demo device and the agent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def test_headless_demo_syncs_its_demo_records(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "crvs_field", "--data-dir", str(tmp_path / "demo"), "demo",
                             "--headless", "--seconds", "12", "--credential-delay", "0"],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    decoder = json.JSONDecoder()
    intro, end = decoder.raw_decode(result.stdout)
    final, _ = decoder.raw_decode(result.stdout[end:].lstrip())
    assert intro["users"]["rex"] == {"role": "registrar", "pin": "rex-2026"}
    assert final["online"] is True and final["quarantined"] == 0
    queues = final["queues"]
    assert queues["verification_failed"] == 1      # the father whose name does not match
    assert queues["ready_to_register"] == 2        # the verified birth and the verified death
    assert queues["registered"] == 1 and queues["awaiting_external_validation"] == 0  # UIN confirmed
    assert queues["drafts"] == 1
    # the confirmation came from the emulator's hub through the relay the demo runs
    assert intro["relay"].startswith("http://127.0.0.1:")
    assert final["newborn"] == {"status": "registered", "has_vid": True} and final["alert"] is None


def test_demo_refuses_a_used_directory(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    result = subprocess.run([sys.executable, "-m", "crvs_field", "--data-dir", str(tmp_path), "demo", "--headless"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "not empty" in result.stderr


def run_headless(tmp_path: Path, *args: str, seconds: int = 20) -> tuple[dict, dict]:
    result = subprocess.run([sys.executable, "-m", "crvs_field", "--data-dir", str(tmp_path / "demo"), *args[:2],
                             "demo", "--headless", "--seconds", str(seconds), *args[2:]],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    decoder = json.JSONDecoder()
    intro, end = decoder.raw_decode(result.stdout)
    final, _ = decoder.raw_decode(result.stdout[end:].lstrip())
    return intro, final


COUNTRIES = Path(__file__).resolve().parents[2] / "resources" / "countries"


@pytest.mark.parametrize("country", ["farajaland", "tongatapu"])
def test_headless_demo_in_opencrvs_mode_submits_to_the_opencrvs_emulator(tmp_path: Path, country: str) -> None:
    from crvs_field.demo_opencrvs import DEMO_REJECT_REASON

    intro, final = run_headless(tmp_path, "--country", str(COUNTRIES / country), "--mode", "opencrvs")
    assert intro["mode"] == "opencrvs" and intro["opencrvs"].startswith("http://127.0.0.1:")
    assert final["online"] is True and final["quarantined"] == 0 and final["alert"] is None
    states = final["opencrvs"]
    # births registered there by its registrar, with OpenCRVS's number and the child's NID
    assert states["verifies"]["upstream"] == "registered" and states["verifies"]["status"] == "registered"
    assert len(states["verifies"]["registration_number"]) == 12 and len(states["verifies"]["nid"]) == 10
    # the death sent back once with a reason: reopened for the agent
    assert states["death"] == {"status": "draft", "upstream": "rejected", "registration_number": None,
                               "nid": None, "reason": DEMO_REJECT_REASON}
    assert states["draft"]["upstream"] is None
    queues = final["queues"]
    assert "ready_to_register" not in queues and "to_register" not in queues     # nothing is registered here
    assert queues["opencrvs_requires_updates"] == 1


def test_headless_demo_runs_the_second_country(tmp_path: Path) -> None:
    _, final = run_headless(tmp_path, "--country", str(COUNTRIES / "tongatapu"), "--credential-delay", "0",
                            seconds=12)
    assert final["online"] is True and final["quarantined"] == 0 and final["alert"] is None
    assert final["newborn"]["status"] == "registered" and sum(final["queues"].values()) > 0
