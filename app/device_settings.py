"""This device's own MOSIP identity: registration centre id and machine id.

MOSIP knows a registration device by the centre it belongs to and its machine id: both go into every
RID (centre + machine + sequence + time), the packet's `refId` (`<centre>_<machine>`) and its
`metaInfo`, where the registration processor's CMD validator checks them against its master data
(mosip/registration `CenterValidator`, `MachineValidator`). Two devices sharing a machine id would
make colliding RIDs, so these are set per device — at `crvs-field init`, changed by an admin — and
stored in the encrypted database. A device without its own values uses the country file's.

Every user holds the database key, so on a device with an admin key (`app.security.keyslots`) the
pair is signed by that key and checked at every read: a value an agent writes into the database,
or a deleted row or signature, is refused rather than used in a RID.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Table, select
from sqlmodel import Session

from app import audit
from app.config.loader import LoadedCountry
from app.errors import Invalid, Refused
from app.security.keyslots import SLOT_FILE, KeySlots
from app.store.database import Database
from app.store.models import DeviceSetting, utcnow
from app.sync_status import BackupStatus
from app.vocabulary import Actor, Role

CENTER_ID = "mosip.center_id"
MACHINE_ID = "mosip.machine_id"
IDS_SIGNATURE = "mosip.ids.signature"  # the admin key's Ed25519 signature over both ids (base64)
_DB_PATH = "crvs_field.db_path"
_SETTINGS: Table = DeviceSetting.__table__  # type: ignore[attr-defined]
_STORED_IDS = select(_SETTINGS.c.name, _SETTINGS.c.value).where(
    _SETTINGS.c.name.in_((CENTER_ID, MACHINE_ID, IDS_SIGNATURE)))
BACKUP_STATE = "backup.state"     # the scheduled backups' latest outcome (JSON, no personal data)
# the RID layout has five digits for each (as the country configuration's pattern)
_FIVE_DIGITS = re.compile(r"^[0-9]{5}$")


class DeviceSettingError(Invalid, ValueError):
    default_code = "device.setting_invalid"


class DeviceSettingForged(Refused):
    default_code = "device.setting_forged"


@dataclass(frozen=True)
class MosipDeviceIds:
    center_id: str
    machine_id: str

    @property
    def ref_id(self) -> str:
        return f"{self.center_id}_{self.machine_id}"


def _ids_message(center_id: str, machine_id: str) -> bytes:
    return b"crvs-field device ids v1\0" + json.dumps([center_id, machine_id]).encode()


def _admin_public(session: Session) -> Ed25519PublicKey | None:
    """The admin key of the device whose database this session reads (its key slot file sits
    beside the database file), or None on a device without one."""
    conn = session.connection()
    path = conn.info.get(_DB_PATH)           # kept with the pooled connection: one PRAGMA per connection
    if path is None:
        rows = conn.exec_driver_sql("PRAGMA database_list").fetchall()
        path = conn.info[_DB_PATH] = next((row[2] for row in rows if row[1] == "main"), "")
    if not path:
        return None
    slot_file = Path(path).parent / SLOT_FILE
    try:
        info = slot_file.stat()
    except FileNotFoundError:
        return None
    # every register action asks: the parsed key is reused while the file is the same one (slot
    # files are replaced by rename, and ctime cannot be set back), a changed file is read again
    return _admin_public_of(slot_file, (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns))


@functools.lru_cache(maxsize=8)
def _admin_public_of(slot_file: Path, _identity: tuple[int, ...]) -> Ed25519PublicKey | None:
    return KeySlots(slot_file.parent).admin_public()


@functools.lru_cache(maxsize=64)
def _signed(public_raw: bytes, center_id: str, machine_id: str, signature: str) -> bool:
    """Ed25519 is deterministic to check: the same key, ids and signature give the same answer."""
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(
            base64.b64decode(signature, validate=True), _ids_message(center_id, machine_id))
    except (InvalidSignature, ValueError):
        return False
    return True


def mosip_device_ids(session: Session, country: LoadedCountry) -> MosipDeviceIds:
    """The device's ids; on a device without an admin key, each one not set falls back to the
    country file's. With an admin key both must be set and carry its valid signature."""
    packets = country.config.mosip.packets
    stored = _stored_ids(session)
    center, machine, signature = stored.get(CENTER_ID), stored.get(MACHINE_ID), stored.get(IDS_SIGNATURE)
    verifier = _admin_public(session)
    if verifier is None:
        return MosipDeviceIds(center if center is not None else packets.center_id,
                              machine if machine is not None else packets.machine_id)
    if center is None or machine is None or signature is None \
            or not _signed(verifier.public_bytes(Encoding.Raw, PublicFormat.Raw), center, machine, signature):
        raise DeviceSettingForged(
            "the device's MOSIP centre and machine ids carry no valid admin signature: the database was "
            "altered, or they predate signing — an admin sets them again with `crvs-field device set`")
    return MosipDeviceIds(center, machine)


def _stored_ids(session: Session) -> dict[str, str]:
    """The stored ids and their signature in one query (every register action reads them): a row
    read, not ORM objects, and no flush of the caller's changes unless they include a setting."""
    if any(isinstance(obj, DeviceSetting) for obj in (*session.new, *session.dirty)):
        session.flush()
    return {name: value for name, value in session.execute(_STORED_IDS)}


