"""How billing's pages read clients, contracts, invoices and claims: with the relationships
each page shows loaded in the same statement (or one more per relationship), never per row."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.orm import joinedload, selectinload

from billing.models import (
    Client,
    Contract,
    GuaranteeClaim,
    Invoice,
    InvoiceStatus,
    Refund,
    RefundStatus,
)
from billing.serialize import client_to_dict
from core.extensions import db
from core.keyset import newest_first_page
from core.prefix import starts_a_word, starts_with
from core.query_models import ListQuery, QueryBoolean, QueryDate, QueryId, QueryText, query_choice
from leads.models import Lead

CLAIM_ROWS = 500


class ContractQuery(ListQuery):
    q: QueryText = Field(default="", description="Start of a word of the client's name.")


def contracts_matching(query: ContractQuery) -> sa.Select:
    """The contracts list's filter (no order, no loader options)."""
    select = sa.select(Contract)
    if query.q:
        named = sa.select(Client.id).where(starts_a_word(Client.name, query.q))
        select = select.where(Contract.client_id.in_(named))
    return select


def contracts_for_list(query: ContractQuery | None = None) -> sa.Select:
    """Newest recorded first (the contract just made is on top), each with its client."""
    select = contracts_matching(query or ContractQuery())
    return select.options(joinedload(Contract.client)).order_by(
        Contract.created_at.desc(), Contract.id.desc()
    )


def contract_list_page(query: ContractQuery) -> tuple[list[Contract], str | None]:
    select = contracts_matching(query).options(joinedload(Contract.client))
    return newest_first_page(select, Contract.created_at, Contract.id, query.limit, query.cursor)


def contract_page(contract_id: int) -> Contract | None:
    query = (
        sa.select(Contract)
        .where(Contract.id == contract_id)
        .options(joinedload(Contract.client).selectinload(Client.contacts))
    )
    return db.session.scalar(query)


def contract_for_lead_page(lead_id: int) -> Contract | None:
    query = (
        sa.select(Contract).where(Contract.lead_id == lead_id).options(joinedload(Contract.client))
    )
    return db.session.scalar(query)


def contract_claims(contract_id: int) -> list[GuaranteeClaim]:
    query = (
        sa.select(GuaranteeClaim)
        .where(GuaranteeClaim.contract_id == contract_id)
        .options(joinedload(GuaranteeClaim.entered_by))
        .order_by(GuaranteeClaim.id)
    )
    return list(db.session.scalars(query))


def claims_for_list() -> sa.Select:
    return (
        sa.select(GuaranteeClaim)
        .options(joinedload(GuaranteeClaim.entered_by))
        .order_by(GuaranteeClaim.created_at.desc())
    )


def invoice_page(invoice_id: int) -> Invoice | None:
    query = (
        sa.select(Invoice)
        .where(Invoice.id == invoice_id)
        .options(
            joinedload(Invoice.contract).joinedload(Contract.client),
            selectinload(Invoice.payments),
            selectinload(Invoice.refunds),
        )
    )
    return db.session.scalar(query)


class ClientQuery(ListQuery):
    q: QueryText = Field(
        default="", description="Start of a word of the name, or start of the domain."
    )


def clients_matching(query: ClientQuery) -> sa.Select:
    """The clients whose name has a word starting with `q`, or whose domain starts with it:
    the filter of GET /api/v1/clients, the clients page and the search page."""
    select = sa.select(Client)
    if query.q:
        select = select.where(
            sa.or_(starts_a_word(Client.name, query.q), starts_with(Client.domain, query.q))
        )
    return select


def client_list_page(query: ClientQuery) -> tuple[list[Client], str | None]:
    """Newest first, each with its contacts and contracts (one statement each)."""
    select = clients_matching(query).options(
        selectinload(Client.contacts), selectinload(Client.contracts)
    )
    return newest_first_page(select, Client.created_at, Client.id, query.limit, query.cursor)


