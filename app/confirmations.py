"""What the device keeps about confirmations that come through the relay: the pull cursor (a
`device_setting` row, so it survives restarts and crashes) and which registration ids it awaits.

The cursor only says where the next pull may start: the relay serves unacknowledged deliveries
only, and applying one twice changes nothing (`DeliveryOutcomes.confirm_registration` is
idempotent), so a cursor that lags behind after a crash costs a repeated pull, never a lost or
doubled confirmation.
"""

from __future__ import annotations

from sqlmodel import col, select

from app.store.database import Database
from app.store.models import DeviceSetting, ExternalRequest, OutboxItem, utcnow
from app.vocabulary import OutboxState, RequestState

RELAY_CURSOR = "relay.cursor"


class ConfirmationState:
    def __init__(self, db: Database) -> None:
        self.db = db

    def cursor(self) -> int:
        with self.db.read() as session:
            row = session.get(DeviceSetting, RELAY_CURSOR)
        try:
            return max(0, int(row.value)) if row is not None else 0
        except ValueError:
            return 0

    def save_cursor(self, cursor: int) -> None:
        with self.db.write() as session:
            row = session.get(DeviceSetting, RELAY_CURSOR)
            if row is None:
                session.add(DeviceSetting(name=RELAY_CURSOR, value=str(cursor), updated_by="sync"))
            elif row.value != str(cursor):
                row.value, row.updated_by, row.updated_at = str(cursor), "sync", utcnow()
                session.add(row)

    def awaited_delivered(self) -> list[str]:
        """RIDs whose request MOSIP has (its packet delivered) and whose confirmation has not come."""
        with self.db.read() as session:
            return list(session.exec(
                select(ExternalRequest.rid)
                .join(OutboxItem, col(OutboxItem.idempotency_key) == col(ExternalRequest.rid))
                .where(ExternalRequest.status == RequestState.AWAITING, OutboxItem.state == OutboxState.DONE.value)
                .order_by(col(ExternalRequest.created_at))))

