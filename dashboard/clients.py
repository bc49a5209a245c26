"""Finding clients (SPEC §13): the clients list, searched by the start of a word of the name
or the start of the domain, and a client's page (contacts, contracts with their guarantee
state, invoices, referrer and commission)."""

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, render_template, request

from auth.roles import STAFF, roles_required
from billing.guarantee import guarantee_countdown
from billing.models import Client, Contract, ContractStatus, TerminationReason
from billing.queries import (
    ClientQuery,
    InvoiceTotals,
    client_invoices,
    client_list_page,
    client_referrer_ids,
    client_with_contracts,
    clients_matching,
)
from commissions.queries import client_commission_cents
from core.keyset import bounded_total
from core.query_models import parse_query
from core.today import business_today
from referrals.models import Referrer
from referrals.queries import referrers_by_id

bp = Blueprint("clients_staff", __name__, url_prefix="/dashboard")


@dataclass(frozen=True)
class ClientRow:
    client: Client
    referrer: Referrer | None
    active: bool


def _is_active(contracts: list[Contract]) -> bool:
    """A client is active while one of its contracts is."""
    return any(contract.status == ContractStatus.ACTIVE for contract in contracts)


def _rows(clients: list[Client]) -> list[ClientRow]:
    """The page's clients with their referrers (two statements for the whole page)."""
    referrer_of = client_referrer_ids([client.id for client in clients])
    referrers = referrers_by_id(list(referrer_of.values()))
    return [
        ClientRow(client, referrers.get(referrer_of[client.id]), _is_active(client.contracts))
        for client in clients
    ]


@bp.get("/clients")
@roles_required(*STAFF)
def index():
    query, errors = parse_query(ClientQuery, request.args)
    clients, next_cursor = ([], None) if errors else client_list_page(query)
    return render_template(
        "dashboard/clients.html",
        rows=_rows(clients),
        query=query,
        errors=errors,
        next_cursor=next_cursor,
        total=None if errors else bounded_total(clients_matching(query)),
    )


def guarantee_state(contract: Contract, first_id: int, today: date) -> str:
    """How a contract stands with the satisfaction guarantee, in words."""
    if contract.termination_reason == TerminationReason.SATISFACTION_GUARANTEE:
        return f"Claimed on {contract.end_date.isoformat()}"
    if contract.id != first_id:
        return "Not covered (only the client's first contract is)"
    if contract.status != ContractStatus.ACTIVE:
        return f"Ended without a claim (window to {contract.guarantee_ends_on.isoformat()})"
    return f"Until {contract.guarantee_ends_on.isoformat()} {guarantee_countdown(contract, today)}"


@bp.get("/clients/<int:client_id>")
@roles_required(*STAFF)
def client(client_id: int):
    found = client_with_contracts(client_id) or abort(404)
    today = business_today()
    contracts = sorted(found.contracts, key=lambda c: (c.start_date, c.id))
    first_id = contracts[0].id if contracts else 0
    invoices = client_invoices(found.id)
    referrer_id = client_referrer_ids([found.id])[found.id]
    referrer = referrers_by_id([referrer_id]).get(referrer_id)
    return render_template(
        "dashboard/client.html",
        client=found,
        contracts=[(c, guarantee_state(c, first_id, today)) for c in reversed(contracts)],
        active=_is_active(contracts),
        invoices=invoices,
        totals=InvoiceTotals.of(invoices),
        referrer=referrer,
        commission=client_commission_cents(found.id) if referrer else None,
    )
