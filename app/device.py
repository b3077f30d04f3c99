"""One device: its data directory, its country, its encrypted database and the services on them.

The data directory holds `crvs.db` (SQLCipher), `device.json` (which country the device serves)
and `keyslots.json` (the random data key wrapped per user, DESIGN §6). A user opens the device
with their PIN. The headless agent needs a key the admin provisioned: `agent.key` (0600), the OS
keyring, or CRVS_FIELD_DB_KEY — a deployment choice (README "Install on a field device").
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import platformdirs

from app.config.loader import LoadedCountry, load_country
from app.device_settings import DeviceSettingsService, write_mosip_device_ids
from app.records.service import Actor, RecordService
from app.records.workflow import Role
from app.security.keyslots import KeySlots, SlotError
from app.security.users import AuthenticationError, UserError, UserService
from app.store import Database, DatabaseError, new_data_key, read_key_file, write_key_file
from app.store.database import KEY_ENV

DB_FILE = "crvs.db"
KEY_FILE = "agent.key"
KEYRING_SERVICE = "crvs-field"
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
    data_key: bytes | None = None  # held in memory while open, to wrap new users' slots
    actor: Actor | None = None     # the user who unlocked the device with a PIN, if any

    @property
    def slots(self) -> KeySlots:
        return KeySlots(self.data_dir)

    @cached_property
    def records(self) -> RecordService:
        return RecordService(self.db, self.country)

    @cached_property
    def users(self) -> UserService:
        return UserService(self.db)

    @cached_property
    def settings(self) -> DeviceSettingsService:
        return DeviceSettingsService(self.db, self.country)

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def _agent_key(data_dir: Path) -> bytes:
        """The key provisioned for unattended use: environment, key file, then OS keyring."""
        env = os.environ.get(KEY_ENV)
        if env:
            try:
                return bytes.fromhex(env.strip())
            except ValueError:
                raise DeviceError(f"{KEY_ENV} is not hex") from None
        key_file = data_dir / KEY_FILE
        if key_file.exists():
            return read_key_file(key_file)
        stored = _keyring_get(data_dir)
        if stored:
            return bytes.fromhex(stored)
        raise DeviceError(f"{data_dir} is locked: sign in with a user and PIN (--user), or provision an agent "
                          "key for unattended use (`crvs-field agent-key`)")

    @classmethod
    def initialise(cls, data_dir: Path, country_dir: Path | None, *, admin: str | None = None,
                   pin: str | None = None, agent_key: bool = True, center_id: str | None = None,
                   machine_id: str | None = None) -> Device:
        """Create the encrypted database of a new device; refuses to touch an existing one.
        With `admin` and `pin`, the first account and its key slot; with `agent_key`, an agent key
        file for unattended use (tests and headless deployments). `center_id` / `machine_id`: the
        device's MOSIP ids (`app.device_settings`), by default the country file's."""
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if (data_dir / DB_FILE).exists():
            raise DeviceError(f"{data_dir} already holds a device database")
        country = load_country(country_dir or default_country_dir())
        packets = country.config.mosip.packets
        for name, value in (("centre id", center_id), ("machine id", machine_id)):
            if value is not None and not (len(value) == 5 and value.isascii() and value.isdigit()):
                raise DeviceError(f"the MOSIP {name} is five digits")
        key = bytes.fromhex(os.environ[KEY_ENV]) if os.environ.get(KEY_ENV) else new_data_key()
        (data_dir / SETTINGS_FILE).write_text(json.dumps({"country_dir": _portable(country.directory)}, indent=1))
        db = Database(data_dir / DB_FILE, key)
        db.migrate()
        with db.write() as session:
            write_mosip_device_ids(session, admin or "system", center_id=center_id or packets.center_id,
                                   machine_id=machine_id or packets.machine_id)
        device = cls(data_dir, country, db, data_key=key)
        if admin is not None:
            if pin is None:
                raise DeviceError("the first admin needs a PIN")
            device.add_user(None, admin, Role.ADMIN, pin)
            device.actor = Actor(admin, Role.ADMIN)
        if agent_key and not os.environ.get(KEY_ENV):
            write_key_file(data_dir / KEY_FILE, key)
        return device

    def add_user(self, by: Actor | None, name: str, role: Role | str, pin: str, language: str = "en") -> None:
        """An account and its key slot: the new user's PIN opens the device from now on."""
        if self.data_key is None:
            raise UserError("adding a user needs a device unlocked by an admin")
        self.users.add(by, name, role, pin, language=language)
        self.slots.add(name, pin, self.data_key, replace=True)

    def remove_user(self, by: Actor, name: str) -> None:
        """Destroy the user's key slot and disable the account (its history stays)."""
        if by.role is not Role.ADMIN:
            raise UserError("only an admin can remove users")
        self.users.disable(by, name)
        self.slots.remove(name)

    def change_pin(self, name: str, old_pin: str, new_pin: str) -> None:
        try:
            self.slots.change_pin(name, old_pin, new_pin)
        except SlotError as exc:
            raise AuthenticationError(str(exc)) from None
        self.users.set_pin(name, new_pin)

    def provision_agent_key(self, by: Actor, *, key_file: Path | None = None, use_keyring: bool = False) -> str:
        if by.role is not Role.ADMIN:
            raise UserError("only an admin can provision the agent key")
        if self.data_key is None:
            raise UserError("provisioning needs a device unlocked with a PIN")
        if use_keyring:
            import keyring
            from keyring.errors import KeyringError

            try:
                keyring.set_password(KEYRING_SERVICE, str(self.data_dir.resolve()), self.data_key.hex())
            except KeyringError as exc:
                raise UserError(f"no usable OS keyring on this machine ({type(exc).__name__}); "
                                "use an agent key file instead") from None
            return "OS keyring"
        target = key_file or self.data_dir / KEY_FILE
        write_key_file(target, self.data_key)
        return str(target)

    @classmethod
    def open(cls, data_dir: Path, country_dir: Path | None = None, *, user: str | None = None,
             pin: str | None = None, country: LoadedCountry | None = None) -> Device:
        """Open with a user's PIN (key slot), or with the provisioned agent key. `country`: the
        configuration already loaded by the caller (the sign-in window has it), else it is loaded
        — after the key is found, so that a locked device is reported without loading it."""
        if not (data_dir / DB_FILE).exists():
            raise DeviceError(f"no device database in {data_dir} (run `crvs-field init --admin NAME`)")
        actor = None
        if user is not None:
            try:
                key = KeySlots(data_dir).unlock(user, pin or "")
            except SlotError as exc:
                raise AuthenticationError(str(exc)) from None
        else:
            key = cls._agent_key(data_dir)
        if country is None:
            country = load_country(country_dir if country_dir is not None else recorded_country_dir(data_dir))
        try:
            db = Database(data_dir / DB_FILE, key)
        except DatabaseError as exc:
            raise DeviceError(str(exc)) from None
        db.migrate()
        device = cls(data_dir, country, db, data_key=key)
        if user is not None:
            actor = device.users.actor(user)
            if actor is None:
                device.close()
                raise AuthenticationError("unknown user or wrong PIN")
            device.actor = actor
        return device


BUNDLED = "bundled:"


def _portable(directory: Path) -> str:
    """A country shipped with the app is recorded relative to the app's resources, so moving or
    upgrading the installation (a new bundle folder) does not strand the device."""
    try:
        return BUNDLED + directory.resolve().relative_to(resources_dir().resolve()).as_posix()
    except ValueError:
        return str(directory)


def _resolve_portable(value: str) -> Path:
    return resources_dir() / value[len(BUNDLED):] if value.startswith(BUNDLED) else Path(value)


def recorded_country_dir(data_dir: Path) -> Path:
    """The country the device was initialised for (device.json), else the default one."""
    try:
        return _resolve_portable(json.loads((data_dir / SETTINGS_FILE).read_text())["country_dir"])
    except (OSError, ValueError, KeyError, TypeError):
        return default_country_dir()


def _keyring_get(data_dir: Path) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError

        return keyring.get_password(KEYRING_SERVICE, str(data_dir.resolve()))
    except (ImportError, RuntimeError):
        return None
    except KeyringError:
        return None
