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
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.config.loader import LoadedCountry, load_country
from app.device_settings import DeviceSettingsService, sign_mosip_ids, write_mosip_device_ids
from app.errors import ConfigurationFault, Refused
from app.records.service import Actor, RecordService
from app.records.workflow import Role
from app.security.keyslots import REFUSAL, KeySlots, SlotError, Unlocked
from app.security.secrets import SecretStore, sign_stored_secrets
from app.security.users import AuthenticationError, UserError, UserService, check_pin
from app.store import Database, DatabaseError, new_data_key, read_key_file, write_key_file
from app.store.database import KEY_ENV, replace_key_file

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


class DeviceError(ConfigurationFault):
    default_code = "device.unusable"


PRIVATE_FILES = (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", SETTINGS_FILE, KEY_FILE, "keyslots.json",
                 ".keyslots.lock")


def secure_data_dir(data_dir: Path, *, create: bool) -> None:
    """The data directory is its owner's only (0700) and so are its files (0600) — enforced on an
    existing directory too, whatever umask or copy made it."""
    if data_dir.exists() and not data_dir.is_dir():
        raise DeviceError(f"{data_dir} is not a directory", code="device.data_dir_not_a_directory")
    if not data_dir.exists():
        if not create:
            return
        try:
            data_dir.mkdir(parents=True, mode=0o700)
        except OSError as exc:
            raise DeviceError(f"cannot create {data_dir} ({exc.strerror})") from None
    try:
        os.chmod(data_dir, 0o700)
        for name in PRIVATE_FILES:
            if (data_dir / name).is_file():
                os.chmod(data_dir / name, 0o600)
    except OSError as exc:
        raise DeviceError(f"cannot make {data_dir} private ({exc.strerror})") from None


