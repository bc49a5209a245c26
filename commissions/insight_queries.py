"""The Insights figures as GROUP BY statements (SPEC §13): each statement answers a few
rows per bucket, never a row per lead, and `commissions/insight_series.py` turns them into the
series. Time buckets are CASE expressions over the UTC moments at which the local days,
weeks and months begin (TIMEZONE), so SQLite and PostgreSQL bucket alike; durations are
grouped by whole hours (a histogram), of which the pure side takes the median."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from pydantic import Field
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from auth.models import User
from billing.models import ClaimStatus, Contract, GuaranteeClaim
from commissions import insight_series as series
from commissions.insight_series import OPEN_ORDER, Bucket
from commissions.models import CommissionEntry, LineStatus, PayoutLine
from core.extensions import db
from core.query_models import QueryDate, QueryModel, parse_query
from core.time import local_day_start_utc
from leads.models import Lead, LeadEvent
from leads.rules import AttributionStatus, LeadStatus


class InsightQuery(QueryModel):
    """`from`, `to`: business dates in TIMEZONE, both ends included (default: the last 90
    days ending today; for liability the 12 months ending with this one)."""

    date_from: QueryDate | None = Field(default=None, alias="from")
    date_to: QueryDate | None = Field(default=None, alias="to")


def parse_range(name: str, args, today: date) -> tuple[date, date, dict[str, list[str]]]:
    """The range asked for (the default where a date is left out or bad) and the errors."""
    query, errors = parse_query(InsightQuery, args)
    default_from, default_to = series.default_range(today, name)
    date_to = query.date_to or default_to
    date_from = query.date_from or (
        default_from if query.date_to is None else series.default_range(date_to, name)[0]
    )
    if not errors:
        errors = series.range_errors(date_from, date_to)
    if errors:
        date_from, date_to = default_from, default_to
    return date_from, date_to, errors


class whole_hours(FunctionElement):  # noqa: N801 - used like an SQL function
    """Whole hours from the first timestamp to the second (both naive UTC)."""

    type = sa.Integer()
    inherit_cache = True


@compiles(whole_hours, "sqlite")
def _hours_sqlite(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    # julianday's doubles put 10 h at 9.999999…: a microhour more makes the cast exact.
    return f"CAST((julianday({end}) - julianday({start})) * 24 + 0.000001 AS INTEGER)"


@compiles(whole_hours, "postgresql")
def _hours_postgresql(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(floor(extract(epoch FROM ({end} - {start})) / 3600) AS INTEGER)"


def _tz() -> str:
    return current_app.config["TIMEZONE"]


def _moment(day: date) -> object:
    return local_day_start_utc(day, _tz())


def _bucket(column, buckets: list[Bucket], *, moments: bool = True, before: bool = False):
    """The index of the bucket `column` falls in; -1 before the first when `before`, else
    NULL outside them."""
    bound = _moment if moments else (lambda day: day)
    whens = []
    if before:
        whens.append((column < bound(buckets[0].first), -1))
    whens += [
        (column < bound(b.last + timedelta(days=1)), index) for index, b in enumerate(buckets)
    ]
    if not before:
        return sa.case((column < bound(buckets[0].first), None), *whens, else_=None)
    return sa.case(*whens, else_=None)


def _created_between(date_from: date, date_to: date):
    return sa.and_(
        Lead.created_at >= _moment(date_from),
        Lead.created_at < _moment(date_to + timedelta(days=1)),
    )


def _left(status: str):
    return LeadEvent.detail.like(f"Status {status} %")


def funnel(date_from: date, date_to: date) -> dict:
    """Per lead (created in the range) the highest open status its timeline left and
    whether it ever left `lost` — read from its status events' "Status <from> → <to>." text
    by one correlated look-up on ix_lead_events_lead_created (a new lead has none) — then
    leads counted per (status now, that rank, that flag)."""
    rank = sa.case(
        *[(_left(name), index) for index, name in enumerate(OPEN_ORDER) if index],
        else_=0,
    )
    left_lost = sa.case((_left("lost"), LEFT_LOST), else_=0)
    timeline = (
        sa.select(sa.func.max(rank) + sa.func.max(left_lost))
        .where(LeadEvent.lead_id == Lead.id, LeadEvent.kind == "status")
        .correlate(Lead)
        .scalar_subquery()
    )
    left = sa.case((Lead.status == LeadStatus.NEW, 0), else_=sa.func.coalesce(timeline, 0))
    per_lead = (
        sa.select(Lead.status.label("status"), left.label("left"))
        .where(_created_between(date_from, date_to))
        .subquery()
    )
    query = sa.select(per_lead.c.status, per_lead.c.left, sa.func.count()).group_by(
        per_lead.c.status, per_lead.c.left
    )
    rows = [
        (_value(status), int(left) % LEFT_LOST, int(left) >= LEFT_LOST, n)
        for status, left, n in db.session.execute(query)
    ]
    statuses, conversion = series.funnel(rows)
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "statuses": statuses,
        "conversion_rate": conversion,
    }


LEFT_LOST = 10
"""Added to the rank when the timeline left `lost` (the rank is below it)."""


def _value(code) -> str:
    return getattr(code, "value", code)


def _first_status_change(aggregate):
    """The first (min) or last (max) status event's moment of the lead, looked up on
    ix_lead_events_lead_created."""
    return (
        sa.select(aggregate(LeadEvent.created_at))
        .where(LeadEvent.lead_id == Lead.id, LeadEvent.kind == "status")
        .correlate(Lead)
        .scalar_subquery()
    )


def sources(date_from: date, date_to: date) -> dict:
    """One pass over the range's leads by (week, source, won now); the won ones again
    (ix_leads_status_created) for whole hours to their last status event (conversion);
    leads per utm_source."""
    in_range = _created_between(date_from, date_to)
    buckets = series.weeks(date_from, date_to)
    per_lead = (
        sa.select(
            _bucket(Lead.created_at, buckets).label("week"),
            Lead.source.label("source"),
            (Lead.status == LeadStatus.WON).label("won"),
        )
        .where(in_range)
        .subquery()
    )
    week_rows = db.session.execute(
        sa.select(per_lead.c.week, per_lead.c.source, per_lead.c.won, sa.func.count()).group_by(
            per_lead.c.week, per_lead.c.source, per_lead.c.won
        )
    )
    won_at = (
        sa.select(
            Lead.source.label("source"),
            whole_hours(Lead.created_at, _first_status_change(sa.func.max)).label("hours"),
        )
        .where(in_range, Lead.status == LeadStatus.WON)
        .subquery()
    )
    hour_rows = db.session.execute(
        sa.select(won_at.c.source, won_at.c.hours, sa.func.count())
        .where(won_at.c.hours.is_not(None))
        .group_by(won_at.c.source, won_at.c.hours)
    )
    utm_rows = db.session.execute(
        sa.select(Lead.utm_source, sa.func.count())
        .where(in_range, Lead.utm_source.is_not(None))
        .group_by(Lead.utm_source)
    )
    return series.sources(
        buckets,
        [(index, _value(source), bool(won), n) for index, source, won, n in week_rows],
        [(_value(source), hours, n) for source, hours, n in hour_rows],
        [(utm, n) for utm, n in utm_rows],
    )


def first_contact(date_from: date, date_to: date) -> dict:
    """Per owner, their leads created in the range that had a status change (a new lead
    never had one), grouped by whole hours from creation to the first one."""
    per_lead = (
        sa.select(
            Lead.owner_id.label("owner_id"),
            whole_hours(Lead.created_at, _first_status_change(sa.func.min)).label("hours"),
        )
        .where(
            _created_between(date_from, date_to),
            Lead.owner_id.is_not(None),
            Lead.status != LeadStatus.NEW,
        )
        .subquery()
    )
    query = (
        sa.select(User.email, per_lead.c.hours, sa.func.count())
        .join(User, User.id == per_lead.c.owner_id)
        .where(per_lead.c.hours.is_not(None))
        .group_by(User.email, per_lead.c.hours)
    )
    return {"owners": series.first_contact(db.session.execute(query))}


def referrals(date_from: date, date_to: date) -> dict:
    buckets = series.months(date_from, date_to)
    month = _bucket(Lead.created_at, buckets).label("month")
    won = sa.func.sum(sa.case((Lead.status == LeadStatus.WON, 1), else_=0))
    query = (
        sa.select(month, Lead.attribution_status, Lead.attribution_reason, sa.func.count(), won)
        .where(
            _created_between(date_from, date_to),
            Lead.attribution_status != AttributionStatus.NONE,
        )
        .group_by(month, Lead.attribution_status, Lead.attribution_reason)
    )
    rows = [
        (index, _value(status), reason, n, int(w or 0))
        for index, status, reason, n, w in db.session.execute(query)
    ]
    return {"months": series.referral_months(buckets, rows)}


def liability(date_from: date, date_to: date) -> dict:
    """Each ledger entry by the month it exists from (its created_at, in TIMEZONE), the
    month it was approved (approved_at) and the month its payout line was paid (paid_on);
    only entries existing by the range's end are read."""
    buckets = series.months(date_from, date_to)
    end = _moment(date_to + timedelta(days=1))
    created = _bucket(CommissionEntry.created_at, buckets, before=True).label("created")
    approved = _bucket(CommissionEntry.approved_at, buckets, before=True).label("approved")
    paid = _bucket(PayoutLine.paid_on, buckets, moments=False, before=True).label("paid")
    query = (
        sa.select(created, approved, paid, sa.func.sum(CommissionEntry.amount_cents))
        .outerjoin(
            PayoutLine,
            sa.and_(
                PayoutLine.payout_id == CommissionEntry.payout_id,
                PayoutLine.referrer_id == CommissionEntry.referrer_id,
                PayoutLine.status == LineStatus.PAID,
            ),
        )
        .where(CommissionEntry.created_at < end)
        .group_by(created, approved, paid)
    )
    rows = [(c, a, p, int(cents)) for c, a, p, cents in db.session.execute(query)]
    return {"months": series.liability(buckets, rows)}


