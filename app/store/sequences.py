"""Named counters that never repeat, advanced inside the caller's write transaction."""

from sqlalchemy import text
from sqlmodel import Session

# one statement, no ORM round trip: a register action takes two numbers (registration, RID)
_NEXT = text("INSERT INTO sequence (name, value) VALUES (:name, 1) "
             "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value")


def next_value(session: Session, name: str) -> int:
    return int(session.execute(_NEXT, {"name": name}).scalar_one())
