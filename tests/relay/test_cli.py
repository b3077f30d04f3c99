"""``crvs-relay`` as an administrator runs it: help, schema upgrade, device credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from relay.db import Store, make_engine, token_digest
from relay.settings import OPTIONS
from tests.relay.conftest import ROOT


def run(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "CRVS_RELAY_DATABASE_URL": database_url, "CRVS_RELAY_LOG_LEVEL": "WARNING", **env}
    return subprocess.run([sys.executable, "-m", "relay", *args], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=60)


def test_help_explains_every_setting() -> None:
    result = run("sqlite://", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for option in OPTIONS:
        assert option.env in text, option.env
        assert (option.flag + "-file" if option.secret else option.flag) in text


def test_device_add_list_revoke(database_url: str) -> None:
    assert run(database_url, "db", "upgrade").stdout.strip() == "schema up to date"
    added = run(database_url, "device", "add", "office-1")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    assert token.startswith("crvsr_") and len(token) > 40
    assert run(database_url, "device", "add", "office-1").returncode == 1        # names are unique
    assert run(database_url, "device", "add", "bad name!").returncode == 2

    store = Store(make_engine(database_url))
    assert store.authenticate(token) is not None
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_sha256 FROM devices").scalar()
    assert stored == token_digest(token) and token not in stored                 # only the digest is kept

    listed = json.loads(run(database_url, "device", "list").stdout)
    assert [(d["name"], d["revoked_at"]) for d in listed] == [("office-1", None)]
    assert run(database_url, "device", "revoke", "office-1").returncode == 0
    assert run(database_url, "device", "revoke", "office-1").returncode == 1
    assert store.authenticate(token) is None
    assert json.loads(run(database_url, "device", "list").stdout)[0]["revoked_at"] is not None
    store.engine.dispose()


def test_serve_refuses_an_incomplete_subscription_setup(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path / 'r.sqlite3'}", "serve", CRVS_RELAY_HUB_URL="http://127.0.0.1:9/hub")
    assert result.returncode == 2
    assert "client-secret" in result.stderr and "callback-url" in result.stderr


def test_secrets_come_from_files(tmp_path: Path) -> None:
    from relay.cli import build_parser
    from relay.settings import from_args

    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    args = build_parser().parse_args(["--client-secret-file", str(secret)])
    settings = from_args(args, {"CRVS_RELAY_HUB_SECRET_FILE": str(secret), "CRVS_RELAY_RETENTION_HOURS": "2"})
    assert (settings.client_secret, settings.hub_secret, settings.retention_hours) == ("s3cret", "s3cret", 2.0)
