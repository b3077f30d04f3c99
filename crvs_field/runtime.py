"""One process's device, sync agent and sync status: the CLI's commands and the desktop app open,
unlock, start the agent and close through this object, so that wiring lives in one place."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.device import Device
from app.errors import Invalid
from app.records import Actor
from app.security.keyslots import KeySlots
from app.sync_status import SyncStatusHub

if TYPE_CHECKING:
    from app.mosip.settings import MosipSettings
    from sync.agent import OnceReport, SyncAgent
    from sync.backups import BackupSchedule

class NoUser(Invalid):
    """A command that acts as someone was run without naming them."""


class Runtime:
    def __init__(self, data_dir: Path, country_dir: Path | None = None, *,
                 hub: SyncStatusHub | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.country_dir = country_dir
        self.hub = hub or SyncStatusHub()
        self.device: Device | None = None
        self.agent: SyncAgent | None = None
        self._backups: BackupSchedule | None = None

    # ------------------------------------------------------------------ device and sign-in

    def open(self, user: str | None = None, pin: str | None = None) -> Device:
        """A user with a key slot unlocks the device with their PIN; anyone else needs the agent
        key (a provisioned key file or keyring entry) and then signs in with `sign_in`."""
        # on a device with key slots every named user goes through them — an unknown name gets the
        # same answer, after the same work, as a wrong PIN (no user enumeration)
        if user is not None and KeySlots(self.data_dir).exists():
            self.device = Device.open(self.data_dir, self.country_dir, user=user, pin=pin)
        else:
            self.device = Device.open(self.data_dir, self.country_dir)
        return self.device

    def initialise(self, *, admin: str, pin: str, **options: object) -> Device:
        """A new device database with its first admin signed in (`Device.initialise`'s options)."""
        self.device = Device.initialise(self.data_dir, self.country_dir, admin=admin, pin=pin, **options)
        return self.device

    def sign_in(self, user: str | None, pin: str | None) -> Actor:
        """The person acting: the one whose PIN unlocked the device, else a checked PIN login."""
        device = self._device()
        if device.actor is not None:
            return device.actor
        if not user:
            raise NoUser("this command needs --user NAME (or CRVS_FIELD_USER)", code="cli.user_needed")
        return device.users.authenticate(user, pin or "")

    def close(self) -> None:
        self.stop_agent()
        self._backups = None
        if self.device is not None:
            self.device.close()
            self.device = None

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _device(self) -> Device:
        if self.device is None:
            raise RuntimeError("the device is not open")
        return self.device

    # ------------------------------------------------------------------ sync agent

    def mosip_settings(self, device: Device | None = None) -> MosipSettings:
        """The MOSIP endpoints and credentials; raises `MissingSecret` when one is not imported."""
        from app.mosip.settings import load_settings

        device = device or self._device()
        return load_settings(device.country, device.secrets)

    def new_agent(self, device: Device | None = None, *, settings: MosipSettings | None = None) -> SyncAgent:
        from sync.agent import SyncAgent

        device = device or self._device()
        return SyncAgent(device.records, device.country, settings or self.mosip_settings(device), self.hub)

    def start_agent(self, device: Device | None = None) -> SyncAgent | None:
        """Run the agent beside the app (no-op when it runs). Without MOSIP credentials sync stays
        off and the app works offline: that is logged, not raised."""
        from app.security.secrets import MissingSecret

        if self.agent is not None:
            return self.agent
        try:
            agent = self.new_agent(device)
        except MissingSecret as exc:
            print(f"warning: sync is off: {exc}", file=sys.stderr)
            return None
        agent.start()
        self.agent = agent
        return agent

    def stop_agent(self) -> None:
        agent, self.agent = self.agent, None
        if agent is not None:
            agent.stop()

    def backup_schedule(self, device: Device | None = None) -> BackupSchedule | None:
        """What an admin's "Back up now" runs: the running agent's schedule (so the two never
        overlap), else one on the open device; None when the country names no destination. Its
        outcome is published on the hub like the agent's."""
        from app.errors import CrvsError
        from app.mosip.settings import load_relay_settings
        from sync.backups import BackupSchedule

        if self.agent is not None and self.agent.backups is not None:
            schedule = self.agent.backups
        elif self._backups is not None:
            schedule = self._backups
        else:
            device = device or self._device()
            if not device.country.config.backup.destinations:
                return None
            try:
                relay = load_relay_settings(device.country, device.secrets)
            except CrvsError:        # the relay's credential is not imported: that destination reports it
                relay = None
            schedule = self._backups = BackupSchedule(device.db, device.data_dir, device.country.config.backup,
                                                      relay=relay)
        schedule.on_status = lambda status: self.hub.update(backup=status)
        return schedule

    def sync_now(self) -> None:
        if self.agent is not None:
            self.agent.sync_now()

    def sync_once(self, *, linger: float = 0.0) -> OnceReport:
        """One headless pass of a fresh agent (no scheduler): see `SyncAgent.run_once`."""
        return self.new_agent().run_once(linger=linger)
