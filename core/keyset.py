"""Newest-first keyset pages on a (moment, id) pair: a page deep in a long list costs the
same as the first (the cursor is `core.pagination.Cursor`)."""

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
