"""Every setting of the relay: a command-line flag, else an environment variable, else a default.

Secrets (the WEBSUB client's secret, an explicit hub secret) are never flags — a flag shows in the
process list — only an environment variable or a file named by one.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "CRVS_RELAY_"
# MOSIP's credential event topic for a partner: <partnerId>/CREDENTIAL_ISSUED
# (mosip/id-repository CredentialStoreServiceImpl; subscribing needs SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL,
# mosip/websub hub/modules/security/security.bal)
CREDENTIAL_ISSUED = "CREDENTIAL_ISSUED"
CALLBACK_PATH = "/v1/websub/callback"


@dataclass(frozen=True)
class Option:
    name: str                 # the dataclass field; flag --name-with-dashes; env CRVS_RELAY_NAME
    default: Any
    help: str
    kind: type = str
    secret: bool = False      # env or *_FILE only

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


OPTIONS = [
    Option("database_url", "sqlite:///crvs-relay.sqlite3",
           "SQLAlchemy URL of the relay's database: postgresql://user@host/db in production (psycopg 3; "
           "several instances share it), a SQLite file for one office"),
    Option("bind", "127.0.0.1:8780", "host:port to listen on (plain HTTP: put a TLS-terminating reverse proxy "
           "in front)"),
    Option("hub_url", "", "MOSIP WebSub hub URL (e.g. https://websub.example.org/hub); empty: do not subscribe "
           "(an instance that only serves devices)"),
    Option("auth_url", "", "MOSIP auth manager's client-secret login, e.g. "
           "https://api-internal.example.org/v1/authmanager/authenticate/clientidsecretkey"),
    Option("client_id", "", "the WEBSUB client's id in the auth manager (for a credential partner: the partner id)"),
    Option("app_id", "partner", "the WEBSUB client's appId in the auth manager"),
    Option("client_secret", "", "the WEBSUB client's secret (environment only: CRVS_RELAY_CLIENT_SECRET, or a file "
           "named by CRVS_RELAY_CLIENT_SECRET_FILE / --client-secret-file)", secret=True),
    Option("partner_id", "", "the credential partner whose topic is subscribed: <partner_id>/CREDENTIAL_ISSUED"),
    Option("callback_url", "", "the PUBLIC URL the hub posts to: https://<relay host>" + CALLBACK_PATH
           + " as the reverse proxy exposes it"),
    Option("hub_secret", "", "HMAC secret given to the hub (environment or file only); empty: generated once and "
           "kept in the database, shared by every instance", secret=True),
    Option("lease_seconds", 864000, "hub.lease_seconds asked for; re-subscribed at 80 %% of it", int),
    Option("resubscribe_seconds", 3600, "re-subscribe at least this often: MOSIP's hub stops a subscriber after "
           "a failed delivery and restarts it only on a verified subscription", int),
    Option("retention_hours", 720.0, "deliveries (acknowledged or not) are deleted this long after arrival", float),
    Option("maintenance_seconds", 30.0, "how often an instance tries the maintenance lease (re-subscribe, purge)",
           float),
    Option("max_delivery_bytes", 4 * 1024 * 1024, "largest hub delivery accepted (HTTP 413 above)", int),
    Option("backup_dir", "crvs-relay-backups", "folder holding the devices' backup blobs (one sub-folder per "
           "device; shared by every instance, e.g. a network volume); empty: no backup store (503)"),
    Option("backup_keep", 14, "newest backups kept per device", int),
    Option("backup_quota_bytes", 4 * 1024 ** 3, "bytes of backups kept per device; the oldest are deleted to "
           "stay under it, and one backup larger than it is refused (HTTP 413)", int),
    Option("log_level", "INFO", "log level (JSON lines on stderr)"),
    Option("migrate", "yes", "yes: upgrade the schema at start (safe with several instances); no: leave it to "
           "`crvs-relay db upgrade`"),
    Option("forwarded_allow_ips", "127.0.0.1", "proxies whose X-Forwarded-* headers are trusted (uvicorn)"),
]


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///crvs-relay.sqlite3"
    bind: str = "127.0.0.1:8780"
    hub_url: str = ""
    auth_url: str = ""
    client_id: str = ""
    app_id: str = "partner"
    client_secret: str = ""
    partner_id: str = ""
    callback_url: str = ""
    hub_secret: str = ""
    lease_seconds: int = 864000
    resubscribe_seconds: int = 3600
    retention_hours: float = 720.0
    maintenance_seconds: float = 30.0
    max_delivery_bytes: int = 4 * 1024 * 1024
    backup_dir: str = "crvs-relay-backups"
    backup_keep: int = 14
    backup_quota_bytes: int = 4 * 1024 ** 3
    log_level: str = "INFO"
    migrate: str = "yes"
    forwarded_allow_ips: str = "127.0.0.1"
    # test only: seconds to sleep after a delivery is committed and before it is answered, so a test
    # can SIGKILL the relay exactly there (CRVS_RELAY_TEST_PAUSE_AFTER_STORE; not a flag)
    test_pause_after_store: float = 0.0

    @property
    def topic(self) -> str:
        return f"{self.partner_id}/{CREDENTIAL_ISSUED}"

    @property
    def subscribes(self) -> bool:
        return bool(self.hub_url)

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.bind.rpartition(":")
        return host.strip("[]") or "127.0.0.1", int(port)

    def missing_for_subscription(self) -> list[str]:
        needed = ("auth_url", "client_id", "client_secret", "partner_id", "callback_url")
        return [name for name in needed if not getattr(self, name)]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("settings (flag, else environment variable, else default)")
    for opt in OPTIONS:
        if opt.secret:
            group.add_argument(opt.flag + "-file", dest=opt.name + "_file", metavar="PATH", default=None,
                               help=f"{opt.help}. Env: {opt.env} or {opt.env}_FILE")
        else:
            group.add_argument(opt.flag, dest=opt.name, metavar=opt.name.upper(), default=None, type=opt.kind,
                               help=f"{opt.help}. Env: {opt.env} (default: {opt.default})")


def _read_secret_file(path: str) -> str:
    return Path(path).read_text(encoding="utf-8").strip()


def from_args(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for opt in OPTIONS:
        if opt.secret:
            path = getattr(args, opt.name + "_file", None) or env.get(opt.env + "_FILE")
            value: Any = _read_secret_file(path) if path else env.get(opt.env, opt.default)
        else:
            given = getattr(args, opt.name, None)
            value = given if given is not None else opt.kind(env.get(opt.env, opt.default))
        values[opt.name] = value
    values["test_pause_after_store"] = float(env.get(ENV_PREFIX + "TEST_PAUSE_AFTER_STORE", "0") or 0)
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in values.items() if k in known})
