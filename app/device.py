"""One device: its data directory, its country, its encrypted database and the services on them.

The data directory holds `crvs.db` (SQLCipher), `device.json` (which country the device serves)
and, until per-user key slots land, `db.key` (0600) — or the key comes from CRVS_FIELD_DB_KEY.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import platformdirs

from app.config.loader import LoadedCountry, load_country
from app.records.service import RecordService
from app.security.users import UserService
from app.store import Database, DatabaseError, new_data_key, read_key_file, write_key_file
from app.store.database import KEY_ENV

DB_FILE = "crvs.db"
KEY_FILE = "db.key"
SETTINGS_FILE = "device.json"


def resources_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "resources"


def default_country_dir() -> Path:
    return resources_dir() / "countries" / "farajaland"


def default_data_dir() -> Path:
    return Path(os.environ.get("CRVS_FIELD_DATA_DIR") or platformdirs.user_data_dir("crvs-field"))


class DeviceError(Exception):
    pass


@dataclass
class Device:
    data_dir: Path
    country: LoadedCountry
    db: Database

    @cached_property
    def records(self) -> RecordService:
        return RecordService(self.db, self.country)

    @cached_property
    def users(self) -> UserService:
        return UserService(self.db)

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def _key(data_dir: Path) -> bytes:
        env = os.environ.get(KEY_ENV)
        if env:
            try:
                key = bytes.fromhex(env.strip())
            except ValueError:
                raise DeviceError(f"{KEY_ENV} is not hex") from None
            return key
        key_file = data_dir / KEY_FILE
        if not key_file.exists():
            raise DeviceError(f"no database key in {data_dir} (run `crvs-field init` first)")
        return read_key_file(key_file)

    @classmethod
    def initialise(cls, data_dir: Path, country_dir: Path | None) -> Device:
        """Create the encrypted database of a new device; refuses to touch an existing one."""
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if (data_dir / DB_FILE).exists():
            raise DeviceError(f"{data_dir} already holds a device database")
        country = load_country(country_dir or default_country_dir())
        if not os.environ.get(KEY_ENV):
            write_key_file(data_dir / KEY_FILE, new_data_key())
        (data_dir / SETTINGS_FILE).write_text(json.dumps({"country_dir": str(country.directory)}, indent=1))
        db = Database(data_dir / DB_FILE, cls._key(data_dir))
        db.migrate()
        return cls(data_dir, country, db)

    @classmethod
    def open(cls, data_dir: Path, country_dir: Path | None = None) -> Device:
        if not (data_dir / DB_FILE).exists():
            raise DeviceError(f"no device database in {data_dir} (run `crvs-field init --admin NAME`)")
        if country_dir is None:
            try:
                settings = json.loads((data_dir / SETTINGS_FILE).read_text())
                country_dir = Path(settings["country_dir"])
            except (OSError, ValueError, KeyError):
                country_dir = default_country_dir()
        country = load_country(country_dir)
        try:
            db = Database(data_dir / DB_FILE, cls._key(data_dir))
        except DatabaseError as exc:
            raise DeviceError(str(exc)) from None
        db.migrate()
        return cls(data_dir, country, db)
