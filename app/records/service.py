"""`RecordService`: the record commands and queries behind the one object the UI, the CLI and the
agent hold. The code lives in `app.records.commands` (what people do) and `app.records.queries`
(reading); what MOSIP answers is written by `app.delivery` (`DeliveryOutcomes.of(records)`)."""

from __future__ import annotations

from app.records.commands import RecordCommands
from app.records.queries import RecordDetail, RecordQueries
from app.records.writer import SYSTEM, Actor, RecordNotFound, userinfo_jwt_name

__all__ = ["SYSTEM", "Actor", "RecordDetail", "RecordNotFound", "RecordService", "userinfo_jwt_name"]


class RecordService(RecordCommands, RecordQueries):
    """Commands first in the method order: both take (db, country, clock) alike."""