def sign_mosip_ids(session: Session, signer: Ed25519PrivateKey, by: str, country: LoadedCountry | None = None) -> None:
    """Sign the stored ids (the country file's where one is not stored, when `country` is given)
    inside the caller's transaction."""
    if country is not None:
        packets = country.config.mosip.packets
        missing = {option: value for option, key, value in (("center_id", CENTER_ID, packets.center_id),
                                                            ("machine_id", MACHINE_ID, packets.machine_id))
                   if session.get(DeviceSetting, key) is None}
        write_mosip_device_ids(session, by, **missing)
    values = {}
    for key in (CENTER_ID, MACHINE_ID):
        row = session.get(DeviceSetting, key)
        if row is None:
            raise DeviceSettingError("the device's MOSIP ids are not set")
        values[key] = row.value
    signature = base64.b64encode(signer.sign(_ids_message(values[CENTER_ID], values[MACHINE_ID]))).decode()
    row = session.get(DeviceSetting, IDS_SIGNATURE)
    if row is None:
        session.add(DeviceSetting(name=IDS_SIGNATURE, value=signature, updated_by=by))
    else:
        row.value, row.updated_by, row.updated_at = signature, by, utcnow()
        session.add(row)


def _check(name: str, value: str) -> str:
    if not _FIVE_DIGITS.match(value):
        raise DeviceSettingError(f"{name} must be five digits")
    return value


def write_mosip_device_ids(session: Session, by: str, *, center_id: str | None = None,
                           machine_id: str | None = None) -> dict[str, str]:
    """Set the given ids inside the caller's transaction; returns what changed (name → value)."""
    changed = {}
    for key, name, value in ((CENTER_ID, "center id", center_id), (MACHINE_ID, "machine id", machine_id)):
        if value is None:
            continue
        value = _check(name, value.strip())
        row = session.get(DeviceSetting, key)
        if row is not None and row.value == value:
            continue
        if row is None:
            session.add(DeviceSetting(name=key, value=value, updated_by=by))
        else:
            row.value, row.updated_by, row.updated_at = value, by, utcnow()
            session.add(row)
        changed[key] = value
    return changed


class DeviceSettingsService:
    def __init__(self, db: Database, country: LoadedCountry):
        self.db = db
        self.country = country

    def mosip_ids(self) -> MosipDeviceIds:
        with self.db.read() as session:
            return mosip_device_ids(session, self.country)

    def set_mosip_ids(self, by: Actor, *, center_id: str | None = None,
                      machine_id: str | None = None) -> MosipDeviceIds:
        """An admin changes the device's centre and/or machine id (audited)."""
        if by.role is not Role.ADMIN:
            raise DeviceSettingError("only an admin can change the device's MOSIP ids")
        if center_id is None and machine_id is None:
            raise DeviceSettingError("nothing to set: give a centre id, a machine id or both")
        verifier = KeySlots(Path(self.db.path).parent).admin_public()
        signer = self.db.admin_signer
        if verifier is not None and (signer is None or signer.public_key() != verifier):
            raise DeviceSettingForged("changing the device's MOSIP ids needs the device unlocked with an admin's "
                                      "PIN (the admin key signs them)", code="device.admin_key_needed")
        with self.db.write() as session:
            changed = write_mosip_device_ids(session, by.name, center_id=center_id, machine_id=machine_id)
            if signer is not None:
                sign_mosip_ids(session, signer, by.name, self.country)   # also re-signs values set before
            if changed:
                audit.append(session, actor=by.name, kind="device-settings-changed", details=changed)
            return mosip_device_ids(session, self.country)


def _time(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def load_backup_status(session: Session, warn_after_hours: float) -> BackupStatus:
    """What the device remembers of its backups; a damaged row reads as "never backed up"."""
    row = session.get(DeviceSetting, BACKUP_STATE)
    try:
        raw = json.loads(row.value) if row is not None else {}
    except ValueError:
        raw = {}
    if not isinstance(raw, dict):
        raw = {}
    dests, failures = raw.get("dests"), raw.get("failed")
    size, seq = raw.get("bytes"), raw.get("seq")
    return BackupStatus(
        last_success_at=_time(raw.get("ok_at")),
        destinations=tuple(str(d) for d in dests) if isinstance(dests, list) else (),
        size_bytes=size if type(size) is int else 0,
        audit_seq=seq if type(seq) is int else 0,
        last_attempt_at=_time(raw.get("at")),
        failures=tuple((str(k), str(v)) for k, v in failures.items()) if isinstance(failures, dict) else (),
        warn_after_hours=warn_after_hours)


def save_backup_status(session: Session, status: BackupStatus, by: str) -> None:
    """Keep the outcome inside the caller's transaction (the row holds at most 256 characters)."""
    state = {"ok_at": status.last_success_at.isoformat() if status.last_success_at else None,
             "dests": [d[:16] for d in status.destinations[:4]], "bytes": status.size_bytes, "seq": status.audit_seq,
             "at": status.last_attempt_at.isoformat() if status.last_attempt_at else None,
             "failed": {d[:16]: r[:24] for d, r in status.failures[:4]}}
    value = json.dumps(state, separators=(",", ":"))
    while len(value) > 256 and (state["failed"] or state["dests"]):   # the newest facts matter most
        if state["failed"]:
            state["failed"].popitem()
        else:
            state["dests"].pop()
        value = json.dumps(state, separators=(",", ":"))
    row = session.get(DeviceSetting, BACKUP_STATE)
    if row is None:
        session.add(DeviceSetting(name=BACKUP_STATE, value=value, updated_by=by))
    else:
        row.value, row.updated_by, row.updated_at = value, by, utcnow()
        session.add(row)
