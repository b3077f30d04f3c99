"""Named counters that never repeat, advanced inside the caller's write transaction."""

from sqlmodel import Session

from app.store.models import Sequence


def next_value(session: Session, name: str) -> int:
    row = session.get(Sequence, name)
    if row is None:
        row = Sequence(name=name, value=0)
        session.add(row)
    row.value += 1
    session.flush()
    return row.value
