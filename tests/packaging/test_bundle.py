"""Smoke test of the PyInstaller bundle (issue 8): build it, then run it the way a field device does.

Outside the default run (marker `packaging`, deselected by pyproject's addopts); run it with

    pytest -m packaging tests/packaging          # builds dist/crvs-field unless it is fresh (~2 min)
    CRVS_BUNDLE=/opt/crvs-field pytest -m packaging tests/packaging     # test an installed bundle

The bundle is rebuilt with packaging/build.sh when it is missing or older than any source, resource
or packaging file other than documentation (CRVS_BUNDLE_REBUILD=1 forces it). Every check runs
the frozen executable as a process with QT_QPA_PLATFORM=offscreen and an environment stripped of
the venv, so nothing can come from the development tree by accident.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]
QR = ROOT / "tests" / "fixtures" / "qr"
SOURCES = ("app", "sync", "ui", "mosip_emulator", "resources", "packaging")
IGNORED = (".md", ".ts", ".pyc")  # documentation and translation sources do not change the bundle
PIN, AGENT_PIN = "field-2026-root", "field-2026-ana"


def _newest_source() -> float:
    newest = (ROOT / "pyproject.toml").stat().st_mtime
    for top in SOURCES:
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in IGNORED:
                newest = max(newest, path.stat().st_mtime)
    return newest


@pytest.fixture(scope="session")
def bundle() -> Path:
    given = os.environ.get("CRVS_BUNDLE")
    if given:
        folder = Path(given)
    else:
        folder = ROOT / "dist" / "crvs-field"
        exe = folder / "crvs-field"
        stale = not exe.exists() or exe.stat().st_mtime < _newest_source()
        if stale or os.environ.get("CRVS_BUNDLE_REBUILD"):
            build = subprocess.run(["bash", str(ROOT / "packaging" / "build.sh")], cwd=ROOT,
                                   capture_output=True, text=True, timeout=1100)
            assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert (folder / "crvs-field").is_file(), f"no bundle in {folder}"
    return folder


def _env(**extra: str) -> dict[str, str]:
    """The environment of a field device: no venv, no PYTHONPATH, Qt offscreen."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "CRVS_", "QT_"))}
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def run(bundle: Path, *args: str, cwd: Path | None = None, timeout: float = 120,
        **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bundle / "crvs-field"), *args], cwd=cwd or ROOT, env=_env(**env),
                          capture_output=True, text=True, timeout=timeout)


def test_help(bundle: Path) -> None:
    result = run(bundle, "--help")
    assert result.returncode == 0, result.stderr
    for command in ("init", "records", "qr", "config", "sync"):
        assert command in result.stdout


