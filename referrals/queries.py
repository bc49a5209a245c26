"""Reading referrers: the list of GET /api/v1/referrers, newest first on keyset pages."""

import sqlalchemy as sa
from pydantic import Field

from core.extensions import db
from core.keyset import newest_first_page
from core.prefix import starts_a_word, starts_with
from core.query_models import ListQuery, QueryText, query_choice
from referrals.models import Referrer, ReferrerStatus


class ReferrerQuery(ListQuery):
    status: query_choice(ReferrerStatus) | None = None
    q: QueryText = Field(
        default="", description="Start of a word of the name, of the email, or of the code."
    )


def _matches(word: str):
    """A word of the first or last name, the email or the code starting with `word`."""
    return sa.or_(
        starts_a_word(Referrer.first_name, word),
        starts_a_word(Referrer.last_name, word),
        starts_with(Referrer.email, word),
        starts_with(Referrer.code, word),
    )


def referrer_search(q: str):
    """Every space-separated word of `q` matches (so "rita oka" finds Rita Okafor)."""
    return sa.and_(*(_matches(word) for word in q.split()))


def referrer_list_page(query: ReferrerQuery) -> tuple[list[Referrer], str | None]:
    select = sa.select(Referrer)
    if query.status is not None:
        select = select.where(Referrer.status == query.status)
    if query.q:
        select = select.where(referrer_search(query.q))
    return newest_first_page(select, Referrer.created_at, Referrer.id, query.limit, query.cursor)


def referrers_by_id(referrer_ids: list[int | None]) -> dict[int, Referrer]:
    """The referrers of a page of rows, in one statement."""
    wanted = sorted({referrer_id for referrer_id in referrer_ids if referrer_id is not None})
    if not wanted:
        return {}
    found = db.session.scalars(sa.select(Referrer).where(Referrer.id.in_(wanted)))
    return {referrer.id: referrer for referrer in found}


def referrer_names(referrer_ids: list[int]) -> dict[int, str]:
    """Each referrer's full name, in one statement (a confirmation step names them)."""
    if not referrer_ids:
        return {}
    query = sa.select(Referrer.id, Referrer.first_name, Referrer.last_name).where(
        Referrer.id.in_(referrer_ids)
    )
    return {row.id: f"{row.first_name} {row.last_name}" for row in db.session.execute(query)}