def client_invoices(client_id: int) -> list[Invoice]:
    """The client's invoices, newest recorded first, each with its refunds."""
    query = (
        sa.select(Invoice)
        .join(Contract, Contract.id == Invoice.contract_id)
        .where(Contract.client_id == client_id)
        .options(selectinload(Invoice.refunds))
        .order_by(Invoice.created_at.desc(), Invoice.id.desc())
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class InvoiceTotals:
    """What a set of invoices adds up to (void ones owe nothing)."""

    invoiced_cents: int
    paid_cents: int
    refunded_cents: int
    refunds_due_cents: int
    still_owed_cents: int

    @classmethod
    def of(cls, invoices: list[Invoice]) -> "InvoiceTotals":
        counted = [invoice for invoice in invoices if invoice.status != InvoiceStatus.VOID]
        return cls(
            invoiced_cents=sum(invoice.amount_cents for invoice in counted),
            paid_cents=sum(invoice.paid_cents for invoice in invoices),
            refunded_cents=sum(invoice.refunded_cents for invoice in invoices),
            refunds_due_cents=sum(invoice.refunds_due_cents for invoice in invoices),
            still_owed_cents=sum(invoice.still_owed_cents for invoice in invoices),
        )


def client_with_contracts(client_id: int) -> Client | None:
    select = (
        sa.select(Client)
        .where(Client.id == client_id)
        .options(selectinload(Client.contacts), selectinload(Client.contracts))
    )
    return db.session.scalar(select)


def client_referrer_ids(client_ids: list[int]) -> dict[int, int | None]:
    """Each client's one referrer (SPEC §3): the referrer of the lead of its first contract
    (earliest start date), when that lead is attributed. One statement for a whole page."""
    ranked = (
        sa.select(
            Contract.client_id,
            Lead.referrer_id,
            sa.func.row_number()
            .over(partition_by=Contract.client_id, order_by=(Contract.start_date, Contract.id))
            .label("rank"),
        )
        .join(Lead, Lead.id == Contract.lead_id)
        .where(Contract.client_id.in_(client_ids))
        .subquery()
    )
    found = {}
    if client_ids:
        rows = db.session.execute(
            sa.select(ranked.c.client_id, ranked.c.referrer_id).where(ranked.c.rank == 1)
        )
        found = {client_id: referrer_id for client_id, referrer_id in rows}
    return {client_id: found.get(client_id) for client_id in client_ids}


def client_resources(clients: list[Client]) -> list[dict]:
    """Clients as §8 resources, their referrers read in one statement."""
    referrers = client_referrer_ids([client.id for client in clients])
    return [client_to_dict(client, referrers[client.id]) for client in clients]


class InvoiceQuery(ListQuery):
    status: query_choice(InvoiceStatus) | None = None
    overdue: QueryBoolean | None = Field(
        default=None,
        description="true: issued and unpaid more than INVOICE_OVERDUE_DAYS after issue_date.",
    )
    client_id: QueryId | None = None
    contract_id: QueryId | None = None
    issued_from: QueryDate | None = None
    issued_to: QueryDate | None = None
    q: QueryText = Field(default="", description="Start of the invoice number.")


def invoices_matching(query: InvoiceQuery, today: date, overdue_days: int) -> sa.Select:
    """The invoice list's filters (no order, no loader options): GET /api/v1/invoices, the
    invoices page, its CSV and the search page."""
    select = sa.select(Invoice)
    if query.q:
        select = select.where(starts_with(Invoice.number, query.q))
    if query.status is not None:
        select = select.where(Invoice.status == query.status)
    if query.overdue is not None:
        overdue = sa.and_(
            Invoice.status == InvoiceStatus.ISSUED,
            Invoice.issue_date < today - timedelta(days=overdue_days),
        )
        select = select.where(overdue if query.overdue else sa.not_(overdue))
    if query.contract_id is not None:
        select = select.where(Invoice.contract_id == query.contract_id)
    if query.client_id is not None:
        of_client = sa.select(Contract.id).where(Contract.client_id == query.client_id)
        select = select.where(Invoice.contract_id.in_(of_client))
    if query.issued_from is not None:
        select = select.where(Invoice.issue_date >= query.issued_from)
    if query.issued_to is not None:
        select = select.where(Invoice.issue_date <= query.issued_to)
    return select


def invoice_list_page(
    query: InvoiceQuery, today: date, overdue_days: int, with_clients: bool = False
) -> tuple[list[Invoice], str | None]:
    """Newest recorded first, each with its refunds (one more statement) and, for pages,
    its contract and client (in the same statement)."""
    select = invoices_matching(query, today, overdue_days).options(selectinload(Invoice.refunds))
    if with_clients:
        select = select.options(joinedload(Invoice.contract).joinedload(Contract.client))
    return newest_first_page(select, Invoice.created_at, Invoice.id, query.limit, query.cursor)


def invoices_for_export(query: InvoiceQuery, today: date, overdue_days: int) -> sa.Select:
    """Every matching invoice, newest recorded first, with its contract, client and refunds."""
    return (
        invoices_matching(query, today, overdue_days)
        .options(
            joinedload(Invoice.contract).joinedload(Contract.client),
            selectinload(Invoice.refunds),
        )
        .order_by(Invoice.created_at.desc(), Invoice.id.desc())
    )


@dataclass(frozen=True)
class RefundDue:
    refund: Refund
    invoice: Invoice
    client: Client


def refunds_due(limit: int) -> list[RefundDue]:
    """Refunds a guarantee claim made that are not yet sent, oldest first (the longest
    waiting on top), each with its invoice and client, in one statement."""
    query = (
        sa.select(Refund, Invoice, Client)
        .join(Invoice, Invoice.id == Refund.invoice_id)
        .join(Contract, Contract.id == Invoice.contract_id)
        .join(Client, Client.id == Contract.client_id)
        .where(Refund.status == RefundStatus.DUE)
        .order_by(Refund.created_at, Refund.id)
        .limit(limit)
    )
    return [RefundDue(*row) for row in db.session.execute(query)]


def refunds_due_total() -> tuple[int, int]:
    """How many refunds are due and their sum in cents."""
    count, total = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Refund.amount_cents), 0)).where(
            Refund.status == RefundStatus.DUE
        )
    ).one()
    return int(count), int(total)
