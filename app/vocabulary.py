"""Names of concepts shared by `app/`, `sync/` and `ui/`, stored as their values. Imports nothing, so
anything may import it."""

from __future__ import annotations

from enum import StrEnum


class OutboxKind(StrEnum):
    """What an outbox item delivers. The packet kinds are the MOSIP operations of the country's
    rules (`app.config.models.Operation`, same values)."""

    VERIFY = "verify"
    CREATE_UIN = "create_uin"
    UPDATE_BIOGRAPHICS = "update_biographics"
    MARK_DECEASED = "mark_deceased"


PACKET_KINDS = frozenset({OutboxKind.CREATE_UIN, OutboxKind.UPDATE_BIOGRAPHICS, OutboxKind.MARK_DECEASED})


class OutboxState(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    QUARANTINED = "quarantined"
    CANCELLED = "cancelled"
