"""Reading leads: the filters shared by the dashboard list, its CSV and GET /api/v1/leads."""

import enum
from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from flask import current_app
from pydantic import Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError
from sqlalchemy.orm import selectinload

from auth.models import User
from core.extensions import db
from core.pagination import BadCursor, Cursor, KeyCursor
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
from core.today import business_today
from leads.models import Lead, LeadEvent, LeadSearchTerm
from leads.rules import OPEN_STATUSES, LeadSource, LeadStatus, query_words


class LeadSort(enum.StrEnum):
    """`created`: newest first; `next_action`: soonest next action first, those without one
    last; `company`: by company name."""

    CREATED = "created"
    OLDEST = "oldest"
    NEXT_ACTION = "next_action"
    COMPANY = "company"


class Due(enum.StrEnum):
    """Open leads whose next action is before today, today, or not set."""

    OVERDUE = "overdue"
    TODAY = "today"
    NONE = "none"


ME = "me"


def _lead_cursor(raw: str) -> Cursor | KeyCursor:
    try:
        return KeyCursor.decode(raw) if raw.startswith(KeyCursor.PREFIX) else Cursor.decode(raw)
    except BadCursor as error:
        raise PydanticCustomError("query_value", str(error)) from None


def _owner(raw: str) -> str:
    return raw.strip().lower()[:254]


class LeadFilters(ListQuery):
    """The lead list's filters: the dashboard list, its CSV and GET /api/v1/leads."""

    status: query_choice(LeadStatus) | None = None
    q: QueryText = Field(default="", description="Start of a word of the name, company or email.")
    owner: Annotated[str | None, PlainValidator(_owner), WithJsonSchema(TEXT_SCHEMA)] = Field(
        default=None, description="An owner's email, `me` (the signed-in user), or `none`."
    )
    due: query_choice(Due) | None = None
    source: query_choice(LeadSource) | None = None
    referrer_id: QueryId | None = None
    created_from: QueryDate | None = None
    created_to: QueryDate | None = None
    sort: query_choice(LeadSort) = LeadSort.CREATED
    cursor: Annotated[
        Cursor | KeyCursor | None,
        PlainValidator(_lead_cursor),
        WithJsonSchema({"type": "string"}),
        Field(description="next_cursor of the previous page."),
    ] = None

    def for_user(self, email: str) -> "LeadFilters":
        """`owner=me` read as the signed-in user's email."""
        return self.model_copy(update={"owner": email}) if self.owner == ME else self


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


def leads_matching(filters: LeadFilters) -> sa.Select:
    """The filters' WHERE clauses, unordered and without loader options (the list's page
    and its bounded total)."""
    query = sa.select(Lead)
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
    if filters.due is not None:
        query = query.where(Lead.status.in_(OPEN_STATUSES))
        today = business_today()
        if filters.due == Due.OVERDUE:
            query = query.where(Lead.next_action_on < today)
        elif filters.due == Due.TODAY:
            query = query.where(Lead.next_action_on == today)
        else:
            query = query.where(Lead.next_action_on.is_(None))
    words = query_words(filters.q)
    for word in words:
        query = query.where(_matches_word(word, alone=len(words) == 1))
    return query


def filtered_query(filters: LeadFilters) -> sa.Select:
    """Matching leads in the filters' order, each with its owner (one more statement for the
    whole page, which leaves the list's index plan alone); no limit or cursor applied."""
    query = leads_matching(filters).options(selectinload(Lead.owner))
    if filters.sort == LeadSort.OLDEST:
        return query.order_by(Lead.created_at, Lead.id)
    if filters.sort == LeadSort.NEXT_ACTION:
        return query.order_by(Lead.next_action_on.is_(None), Lead.next_action_on, Lead.id)
    if filters.sort == LeadSort.COMPANY:
        return query.order_by(Lead.company, Lead.id)
    return query.order_by(Lead.created_at.desc(), Lead.id.desc())


