"""Reading referrers: the list of GET /api/v1/referrers, newest first on keyset pages."""

import sqlalchemy as sa
from pydantic import Field

from core.keyset import newest_first_page
from core.prefix import starts_a_word, starts_with
from core.query_models import ListQuery, QueryText, query_choice
from referrals.models import Referrer, ReferrerStatus


class ReferrerQuery(ListQuery):
    status: query_choice(ReferrerStatus) | None = None
    q: QueryText = Field(
        default="", description="Start of a word of the name, of the email, or of the code."
    )


def _matches(q: str):
    """A word of the first or last name, the email or the code starting with `q`."""
    return sa.or_(
        starts_a_word(Referrer.first_name, q),
        starts_a_word(Referrer.last_name, q),
        starts_with(Referrer.email, q),
        starts_with(Referrer.code, q),
    )


def referrer_list_page(query: ReferrerQuery) -> tuple[list[Referrer], str | None]:
    select = sa.select(Referrer)
    if query.status is not None:
        select = select.where(Referrer.status == query.status)
    if query.q:
        select = select.where(_matches(query.q))
    return newest_first_page(select, Referrer.created_at, Referrer.id, query.limit, query.cursor)
