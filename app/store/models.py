"""Tables of the device database (DESIGN §4). Schema changes ship as alembic migrations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, false
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Record(SQLModel, table=True):
    """A declaration of a vital event and where it stands."""

    # a work-queue page is "this status (or flag), newest first": one index walk, no sort
    __table_args__ = (Index("ix_record_status_updated", "status", "updated_at"),
                      Index("ix_record_attention_updated", "requires_attention", "updated_at"),
                      Index("ix_record_outbox_updated", "outbox_open", "updated_at"))

    id: str = Field(primary_key=True, max_length=32)
    tracking_id: str = Field(index=True, unique=True, max_length=16)
    event: str = Field(index=True, max_length=16)
    status: str = Field(max_length=40)                   # indexed by ix_record_status_updated
    requires_attention: bool = Field(default=False)      # indexed by ix_record_attention_updated
    attention_reason: str | None = None
    # has an outbox item still to deliver (pending, in flight, quarantined): kept by database
    # triggers (migration 0004), never written by the application
    outbox_open: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    declaration: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # section -> {verification, failed_attributes, psut, vid, uin, source, verified_at}
    persons: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # MOSIP identifiers of the record's subject: {rid, vid, uin}
    mosip: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # a pending correction: {changes, reason, requester}
    correction: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    registration_number: str | None = Field(default=None, index=True, unique=True)
    # deployment mode opencrvs: where the record stands in OpenCRVS core (app.vocabulary.UpstreamState)
    # and what OpenCRVS said: {event_id, tracking_id, registration_number, nid, reason, field_errors,
    # changed_at, checked_at}; written only by app.records.upstream
    upstream_state: str | None = Field(default=None, index=True, max_length=16)
    upstream: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    search_text: str = ""    # searched through its trigram index (record_search, migration 0003)
    created_by: str
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow, index=True)
    version: int = 1


class Action(SQLModel, table=True):
    """Append-only history of what was done to a record."""

    id: int | None = Field(default=None, primary_key=True)
    record_id: str = Field(foreign_key="record.id", index=True)
    type: str = Field(max_length=40)
    status: str = Field(default="accepted", max_length=16)  # requested | accepted | rejected
    actor: str
    at: dt.datetime = Field(default_factory=utcnow)
    reason: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Verification(SQLModel, table=True):
    """One person's identity check against MOSIP IDA, queued while offline."""

    id: int | None = Field(default=None, primary_key=True)
    record_id: str = Field(foreign_key="record.id", index=True)
    section: str = Field(max_length=40)
    status: str = Field(default="pending", index=True, max_length=16)  # pending|verified|failed|cancelled
    transaction_id: str = Field(unique=True, max_length=10)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attempts: int = 0
    error_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    failed_attributes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)
    completed_at: dt.datetime | None = None


class OutboxItem(SQLModel, table=True):
    """Work that must leave the device, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),
                      Index("ix_outbox_state_record", "state", "record_id"))

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=64)  # MOSIP transaction id / RID
    kind: str = Field(max_length=32)  # verify | create_uin | update_biographics | mark_deceased
    record_id: str = Field(foreign_key="record.id", index=True)
    rule_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="pending", max_length=16)  # pending|in_flight|done|quarantined|cancelled
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(default_factory=utcnow)
    leased_until: dt.datetime | None = None
    lease_owner: str | None = None
    last_error: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    done_at: dt.datetime | None = None


class ExternalRequest(SQLModel, table=True):
    """A MOSIP request whose answer comes later (a UIN confirmed by WebSub), looked up by RID."""

    __tablename__ = "external_request"

    rid: str = Field(primary_key=True, max_length=40)
    record_id: str = Field(foreign_key="record.id", index=True)
    rule_id: str
    operation: str
    subject: str
    status: str = Field(default="awaiting", max_length=16)  # awaiting | confirmed | removed
    created_at: dt.datetime = Field(default_factory=utcnow)
    confirmed_at: dt.datetime | None = None


class AuditEvent(SQLModel, table=True):
    """Hash-chained history: each event carries the hash of the one before it."""

    __tablename__ = "audit_event"

    seq: int | None = Field(default=None, primary_key=True)
    record_id: str | None = Field(default=None, index=True)
    at: dt.datetime = Field(default_factory=utcnow)
    actor: str
    kind: str = Field(max_length=48)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class User(SQLModel, table=True):
    __tablename__ = "user"

    name: str = Field(primary_key=True, max_length=64)
    role: str = Field(max_length=16)  # agent | supervisor | registrar | admin
    pin_hash: str
    language: str = "en"
    disabled: bool = False
    failed_attempts: int = 0
    locked_until: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class Secret(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=64)
    value: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Sequence(SQLModel, table=True):
    """Named counters (registration numbers, RIDs) that never repeat."""

    __table_args__ = (UniqueConstraint("name"),)

    name: str = Field(primary_key=True, max_length=64)
    value: int = 0


class DeviceSetting(SQLModel, table=True):
    """What belongs to this device, not to the country: its MOSIP centre and machine ids."""

    __tablename__ = "device_setting"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=256)
    updated_by: str
    updated_at: dt.datetime = Field(default_factory=utcnow)
