"""How the commission pages and the API read the ledger and payouts: one set of ledger
filters, and every relationship a list shows loaded with it (a page's statement count does not
grow with its rows)."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from billing.models import Contract, Invoice
from commissions.models import CommissionEntry, EntryKind, EntryState, Payout, PayoutLine
from core.extensions import db
from core.pagination import query_id


@dataclass
class LedgerFilters:
    referrer_id: int | None = None
    invoice_id: int | None = None
    state: EntryState | None = None
    kind: EntryKind | None = None

    def as_args(self) -> dict[str, str]:
        """The filters in force, as query-string values (for the CSV link)."""
        values = {
            "referrer_id": self.referrer_id,
            "invoice_id": self.invoice_id,
            "state": self.state.value if self.state else None,
            "kind": self.kind.value if self.kind else None,
        }
        return {name: str(value) for name, value in values.items() if value is not None}


def parse_ledger_filters(args: MultiDict) -> tuple[LedgerFilters, dict[str, list[str]]]:
    """The ledger's filters (`referrer_id`, `invoice_id`, `state`, `kind`) and, per field,
    what was wrong with those that could not be used."""
    filters, errors = LedgerFilters(), {}
    for name in ("referrer_id", "invoice_id"):
        raw = args.get(name)
        if raw:
            value = query_id(raw)
            if value is None:
                errors[name] = ["An id."]
            setattr(filters, name, value)
    for name, enum_class, message in (
        ("state", EntryState, "pending, approved or paid."),
        ("kind", EntryKind, "accrual, reversal, bonus or write_off."),
    ):
        raw = args.get(name)
        if raw:
            try:
                setattr(filters, name, enum_class(raw))
            except ValueError:
                errors[name] = [message]
    return filters, errors


def ledger_query(filters: LedgerFilters, with_names: bool = True) -> sa.Select:
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
    return list(db.session.scalars(ledger_query(LedgerFilters(referrer_id=referrer_id))))


def recent_payouts(limit: int) -> list[Payout]:
    query = sa.select(Payout).options(selectinload(Payout.lines)).order_by(Payout.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def payout_with_lines(payout_id: int) -> Payout | None:
    query = (
        sa.select(Payout)
        .where(Payout.id == payout_id)
        .options(selectinload(Payout.lines).joinedload(PayoutLine.referrer))
    )
    return db.session.scalar(query)
