"""Reading leads: the filters shared by the dashboard list, its CSV and GET /api/v1/leads."""

import enum
from typing import Annotated

import sqlalchemy as sa
from flask import current_app
from pydantic import Field, PlainValidator, WithJsonSchema
from sqlalchemy.orm import selectinload

from auth.models import User
from core.extensions import db
from core.pagination import Cursor
from core.prefix import ESCAPE, like_escaped
from core.query_models import (
    TEXT_SCHEMA,
    ListQuery,
    QueryDate,
    QueryId,
    QueryText,
    parse_query,
    query_choice,
)
from core.time import utc_range_for_local_dates
from leads.models import Lead, LeadSearchTerm
from leads.rules import LeadSource, LeadStatus, query_words

NEWEST_FIRST, OLDEST_FIRST = "newest", "oldest"


class LeadSort(enum.StrEnum):
    NEWEST = NEWEST_FIRST
    OLDEST = OLDEST_FIRST


def _owner(raw: str) -> str:
    return raw.strip().lower()[:254]


class LeadFilters(ListQuery):
    """The lead list's filters: the dashboard list, its CSV and GET /api/v1/leads."""

    status: query_choice(LeadStatus) | None = None
    q: QueryText = Field(default="", description="Start of a word of the name, company or email.")
    owner: Annotated[str | None, PlainValidator(_owner), WithJsonSchema(TEXT_SCHEMA)] = Field(
        default=None, description="An owner's email, or `none`."
    )
    source: query_choice(LeadSource) | None = None
    referrer_id: QueryId | None = None
    created_from: QueryDate | None = None
    created_to: QueryDate | None = None
    sort: query_choice(LeadSort) = LeadSort.NEWEST


def parse_filters(args) -> tuple[LeadFilters, dict[str, list[str]]]:
    """Filters from query arguments, with an error message per bad argument."""
    return parse_query(LeadFilters, args)


def _prefix_match(column, prefix: str):
    """A prefix test that each database answers from its index."""
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.and_(column >= prefix, column < prefix + "\U0010ffff")
    return column.like(like_escaped(prefix) + "%", escape=ESCAPE)


DENSE_MATCHES = 2_000


def _matches_word(word: str, alone: bool):
    """A lone word that starts thousands of terms ("jo") is tested lead by lead while the
    list walks its index newest first, stopping after one page; a rarer word, or several
    words (whose intersection is small), are looked up in the terms index and their few
    leads sorted. A bounded count decides which."""
    prefix = _prefix_match(LeadSearchTerm.term, word)
    if not alone:
        return Lead.id.in_(sa.select(LeadSearchTerm.lead_id).where(prefix))
    probe = sa.select(LeadSearchTerm.lead_id).where(prefix).limit(DENSE_MATCHES).subquery()
    hits = db.session.scalar(sa.select(sa.func.count()).select_from(probe))
    if hits >= DENSE_MATCHES:
        return sa.exists().where(LeadSearchTerm.lead_id == Lead.id, prefix)
    return Lead.id.in_(sa.select(LeadSearchTerm.lead_id).where(prefix))


def filtered_query(filters: LeadFilters) -> sa.Select:
    """Matching leads, newest first, each with its owner (one more statement for the whole
    page, which leaves the list's index plan alone); no limit or cursor applied."""
    query = sa.select(Lead).options(selectinload(Lead.owner))
    if filters.status:
        query = query.where(Lead.status == filters.status)
    if filters.source:
        query = query.where(Lead.source == filters.source)
    if filters.referrer_id:
        query = query.where(Lead.referrer_id == filters.referrer_id)
    if filters.owner == "none":
        query = query.where(Lead.owner_id.is_(None))
    elif filters.owner:
        owner_id = sa.select(User.id).where(User.email == filters.owner).scalar_subquery()
        query = query.where(Lead.owner_id == owner_id)
    start, end = utc_range_for_local_dates(
        filters.created_from, filters.created_to, current_app.config["TIMEZONE"]
    )
    if start is not None:
        query = query.where(Lead.created_at >= start)
    if end is not None:
        query = query.where(Lead.created_at < end)
    words = query_words(filters.q)
    for word in words:
        query = query.where(_matches_word(word, alone=len(words) == 1))
    if filters.sort == OLDEST_FIRST:
        return query.order_by(Lead.created_at, Lead.id)
    return query.order_by(Lead.created_at.desc(), Lead.id.desc())


def page_of_leads(filters: LeadFilters) -> tuple[list[Lead], str | None]:
    """One page and the cursor of the next (None on the last page)."""
    query = filtered_query(filters)
    if filters.cursor is not None:
        # A row-value comparison, which both databases answer with a range seek on
        # (created_at, id); the equivalent OR makes SQLite scan from the top.
        position = sa.tuple_(Lead.created_at, Lead.id)
        after = sa.tuple_(filters.cursor.created_at, filters.cursor.id)
        query = query.where(position > after if filters.sort == OLDEST_FIRST else position < after)
    rows = list(db.session.scalars(query.limit(filters.limit + 1)))
    if len(rows) <= filters.limit:
        return rows, None
    rows = rows[: filters.limit]
    return rows, Cursor(rows[-1].created_at, rows[-1].id).encode()


def counts_by_status() -> dict[str, int]:
    query = sa.select(Lead.status, sa.func.count()).group_by(Lead.status)
    found = {status.value: count for status, count in db.session.execute(query)}
    return {status.value: found.get(status.value, 0) for status in LeadStatus}


def newest_leads(limit: int = 10) -> list[Lead]:
    query = (
        sa.select(Lead)
        .options(selectinload(Lead.owner))
        .order_by(Lead.created_at.desc(), Lead.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
