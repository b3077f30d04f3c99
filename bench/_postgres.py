"""A throwaway PostgreSQL cluster for a benchmark: initdb under a temporary directory, listening on a
unix socket there (and 127.0.0.1 on a free port), run as the ``postgres`` user when we are root
(PostgreSQL refuses to run as root); stopped and removed on exit."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

PG_BIN = Path(os.environ.get("CRVS_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def cluster(database: str) -> Iterator[str]:
    """Yields a SQLAlchemy URL of a new, empty ``database``."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL server binaries not found in {PG_BIN} (Debian package 'postgresql')")
    base = Path(tempfile.mkdtemp(prefix="relay-bench-pg-"))
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(sockets, "postgres", "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                 "-E", "UTF8", "--no-instructions"]), check=True, capture_output=True)
    # defaults otherwise (fsync on, synchronous_commit on): the figures are for durable commits
    options = f"-k {sockets} -p {port} -c listen_addresses=127.0.0.1"
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                                 str(base / "server.log"), "-w", "start"]), check=True, capture_output=True)
    try:
        import psycopg
        with psycopg.connect(host=str(sockets), port=port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {database}")
        yield f"postgresql+psycopg://postgres@/{database}?host={sockets}&port={port}"
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
