"""Would an incremental backup save real bytes? (issue 19: "incremental where it saves real bytes,
otherwise full"). Two backups of the same device with one record changed in between, compared page
by page (4 KiB, aligned):

- as stored (the archives' SQLCipher pages): what a block-level dedup (borg, restic, rsync) of two
  archives could share;
- decrypted (AES-256-CBC under the data key, SQLCipher 4's page layout: IV and HMAC in the last 80
  bytes of each page, page 1's first 16 bytes the salt) — what a plaintext page diff would send;
- the live database file itself before and after the change (after a checkpoint): what copying the
  file rather than using the backup API would share.

Measurement only: nothing here is used by a backup.
"""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

PAGE = 4096
RESERVE = 80          # SQLCipher 4: 16-byte IV + 64-byte HMAC-SHA512 at the end of every page
SALT = 16


def pages(data: bytes) -> list[bytes]:
    return [data[i:i + PAGE] for i in range(0, len(data), PAGE)]


def decrypt_page(key: bytes, number: int, page: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    start = SALT if number == 1 else 0
    iv = page[PAGE - RESERVE:PAGE - RESERVE + 16]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(page[start:PAGE - RESERVE]) + decryptor.finalize()


def same_pages(a: list[bytes], b: list[bytes]) -> int:
    return sum(1 for x, y in zip(a, b, strict=False) if x == y)


def database_of(archive: Path) -> bytes:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("crvs.db")
        assert member is not None
        return member.read()


def change_one_record(device: Any) -> None:
    """One record's declaration edited, as an officer's correction of one field would."""
    from sqlalchemy import text

    with device.db.write() as session:
        session.execute(text("UPDATE record SET declaration = replace(declaration, 'a', 'e'), "
                             "version = version + 1 WHERE id = (SELECT id FROM record ORDER BY id LIMIT 1)"))


def checkpointed_file(device: Any) -> bytes:
    from app.backup import _raw_connect

    conn = _raw_connect(device.db.path, device.db._key, autocommit=True)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    if busy:
        raise RuntimeError("the checkpoint could not complete (a reader held the WAL)")
    return device.db.path.read_bytes()


def measure(device: Any, out: Path) -> dict[str, Any]:
    from app.backup import create_backup

    key: bytes = device.db._key
    live_before = pages(checkpointed_file(device))
    first = create_backup(device.db, device.data_dir, out)
    change_one_record(device)
    live_after = pages(checkpointed_file(device))
    second = create_backup(device.db, device.data_dir, out)
    a, b = pages(database_of(first.path)), pages(database_of(second.path))
    plain_a = [decrypt_page(key, n, p) for n, p in enumerate(a, 1)]
    plain_b = [decrypt_page(key, n, p) for n, p in enumerate(b, 1)]
    total = max(len(a), len(b))
    same_cipher, same_plain, same_live = same_pages(a, b), same_pages(plain_a, plain_b), same_pages(live_before,
                                                                                                   live_after)
    return {"pages": total, "page_bytes": PAGE,
            "identical_pages_archives": same_cipher,
            "identical_pages_plaintext": same_plain,
            "identical_pages_live_file": same_live,
            "live_file_pages": max(len(live_before), len(live_after)),
            "changed_bytes_plaintext": (total - same_plain) * PAGE,
            "archive_bytes": second.size_bytes}
