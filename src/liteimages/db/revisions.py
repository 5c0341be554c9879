"""Revision counters that tell every worker when cached state is stale.

Each write to the catalog or to identities increments one counter in the same
transaction. Workers poll the counters and rebuild their in-memory views when a
value changes, so a change made through any worker or machine reaches all of them.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from liteimages.db.base import Base

CATALOG = "catalog"
IDENTITY = "identity"
NAMES = (CATALOG, IDENTITY)


class Revision(Base):
    """A named counter, incremented by every committed change to what it covers."""

    __tablename__ = "revisions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def bump(session: Session, name: str) -> None:
    """Increment the counter `name` inside the caller's transaction."""
    session.execute(update(Revision).where(Revision.name == name).values(value=Revision.value + 1))


def read_all(session: Session) -> dict[str, int]:
    """Return every counter by name."""
    return {row.name: row.value for row in session.execute(select(Revision.name, Revision.value))}
