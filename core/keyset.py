"""Newest-first keyset pages on a (moment, id) pair: a page deep in a long list costs the
same as the first (the cursor is `core.pagination.Cursor`); and a list's bounded total."""

from dataclasses import dataclass

import sqlalchemy as sa

from core.extensions import db
from core.pagination import Cursor


def newest_first_page(
    query: sa.Select, moment, row_id, limit: int, cursor: Cursor | None
) -> tuple[list, str | None]:
    """One page of `query` ordered by (moment, id) descending, and the next page's cursor
    (None on the last). A row-value comparison, which both databases answer with a range
    seek on an index over (moment, id)."""
    query = query.order_by(moment.desc(), row_id.desc())
    if cursor is not None:
        query = query.where(sa.tuple_(moment, row_id) < sa.tuple_(cursor.created_at, cursor.id))
    rows = list(db.session.scalars(query.limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, Cursor(getattr(last, moment.key), getattr(last, row_id.key)).encode()


TOTAL_CAP = 10_000


@dataclass(frozen=True)
class Total:
    """How many rows a list's filters find, exact up to a cap: "1,234" or "10,000+"."""

    count: int
    more: bool = False

    def __str__(self) -> str:
        return f"{self.count:,}{'+' if self.more else ''}"

    def of(self, noun: str, plural: str | None = None) -> str:
        """ "1 client", "3 clients", "10,000+ clients"."""
        one = self.count == 1 and not self.more
        return f"{self} {noun if one else plural or noun + 's'}"


def bounded_total(query: sa.Select, cap: int = TOTAL_CAP) -> Total:
    """The rows of `query` counted up to `cap` (a count past it would cost what reading
    every row does). `query` is the list's filtered select, without loader options."""
    found = query.order_by(None).limit(cap + 1).subquery()
    counted = db.session.scalar(sa.select(sa.func.count()).select_from(found))
    return Total(min(counted, cap), counted > cap)