def test_qr_decode_from_an_image(bundle: Path, tmp_path: Path) -> None:
    sample = tmp_path / "sample.png"
    shutil.copy(QR / "opencrvs.png", sample)
    result = run(bundle, "qr", "decode", str(sample), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    decoded = json.loads(result.stdout)
    assert decoded["signature"] == "unsigned"
    assert decoded["identity"]["given_name"] == "Amélie"
    assert decoded["fields"]["firstname"] == "Amélie"


def test_qr_decode_signed_claim169_with_a_trusted_key(bundle: Path) -> None:
    """claim169 (Rust extension) + cbor2 + cryptography inside the bundle."""
    result = run(bundle, "qr", "decode", str(QR / "claim169_ed25519.png"),
                 "--trusted-key", str(QR / "issuer_ed25519_test.pem"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["signature"] == "valid"


def test_qr_decode_from_a_video(bundle: Path) -> None:
    """OpenCV's bundled FFmpeg reads video files; a video without a code exits 3."""
    found = run(bundle, "qr", "decode", str(QR / "opencrvs_after_1s.avi"))
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["identity"]["individual_id"] == "1234567890"
    assert run(bundle, "qr", "decode", str(QR / "no_code.avi")).returncode == 3


def test_config_check_of_the_bundled_countries(bundle: Path) -> None:
    """The country YAML, its forms and CEL rules (celpy's lark grammar is a data file)."""
    default = run(bundle, "config", "check")
    assert default.returncode == 0, default.stderr
    assert "farajaland" in default.stdout
    other = run(bundle, "config", "check", str(bundle / "_internal" / "resources" / "countries" / "tongatapu"))
    assert other.returncode == 0, other.stderr


def test_init_declare_and_list_on_an_encrypted_store(bundle: Path, tmp_path: Path) -> None:
    """SQLCipher + the alembic migrations shipped as files + rules + outbox + audit chain."""
    data = tmp_path / "device"
    init = run(bundle, "--data-dir", str(data), "init", "--admin", "root", CRVS_FIELD_PIN=PIN)
    assert init.returncode == 0, init.stderr
    assert (data / "crvs.db").exists()
    assert not (data / "crvs.db").read_bytes()[:16].startswith(b"SQLite format 3"), "database is not encrypted"

    added = run(bundle, "--data-dir", str(data), "--user", "root", "users", "add", "ana", "--role", "agent",
                CRVS_FIELD_PIN=PIN, CRVS_FIELD_NEW_PIN=AGENT_PIN)
    assert added.returncode == 0, added.stderr

    birth = tmp_path / "birth.json"
    birth.write_text(json.dumps({
        "father.details_available": "no",
        "child.firstname": "Amélie", "child.surname": "Banda", "child.gender": "female", "child.dob": "2026-11-01",
        "mother.nid": "1234567890", "mother.firstname": "Zoë", "mother.surname": "Banda",
        "mother.dob": "1990-01-31", "informant.relation": "mother"}), encoding="utf-8")
    as_ana = ("--data-dir", str(data), "--user", "ana")
    declared = run(bundle, *as_ana, "records", "declare", "--event", "birth", "--data", str(birth),
                   CRVS_FIELD_PIN=AGENT_PIN)
    assert declared.returncode == 0, declared.stderr
    record_id = declared.stdout.strip()

    listed = run(bundle, *as_ana, "records", "list", "--json", CRVS_FIELD_PIN=AGENT_PIN)
    assert listed.returncode == 0, listed.stderr
    assert record_id in listed.stdout
    assert json.loads(listed.stdout)["queues"]["outbox"] == 1  # the mother's IDA verification, queued

    audit = run(bundle, "--data-dir", str(data), "--user", "root", "audit", "verify", CRVS_FIELD_PIN=PIN)
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_demo_headless_runs_the_emulator_and_the_sync_agent(bundle: Path, tmp_path: Path) -> None:
    """uvicorn/starlette, the emulator's data file, APScheduler and httpx, all frozen."""
    result = run(bundle, "--data-dir", str(tmp_path / "demo"), "demo", "--headless", "--seconds", "4")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout[result.stdout.rindex('{\n  "online"'):])
    assert status["online"] is True
    assert status["quarantined"] == 0


def _first_window(bundle: Path, data_dir: Path, log: Path) -> None:
    """Start the desktop app (no command), wait until Qt's offscreen plugin reports a shown window
    ("propagateSizeHints" on stderr), check that nothing crashed, then end the process: the
    window is modal and would wait for a click forever."""
    with log.open("w") as err:
        proc = subprocess.Popen([str(bundle / "crvs-field"), "--data-dir", str(data_dir)],
                                env=_env(), stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 60
        shown = False
        while time.monotonic() < deadline and proc.poll() is None:
            shown = "propagateSizeHints" in log.read_text()
            if shown:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        assert proc.poll() is None, f"the app exited ({proc.returncode}): {log.read_text()}"
        assert shown, f"no window within 60 s: {log.read_text()}"
        assert "Traceback" not in log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_desktop_app_shows_its_error_dialog_offscreen(bundle: Path, tmp_path: Path) -> None:
    """On a data directory that does not exist: the whole UI imported, Qt up (the offscreen
    platform plugin from the bundle), the "cannot open the device" dialog shown."""
    _first_window(bundle, tmp_path / "none", tmp_path / "stderr.txt")


def test_the_desktop_app_shows_its_sign_in_dialog_offscreen(bundle: Path, tmp_path: Path) -> None:
    """On an initialised device: the sign-in dialog (translations, the country's languages)."""
    data = tmp_path / "device"
    init = run(bundle, "--data-dir", str(data), "init", "--admin", "root", CRVS_FIELD_PIN=PIN)
    assert init.returncode == 0, init.stderr
    _first_window(bundle, data, tmp_path / "stderr.txt")


@pytest.mark.skipif(not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
                    reason="needs dbus-run-session and gnome-keyring-daemon (apt: dbus-daemon gnome-keyring)")
def test_agent_key_in_the_os_keyring(bundle: Path, tmp_path: Path) -> None:
    """keyring's Secret Service backend (jeepney, SecretStorage) works frozen: the admin stores the
    agent key in a (throw-away) GNOME keyring, and the sync agent opens the device with it — it gets
    as far as the MOSIP secrets this device was never given."""
    data, home = tmp_path / "device", tmp_path / "home"
    home.mkdir()
    script = f"""
set -eu
eval "$(printf 'unlock\\n' | gnome-keyring-daemon --unlock --components=secrets)"
CRVS_FIELD_PIN={PIN} "$B" --data-dir "$D" init --admin root
CRVS_FIELD_PIN={PIN} "$B" --data-dir "$D" --user root agent-key --keyring
"$B" --data-dir "$D" sync --once || echo "sync exit $?"
"""
    result = subprocess.run(["dbus-run-session", "--", "bash", "-c", script], capture_output=True, text=True,
                            timeout=120, env=_env(HOME=str(home), B=str(bundle / "crvs-field"), D=str(data)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "provisioned in OS keyring" in result.stdout
    assert not (data / "agent.key").exists()
    assert "sync exit 2" in result.stdout
    assert "ida_encryption_cert" in result.stderr  # the device opened: only its MOSIP secrets are missing
    assert "Traceback" not in result.stderr


def test_install_copies_a_relocatable_bundle(bundle: Path, tmp_path: Path) -> None:
    """packaging/install.sh into a staging tree: the copied bundle runs from its new place, with
    the desktop entry and icons where desktops look for them."""
    if os.environ.get("CRVS_BUNDLE"):
        pytest.skip("tests the installer on a built bundle only")
    stage = tmp_path / "root"
    install = subprocess.run(["bash", str(ROOT / "packaging" / "install.sh"), str(bundle)],
                             env=_env(DESTDIR=str(stage)), capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    installed = stage / "opt" / "crvs-field"
    result = run(installed, "qr", "decode", str(QR / "opencrvs.png"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    desktop = stage / "usr" / "share" / "applications" / "crvs-field.desktop"
    assert "Exec=/opt/crvs-field/crvs-field" in desktop.read_text()
    assert (stage / "usr/share/icons/hicolor/256x256/apps/crvs-field.png").stat().st_size > 0
    assert (stage / "usr/share/icons/hicolor/scalable/apps/crvs-field.svg").exists()
    assert os.readlink(stage / "usr/local/bin/crvs-field") == "/opt/crvs-field/crvs-field"
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
