"""Running the real CLI against hostile input: a subprocess under a 512 MiB address-space limit
and a time limit, with its wall time and peak memory measured (os.wait4), so that every case
asserts that the process ended in bounded time and memory, with a message and no traceback."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FARAJALAND = ROOT / "resources" / "countries" / "farajaland"
MEMORY_LIMIT = 512 * 1024 * 1024
ADMIN_PIN, AGENT_PIN = "root-pin-1", "ana-pin-1"
FIGURES = Path(os.environ.get("CRVS_HOSTILE_FIGURES", Path(tempfile.gettempdir()) / "crvs-hostile-figures.jsonl"))


def cli_module() -> str:
    return "crvs_field"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mib: float

    def assert_clean_refusal(self, code: int, message: str) -> None:
        assert "Traceback" not in self.stderr, self.stderr[-2000:]
        assert self.code == code, (self.code, self.stdout[-500:], self.stderr[-1000:])
        assert message.lower() in (self.stderr + self.stdout).lower(), (message, self.stderr[-1000:])


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(args: list[str], *, case: str, env: dict[str, str] | None = None, timeout: float = 60,
        stdin: str | None = None, module: bool = True) -> Outcome:
    """`python -m crvs_field ARGS` (or `python ARGS` with module=False) under the limits."""
    command = [sys.executable, "-m", cli_module(), *args] if module else [sys.executable, *args]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CRVS_")}
    # OpenBLAS (numpy) sizes per-thread buffers at import and crashes when the address-space limit
    # refuses them; one thread keeps it within the limit (a device without the limit is unaffected)
    full_env.update({"QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1",
                     **(env or {})})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT, env=full_env, preexec_fn=_limit,
                                   stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
        timer = threading.Timer(timeout, lambda: os.kill(process.pid, signal.SIGKILL))
        timer.start()
        if stdin is not None:
            assert process.stdin is not None
            process.stdin.write(stdin.encode())
            process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        timer.cancel()
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        outcome = Outcome(process.returncode, out.read().decode(errors="replace"),
                          err.read().decode(errors="replace"), seconds, usage.ru_maxrss / 1024)
    assert outcome.code != -signal.SIGKILL, f"{case}: killed after {timeout} s (hang)"
    with FIGURES.open("a") as figures:
        figures.write(json.dumps({"case": case, "exit": outcome.code, "seconds": round(seconds, 2),
                                  "peak_mib": round(outcome.peak_mib, 1)}) + "\n")
    return outcome


def make_device(directory: Path) -> Path:
    """A device with root (admin) and ana (agent), made once per module through the real CLI."""
    data = directory / "device"
    env = {"CRVS_FIELD_PIN": ADMIN_PIN}
    run(["--data-dir", str(data), "init", "--admin", "root"], case="setup: init", env=env).assert_clean_refusal(0, "")
    run(["--data-dir", str(data), "--user", "root", "users", "add", "ana", "--role", "agent"], case="setup: add",
        env=env, stdin=AGENT_PIN + "\n").assert_clean_refusal(0, "")
    return data


def copy_device(template: Path, target: Path) -> Path:
    shutil.copytree(template, target)
    return target


def tree_bytes(directory: Path) -> dict[str, bytes]:
    """Every file of a device (the lock file aside): equal before and after = nothing written."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())
            if p.is_file() and p.name != ".keyslots.lock"}