def _after(filters: LeadFilters, cursor: Cursor | KeyCursor):
    """Rows after the cursor in the filters' order. Row-value comparisons, which both
    databases answer with a range seek on the order's index; the equivalent OR makes SQLite
    scan from the top."""
    if filters.sort == LeadSort.NEXT_ACTION:
        if not cursor.key:
            return sa.and_(Lead.next_action_on.is_(None), Lead.id > cursor.id)
        day = date.fromisoformat(cursor.key)
        return sa.or_(
            sa.tuple_(Lead.next_action_on, Lead.id) > sa.tuple_(day, cursor.id),
            Lead.next_action_on.is_(None),
        )
    if filters.sort == LeadSort.COMPANY:
        return sa.tuple_(Lead.company, Lead.id) > sa.tuple_(cursor.key, cursor.id)
    position = sa.tuple_(Lead.created_at, Lead.id)
    after = sa.tuple_(cursor.created_at, cursor.id)
    return position > after if filters.sort == LeadSort.OLDEST else position < after


def _cursor_after(filters: LeadFilters, lead: Lead) -> str:
    if filters.sort == LeadSort.NEXT_ACTION:
        key = lead.next_action_on.isoformat() if lead.next_action_on else ""
        return KeyCursor(key, lead.id).encode()
    if filters.sort == LeadSort.COMPANY:
        return KeyCursor(lead.company, lead.id).encode()
    return Cursor(lead.created_at, lead.id).encode()


def _fits(filters: LeadFilters, cursor: Cursor | KeyCursor) -> bool:
    """Whether a cursor belongs to the list's order (one from another order starts over)."""
    keyed = filters.sort in (LeadSort.NEXT_ACTION, LeadSort.COMPANY)
    if not keyed:
        return isinstance(cursor, Cursor)
    if not isinstance(cursor, KeyCursor):
        return False
    if filters.sort == LeadSort.NEXT_ACTION and cursor.key:
        try:
            date.fromisoformat(cursor.key)
        except ValueError:
            return False
    return True


def page_of_leads(filters: LeadFilters) -> tuple[list[Lead], str | None]:
    """One page and the cursor of the next (None on the last page)."""
    query = filtered_query(filters)
    if filters.cursor is not None and _fits(filters, filters.cursor):
        query = query.where(_after(filters, filters.cursor))
    rows = list(db.session.scalars(query.limit(filters.limit + 1)))
    if len(rows) <= filters.limit:
        return rows, None
    rows = rows[: filters.limit]
    return rows, _cursor_after(filters, rows[-1])


def my_work(owner_id: int, today: date, limit: int = 100) -> list[Lead]:
    """The owner's open leads in the order of their day (leads.rules.WorkBucket): overdue
    next actions oldest first, those due today, new leads without a next action oldest
    first, then the rest by next action."""
    bucket = sa.case(
        (Lead.next_action_on < today, 0),
        (Lead.next_action_on == today, 1),
        (sa.and_(Lead.next_action_on.is_(None), Lead.status == LeadStatus.NEW), 2),
        else_=3,
    )
    query = (
        sa.select(Lead)
        .where(Lead.owner_id == owner_id, Lead.status.in_(OPEN_STATUSES))
        .order_by(
            bucket,
            Lead.next_action_on.is_(None),
            Lead.next_action_on,
            Lead.created_at,
            Lead.id,
        )
        .limit(limit)
    )
    return list(db.session.scalars(query))


def last_activity(lead_ids: list[int]) -> dict[int, datetime]:
    """The moment of each lead's newest timeline entry, in one statement."""
    if not lead_ids:
        return {}
    query = (
        sa.select(LeadEvent.lead_id, sa.func.max(LeadEvent.created_at))
        .where(LeadEvent.lead_id.in_(lead_ids))
        .group_by(LeadEvent.lead_id)
    )
    return dict(db.session.execute(query).all())


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
