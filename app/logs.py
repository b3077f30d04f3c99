"""Logging for the device: a rotating file in the data directory, warnings on stderr.

Log lines carry kinds, ids of our own (record ids, transaction ids, RIDs), counts and error codes —
never names, ID numbers, dates of birth or tokens. Libraries that log URLs with credentials in
them (httpx logs IDA's URL, which holds the licence and API keys) are held at WARNING."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

LOG_FILE = "crvs-field.log"
_QUIET = ("httpx", "httpcore", "apscheduler", "urllib3", "asyncio", "uvicorn.access", "celpy", "lark")
OUR_LOGGERS = ("crvs_field", "app", "sync", "ui", "mosip_emulator")
_configured: set[str] = set()


class OursOrWarnings(logging.Filter):
    """Debug and info lines only from our own code, which is written not to log personal data;
    libraries may log what they handle (celpy logs a whole rule context at DEBUG), so from them
    only warnings and errors pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.split(".", 1)[0] in OUR_LOGGERS


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files are their owner's only (0600), the first one and every one after a rotation."""

    def _open(self):  # type: ignore[no-untyped-def]
        stream = super()._open()
        os.chmod(self.baseFilename, 0o600)
        return stream


def configure(data_dir: Path | None, level: str | None = None) -> Path | None:
    """Idempotent. Returns the log file, or None when there is no data directory yet."""
    root = logging.getLogger()
    root.setLevel(level or os.environ.get("CRVS_FIELD_LOG_LEVEL", "INFO").upper())
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    if "stderr" not in _configured:
        stderr = logging.StreamHandler()
        stderr.setLevel(logging.WARNING)
        stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        stderr.addFilter(OursOrWarnings())
        root.addHandler(stderr)
        _configured.add("stderr")
    if data_dir is None or not data_dir.is_dir():
        return None
    logs = data_dir / "logs"
    logs.mkdir(mode=0o700, exist_ok=True)
    path = logs / LOG_FILE
    if str(path) not in _configured:
        os.chmod(logs, 0o700)
        handler = _PrivateRotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(OursOrWarnings())
        root.addHandler(handler)
        _configured.add(str(path))
    return path
