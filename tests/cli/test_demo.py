"""`crvs-field demo --headless`: one command brings up the emulator, the relay, a demo device and the agent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


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