def guarantee_claims(date_from: date, date_to: date, today: date) -> dict:
    """Contracts starting in the range whose window has closed (guarantee_ends_on before
    today) or that have an accepted claim, and those claims, by start month."""
    buckets = series.months(date_from, date_to)
    month = _bucket(Contract.start_date, buckets, moments=False).label("month")
    query = (
        sa.select(month, sa.func.count(Contract.id), sa.func.count(GuaranteeClaim.id))
        .outerjoin(
            GuaranteeClaim,
            sa.and_(
                GuaranteeClaim.contract_id == Contract.id,
                GuaranteeClaim.status == ClaimStatus.ACCEPTED,
            ),
        )
        .where(
            Contract.start_date >= date_from,
            Contract.start_date <= date_to,
            sa.or_(Contract.guarantee_ends_on < today, GuaranteeClaim.id.is_not(None)),
        )
        .group_by(month)
    )
    return {"months": series.claim_months(buckets, db.session.execute(query))}


FIGURES = {
    "funnel": funnel,
    "sources": sources,
    "first-contact": first_contact,
    "referrals": referrals,
    "liability": liability,
    "guarantee-claims": guarantee_claims,
}
"""Every figure by its API name; guarantee-claims also takes today."""


def figure(name: str, date_from: date, date_to: date, today: date) -> dict:
    if name == "guarantee-claims":
        return guarantee_claims(date_from, date_to, today)
    return FIGURES[name](date_from, date_to)
