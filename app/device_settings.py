"""This device's own MOSIP identity: registration centre id and machine id.

MOSIP knows a registration device by the centre it belongs to and its machine id: both go into every
RID (centre + machine + sequence + time), the packet's `refId` (`<centre>_<machine>`) and its
`metaInfo`, where the registration processor's CMD validator checks them against its master data
(mosip/registration `CenterValidator`, `MachineValidator`). Two devices sharing a machine id would
make colliding RIDs, so these are set per device — at `crvs-field init`, changed by an admin — and
stored in the encrypted database. A device without its own values uses the country file's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from sqlmodel import Session

from app import audit
from app.config.loader import LoadedCountry
from app.errors import Invalid
from app.store.database import Database
from app.store.models import DeviceSetting, utcnow
from app.sync_status import BackupStatus
from app.vocabulary import Actor, Role

CENTER_ID = "mosip.center_id"
MACHINE_ID = "mosip.machine_id"
BACKUP_STATE = "backup.state"     # the scheduled backups' latest outcome (JSON, no personal data)
# the RID layout has five digits for each (as the country configuration's pattern)
_FIVE_DIGITS = re.compile(r"^[0-9]{5}$")


class DeviceSettingError(Invalid, ValueError):
    default_code = "device.setting_invalid"


@dataclass(frozen=True)
class MosipDeviceIds:
    center_id: str
    machine_id: str

    @property
    def ref_id(self) -> str:
        return f"{self.center_id}_{self.machine_id}"


def mosip_device_ids(session: Session, country: LoadedCountry) -> MosipDeviceIds:
    """The device's ids; each one not set on the device falls back to the country file's."""
    packets = country.config.mosip.packets
    center = session.get(DeviceSetting, CENTER_ID)
    machine = session.get(DeviceSetting, MACHINE_ID)
    return MosipDeviceIds(center.value if center else packets.center_id,
                          machine.value if machine else packets.machine_id)


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
        with self.db.write() as session:
            changed = write_mosip_device_ids(session, by.name, center_id=center_id, machine_id=machine_id)
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
