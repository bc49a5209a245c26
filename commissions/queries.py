"""How the commission pages and the API read the ledger and payouts: one set of ledger
filters, and every relationship a list shows loaded with it (a page's statement count does not
grow with its rows)."""

from dataclasses import dataclass

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.orm import joinedload, selectinload

from billing.models import Contract, Invoice
from commissions.models import (
    CommissionEntry,
    EntryKind,
    EntryState,
    LineStatus,
    Payout,
    PayoutLine,
)
from core.extensions import db
from core.query_models import (
    IdCursor,
    ListQuery,
    QueryId,
    QueryModel,
    QueryYear,
    parse_query,
    query_choice,
)
from referrals.models import Referrer


class LedgerQuery(ListQuery):
    """The ledger's filters, for the pages and GET /api/v1/commissions (whose pages follow
    the entry id: the ledger is append-only, so ids are its order)."""

    referrer_id: QueryId | None = None
    invoice_id: QueryId | None = None
    state: query_choice(EntryState) | None = None
    kind: query_choice(EntryKind) | None = None
    cursor: IdCursor = None


def parse_ledger_filters(args) -> tuple[LedgerQuery, dict[str, list[str]]]:
    """The ledger's filters and, per argument, what was wrong with one that could not be used."""
    return parse_query(LedgerQuery, args)


def ledger_query(filters: LedgerQuery, with_names: bool = True) -> sa.Select:
    """Newest first; for pages, with each entry's referrer, invoice, contract and client."""
    query = sa.select(CommissionEntry).order_by(CommissionEntry.id.desc())
    if with_names:
        query = query.options(
            joinedload(CommissionEntry.referrer),
            joinedload(CommissionEntry.invoice)
            .joinedload(Invoice.contract)
            .joinedload(Contract.client),
        )
    if filters.referrer_id is not None:
        query = query.where(CommissionEntry.referrer_id == filters.referrer_id)
    if filters.invoice_id is not None:
        query = query.where(CommissionEntry.invoice_id == filters.invoice_id)
    if filters.state is not None:
        query = query.where(CommissionEntry.state == filters.state)
    if filters.kind is not None:
        query = query.where(CommissionEntry.kind == filters.kind)
    return query


def referrer_ledger(referrer_id: int) -> list[CommissionEntry]:
    entries = ledger_query(LedgerQuery.model_construct(referrer_id=referrer_id))
    return list(db.session.scalars(entries))


@dataclass(frozen=True)
class RunSummary:
    """A run on the runs page: its lines paid or still open (a failed line's money went back
    to the referrer's balance), their total, and how many lines failed."""

    payout: Payout
    lines: int
    total_cents: int
    failed: int


def recent_payouts(limit: int) -> list[RunSummary]:
    query = sa.select(Payout).options(selectinload(Payout.lines)).order_by(Payout.id.desc())
    summaries = []
    for payout in db.session.scalars(query.limit(limit)):
        kept = [line for line in payout.lines if line.status != LineStatus.FAILED]
        total = sum(line.amount_cents for line in kept)
        summaries.append(RunSummary(payout, len(kept), total, len(payout.lines) - len(kept)))
    return summaries


def payout_with_lines(payout_id: int) -> Payout | None:
    query = (
        sa.select(Payout)
        .where(Payout.id == payout_id)
        .options(selectinload(Payout.lines).joinedload(PayoutLine.referrer))
    )
    return db.session.scalar(query)


class PaidYearQuery(QueryModel):
    """`year`, required: the calendar year of the yearly-totals export (SPEC §16)."""

    required = frozenset({"year"})
    year: QueryYear | None = Field(default=None, description="The calendar year, e.g. 2026.")


PAID_YEAR = sa.extract("year", PayoutLine.paid_on)
"""A paid line counts in the calendar year of its own `paid_on` (SPEC §16)."""


def _paid_per_year() -> sa.Select:
    """Per referrer and calendar year, the total of the lines paid."""
    return (
        sa.select(
            PayoutLine.referrer_id,
            PAID_YEAR.label("year"),
            sa.func.sum(PayoutLine.amount_cents).label("cents"),
        )
        .where(PayoutLine.status == LineStatus.PAID)
        .group_by(PayoutLine.referrer_id, PAID_YEAR)
    )


def paid_by_year(referrer_ids: list[int]) -> dict[int, dict[str, int]]:
    """What each referrer was paid per calendar year, `{"2026": cents}`; a whole page in one
    statement."""
    totals: dict[int, dict[str, int]] = {referrer_id: {} for referrer_id in referrer_ids}
    if not referrer_ids:
        return totals
    query = _paid_per_year().where(PayoutLine.referrer_id.in_(referrer_ids)).order_by(PAID_YEAR)
    for referrer_id, paid_year, cents in db.session.execute(query):
        totals[referrer_id][str(int(paid_year))] = int(cents)
    return totals


def paid_in_year(year: int) -> list[tuple[Referrer, int]]:
    """Every referrer paid in `year` with the total, by name."""
    paid = _paid_per_year().where(PAID_YEAR == year).subquery()
    query = (
        sa.select(Referrer, paid.c.cents)
        .join(paid, paid.c.referrer_id == Referrer.id)
        .order_by(Referrer.last_name, Referrer.first_name, Referrer.id)
    )
    return [(referrer, int(cents)) for referrer, cents in db.session.execute(query)]


def client_commission_cents(client_id: int) -> dict[str, int]:
    """The commission a client's invoices have earned its referrer, by state, reversals
    netted (one statement)."""
    totals = {state.value: 0 for state in EntryState}
    query = (
        sa.select(
            CommissionEntry.state, sa.func.coalesce(sa.func.sum(CommissionEntry.amount_cents), 0)
        )
        .where(CommissionEntry.client_id == client_id)
        .group_by(CommissionEntry.state)
    )
    for state, total in db.session.execute(query):
        totals[state.value] = int(total)
    return totals
