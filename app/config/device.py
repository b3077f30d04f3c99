"""How the device runs: sync timing, scheduled backups, PIN policy."""

from __future__ import annotations

from pydantic import Field, model_validator

from app.config.base import Strict
from app.security.pins import MIN_DISTINCT_PIN_CHARACTERS, MIN_PIN_LENGTH


class SyncConfig(Strict):
    drain_every_seconds: int = Field(default=60, ge=5)
    probe_every_seconds: int = Field(default=15, ge=2)
    max_concurrency: int = Field(default=8, ge=1, le=64)
    max_attempts: int = Field(default=12, ge=1, le=100)
    backoff_base_seconds: float = Field(default=5, gt=0)
    backoff_max_seconds: float = Field(default=3600, gt=0)
    lease_seconds: float = Field(default=120, gt=0, description="how long a sender holds an item before "
                                 "another may take it over (a crashed agent's items come back after this)")


class BackupDestination(Strict):
    """One place each scheduled backup goes: a folder, or the country's relay (`relay: true`)."""

    folder: str | None = Field(default=None, min_length=1, max_length=4096, description="a folder, e.g. a "
                               "mounted USB stick (${CRVS_*} variables allowed); missing when the stick is not "
                               "plugged in: reported")
    relay: bool = Field(default=False, description="the relay's backup store (mosip.confirmations: the relay's "
                        "URL and this device's credential)")
    label: str | None = Field(default=None, max_length=16, description="how the UI names it (default: the "
                              "folder's name, or 'relay')")

    @model_validator(mode="after")
    def _one_place(self) -> BackupDestination:
        if (self.folder is None) == (not self.relay):
            raise ValueError("a backup destination is either `folder: PATH` or `relay: true`")
        return self

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        if self.folder is None:
            return "relay"
        return (self.folder.rstrip("/\\").rsplit("/", 1)[-1] or self.folder)[:16]


class BackupConfig(Strict):
    """Scheduled encrypted backups by the sync agent (app/backup.py writes each one)."""

    every_hours: float = Field(default=24, gt=0, le=24 * 31)
    after_registrations: int | None = Field(default=50, ge=1, description="also back up after this many "
                                            "registrations since the last backup")
    destinations: list[BackupDestination] = Field(default_factory=list, max_length=4,
                                                  description="none: no scheduled backup")
    keep: int = Field(default=14, ge=1, le=1000, description="newest archives kept per destination")
    warn_after_hours: float = Field(default=48, gt=0, description="the UI warns when no backup succeeded "
                                    "for this long")


class SecurityConfig(Strict):
    min_pin_length: int = Field(default=MIN_PIN_LENGTH, ge=MIN_PIN_LENGTH, le=64,
                                description="shortest PIN accepted; a country may raise it, never lower it")
    min_distinct_pin_characters: int = Field(default=MIN_DISTINCT_PIN_CHARACTERS, ge=2, le=64,
                                             description="a PIN like 111111 or 121212 is refused")