@dataclass
class Device:
    data_dir: Path
    country: LoadedCountry
    db: Database
    data_key: bytes | None = None  # held in memory while open, to wrap new users' slots
    actor: Actor | None = None     # the user who unlocked the device with a PIN, if any
    admin_key: Ed25519PrivateKey | None = None  # when an admin unlocked it: signs grants and secrets
    # opened by a non-admin through a v1 slot file: roles are unsigned until an admin signs in once
    upgrade_pending: bool = False

    @property
    def slots(self) -> KeySlots:
        return KeySlots(self.data_dir)

    @cached_property
    def records(self) -> RecordService:
        return RecordService(self.db, self.country)

    @cached_property
    def users(self) -> UserService:
        return UserService(self.db, slots=self.slots, pin_policy=self.country.config.security)

    @property
    def secrets(self) -> SecretStore:
        return SecretStore(self.db)

    @cached_property
    def settings(self) -> DeviceSettingsService:
        return DeviceSettingsService(self.db, self.country)

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def _agent_key(data_dir: Path) -> bytes:
        """The key provisioned for unattended use: environment, key file, then OS keyring."""
        env = Device._env_key()
        if env:
            return env
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
        secure_data_dir(data_dir, create=True)
        if (data_dir / DB_FILE).exists():
            raise DeviceError(f"{data_dir} already holds a device database")
        country = load_country(country_dir or default_country_dir())
        if admin is not None:
            if pin is None:
                raise DeviceError("the first admin needs a PIN")
            check_pin(pin, country.config.security)
        packets = country.config.mosip.packets
        for name, value in (("centre id", center_id), ("machine id", machine_id)):
            if value is not None and not (len(value) == 5 and value.isascii() and value.isdigit()):
                raise DeviceError(f"the MOSIP {name} is five digits")
        key = Device._env_key() or new_data_key()
        (data_dir / SETTINGS_FILE).write_text(json.dumps({"country_dir": _portable(country.directory)}, indent=1))
        db = Database(data_dir / DB_FILE, key)
        db.migrate()
        with db.write() as session:
            write_mosip_device_ids(session, admin or "system", center_id=center_id or packets.center_id,
                                   machine_id=machine_id or packets.machine_id)
        device = cls(data_dir, country, db, data_key=key)
        if admin is not None:
            assert pin is not None
            device.add_user(None, admin, Role.ADMIN, pin)
            device.actor = Actor(admin, Role.ADMIN)
            assert device.admin_key is not None
            with db.write() as session:
                sign_mosip_ids(session, device.admin_key, admin)
        if agent_key and not os.environ.get(KEY_ENV):
            write_key_file(data_dir / KEY_FILE, key)
        return device

    def add_user(self, by: Actor | None, name: str, role: Role | str, pin: str, language: str = "en") -> None:
        """An account and its key slot, with a role grant signed by the admin key: the new user's
        PIN opens the device from now on. The first user of a new device creates the admin key."""
        role = Role(role)
        check_pin(pin, self.country.config.security)
        if self.data_key is None:
            raise UserError("adding a user needs a device unlocked by an admin")
        first = by is None and not self.slots.exists()
        if not first and (by is None or by.role is not Role.ADMIN):
            raise Refused("only an admin can add users", code="user.admin_only")
        if not first and self.admin_key is None:
            raise Refused("adding a user needs the device unlocked with an admin's PIN (the admin key "
                          "signs the new user's role)", code="user.admin_key_needed")
        self.users.add(by, name, role, pin, language=language)
        if first:
            self.admin_key = self.db.admin_signer = self.slots.create(name, pin, self.data_key)
        else:
            assert self.admin_key is not None
            self.slots.add(name, role.value, pin, self.data_key, self.admin_key, replace=True)

    def remove_user(self, by: Actor, name: str) -> str:
        """Destroy the user's key slot, disable the account (its history stays) and re-key the
        database, so a copy of the old data key the user may have kept opens nothing from now on.
        Returns where the new agent key went ("" when there was none to update)."""
        if by.role is not Role.ADMIN:
            raise Refused("only an admin can remove users", code="user.admin_only")
        if self.admin_key is None or self.data_key is None:
            raise Refused("removing a user needs the device unlocked with an admin's PIN",
                          code="user.admin_key_needed")
        if name == by.name:
            raise UserError("an admin cannot remove their own account")
        self.users.disable(by, name)
        # users still on their v1 key hold only the current data key: the re-key waits for them
        waiting = [user for user in self.slots.not_yet_converted() if user != name]
        self.slots.remove(name, rekey_due=bool(waiting))
        return "" if waiting else self._rekey()

    def _rekey(self) -> str:
        assert self.admin_key is not None
        new_key = new_data_key()
        # pending boxes first: a crash after the re-key still leaves every user able to open
        self.slots.reseal(new_key, self.admin_key, pending=True)
        self.db.rekey(new_key)
        self.slots.reseal(new_key, self.admin_key, pending=False)
        self.data_key = new_key
        updated = []
        if (self.data_dir / KEY_FILE).exists():
            replace_key_file(self.data_dir / KEY_FILE, new_key)
            updated.append(str(self.data_dir / KEY_FILE))
        if _keyring_get(self.data_dir):
            try:
                import keyring

                keyring.set_password(KEYRING_SERVICE, str(self.data_dir.resolve()), new_key.hex())
                updated.append("OS keyring")
            except Exception:
                updated.append("OS keyring (update failed: provision the agent key again)")
        return ", ".join(updated)

    def change_pin(self, name: str, old_pin: str, new_pin: str) -> None:
        """Validate the new PIN first; only then re-seal the slot and update the account."""
        check_pin(new_pin, self.country.config.security)
        try:
            self.slots.change_pin(name, old_pin, new_pin)
        except SlotError as exc:
            raise AuthenticationError(str(exc), code=exc.code, params=exc.params) from None
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
        if target.exists():
            raise UserError(f"{target} already exists: remove it first to provision a new agent key",
                            code="device.agent_key_exists")
        if not target.parent.is_dir():
            raise UserError(f"{target.parent} is not a folder", code="device.agent_key_folder")
        try:
            write_key_file(target, self.data_key)
        except OSError as exc:
            raise UserError(f"cannot write {target} ({exc.strerror})", code="device.agent_key_write") from None
        return str(target)

    @classmethod
    def open(cls, data_dir: Path, country_dir: Path | None = None, *, user: str | None = None,
             pin: str | None = None, country: LoadedCountry | None = None) -> Device:
        """Open with a user's PIN (key slot), or with the provisioned agent key. `country`: the
        configuration already loaded by the caller (the sign-in window has it), else it is loaded
        — after the key is found, so that a locked device is reported without loading it."""
        secure_data_dir(data_dir, create=False)
        if not (data_dir / DB_FILE).is_file():
            raise DeviceError(f"no device database in {data_dir} (run `crvs-field init --admin NAME`)")
        unlocked = next_key = None
        slots = KeySlots(data_dir)
        if user is not None:
            try:
                unlocked, next_key = slots.unlock_all(user, pin or "")
            except SlotError as exc:
                raise AuthenticationError(str(exc), code=exc.code, params=exc.params) from None
            key = unlocked.data_key
        else:
            key = cls._agent_key(data_dir)
        if country is None:
            country = load_country(country_dir if country_dir is not None else recorded_country_dir(data_dir))
        try:
            db = Database(data_dir / DB_FILE, key)
        except DatabaseError as exc:
            if next_key is None:
                raise DeviceError(str(exc)) from None
            db, key = Database(data_dir / DB_FILE, next_key), next_key  # a re-key was interrupted
        db.migrate()
        device = cls(data_dir, country, db, data_key=key)
        if unlocked is not None:
            try:
                if unlocked.role is None:   # a v1 slot file: roles are still the database's
                    device.actor = device.users.actor(unlocked.user)
                    if device.actor is None:
                        raise AuthenticationError(REFUSAL)
                    if device.actor.role is Role.ADMIN:
                        unlocked = device._upgrade_key_slots(slots, unlocked.user, pin or "")
                    else:
                        device.upgrade_pending = True
                else:
                    device.actor = device.users.actor_for_grant(unlocked.user, unlocked.role)
                device.admin_key = device.db.admin_signer = unlocked.admin_key
                if next_key is not None and key == next_key and unlocked.admin_key is not None:
                    slots.reseal(next_key, unlocked.admin_key, pending=False)
                if unlocked.admin_key is not None:
                    device._finish_upgrade(slots)
            except BaseException:
                device.close()
                raise
        return device

    def _upgrade_key_slots(self, slots: KeySlots, name: str, pin: str) -> Unlocked:
        """An admin opened a v1 slot file: sign what the new admin key protects in the database,
        then write the v2 file (`KeySlots.upgrade_v1`; docs/SECURITY.md "Upgrade")."""
        from sqlmodel import select

        from app import audit
        from app.store.models import User

        with self.db.read() as session:
            roles = {user.name: user.role for user in session.exec(select(User)).all() if not user.disabled}
        dropped = sorted(set(slots.users()) - set(roles))
        assert self.data_key is not None

        def sign_database(admin_key: Ed25519PrivateKey) -> None:
            with self.db.write() as session:
                adopted = sign_stored_secrets(session, admin_key)
                sign_mosip_ids(session, admin_key, name, self.country)
                audit.append(session, actor=name, kind="key-slots-upgraded",
                             details={"users": sorted(roles), "slots_dropped": dropped, "secrets_signed": adopted})

        admin_key = slots.upgrade_v1(name, pin, self.data_key, roles, sign_database)
        if admin_key is None:   # another process upgraded the file meanwhile: open it as it is now
            unlocked, _ = slots.unlock_all(name, pin)
            self.actor = self.users.actor_for_grant(name, unlocked.role or "")
            return unlocked
        return Unlocked(name, Role.ADMIN.value, self.data_key, admin_key)

    def _finish_upgrade(self, slots: KeySlots) -> None:
        """At an admin's unlock: sign the grants of users converted from v1 since, and run a re-key
        that a removal had to defer until every user had left their v1 key."""
        from app import audit

        assert self.admin_key is not None
        endorsed = slots.endorse(self.admin_key)
        if endorsed:
            with self.db.write() as session:
                audit.append(session, actor=self.actor.name if self.actor else "system", kind="key-slots-endorsed",
                             details={"users": endorsed})
        if slots.rekey_due() and not slots.not_yet_converted():
            self._rekey()

    @staticmethod
    def _env_key() -> bytes | None:
        env = os.environ.get(KEY_ENV)
        if not env:
            return None
        try:
            key = bytes.fromhex(env.strip())
        except ValueError:
            raise DeviceError(f"{KEY_ENV} is not hex") from None
        if len(key) != 32:
            raise DeviceError(f"{KEY_ENV} holds 64 hex digits")
        return key


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
