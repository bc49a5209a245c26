"""Importing clients with their contacts and contracts from CSV (SPEC §16). A row is a
contact of a client, and a contract when it has `contract_start_date`. Clients are keyed by
company (SPEC §1), contacts by email within their client, contracts by client and start
date. Imported clients are existing customers for attribution: by §3's rule on their
contracts, or, imported without one, from the day of the import. Nothing is emailed and no
reminder is queued; imported contracts have no lead, so no referrer."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from auth.models import User
from billing.guarantee import guarantee_ends_on
from billing.models import (
    Client,
    ClientContact,
    ContactRole,
    Contract,
    ContractStatus,
    TerminationReason,
)
from core.company import company_key, free_mail_domains
from core.extensions import db
from core.today import business_today
from core.unit_of_work import use_case
from imports.common import ImportReport, Progress, chunks, read_rows
from imports.rules import (
    CLIENT_OPTIONAL,
    CLIENT_REQUIRED,
    ClientRow,
    ContractRow,
    header_errors,
    parse_client_row,
)
from referrals.services import contract_referral


@dataclass
class _Client:
    """One client of the file: its rows, and the record it matches (if any)."""

    key: str
    rows: list[ClientRow] = field(default_factory=list)
    record: Client | None = None


def _client_key(row: ClientRow, free: frozenset[str]) -> str:
    email = f"contact@{row.domain}" if row.domain else row.contact_email
    return company_key(email, row.company, free)


def _contact_fields(row: ClientRow) -> tuple:
    return (row.contact_first_name, row.contact_last_name, row.contact_role)


def _parse(text: str, report: ImportReport, progress: Progress | None) -> dict[str, _Client]:
    header, rows = read_rows(text)
    problems = header_errors(header, CLIENT_REQUIRED, CLIENT_OPTIONAL)
    if problems:
        report.errors += [(1, problem) for problem in problems]
        return {}
    currency, free = current_app.config["CURRENCY"], free_mail_domains()
    clients: dict[str, _Client] = {}
    contacts: dict[tuple, tuple[int, tuple]] = {}
    contracts: dict[tuple, tuple[int, ContractRow]] = {}
    for count, (line, values) in enumerate(rows, start=1):
        if progress and count % 1_000 == 0:
            progress(1_000)
        if "" in values:
            report.errors.append((line, values[""] + "."))
            continue
        row, problems = parse_client_row(line, values, currency)
        if row is None:
            report.errors += [(line, problem) for problem in problems]
            continue
        key = _client_key(row, free)
        contact_key = (key, row.contact_email)
        seen = contacts.get(contact_key)
        if seen is not None and seen[1] != _contact_fields(row):
            report.errors.append((line, f"The same contact differs from line {seen[0]}."))
            continue
        if row.contract is not None:
            contract_key = (key, row.contract.start_date)
            earlier = contracts.get(contract_key)
            if earlier is not None and earlier[1] != row.contract:
                report.errors.append(
                    (line, f"The contract starting then differs from line {earlier[0]}.")
                )
                continue
            if earlier is not None and seen is not None:
                report.errors.append((line, f"Repeats line {earlier[0]}."))
                continue
            contracts.setdefault(contract_key, (line, row.contract))
        elif seen is not None:
            report.errors.append((line, f"Repeats line {seen[0]}."))
            continue
        contacts.setdefault(contact_key, (line, _contact_fields(row)))
        clients.setdefault(key, _Client(key)).rows.append(row)
    return clients


def _load(clients: dict[str, _Client]) -> None:
    keys = list(clients)
    for chunk in chunks(keys):
        for record in db.session.scalars(sa.select(Client).where(Client.company_key.in_(chunk))):
            clients[record.company_key].record = record


def _refuse_earlier_contracts(client: _Client, report: ImportReport) -> None:
    """A client's referrer is the one of its first contract's lead (SPEC §3): a contract
    imported before that first contract would take its place and the referrer with it."""
    record = client.record
    if record is None or not record.contracts:
        return
    first = min(record.contracts, key=lambda contract: (contract.start_date, contract.id))
    if contract_referral(first) is None:
        return
    kept = []
    for row in client.rows:
        if row.contract is not None and row.contract.start_date < first.start_date:
            report.errors.append(
                (
                    row.line,
                    f"contract_start_date: before the client's first contract "
                    f"({first.start_date}), whose referrer it would replace.",
                )
            )
        else:
            kept.append(row)
    client.rows = kept


def _classify(client: _Client, report: ImportReport) -> None:
    """Count each row as creating, updating or leaving unchanged what it describes."""
    record = client.record
    contacts = {c.email: c for c in record.contacts} if record else {}
    contracts = {c.start_date: c for c in record.contracts} if record else {}
    for row in client.rows:
        contact = contacts.get(row.contact_email)
        contract = contracts.get(row.contract.start_date) if row.contract else None
        if record is None or contact is None or (row.contract and contract is None):
            report.created += 1
        elif (
            (row.domain and record.domain != row.domain)
            or (contact.first_name, contact.last_name, contact.role.value) != _contact_fields(row)
            or (row.contract and _contract_changes(contract, row.contract))
        ):
            report.updated += 1
        else:
            report.unchanged += 1


def _contract_values(contract: ContractRow) -> dict:
    ended = contract.end_date is not None
    return {
        "engineers": contract.engineers,
        "monthly_rate_cents": contract.monthly_rate_cents,
        "currency": contract.currency,
        "end_date": contract.end_date,
        "termination_reason": TerminationReason(contract.termination_reason) if ended else None,
        "status": ContractStatus.TERMINATED if ended else ContractStatus.ACTIVE,
    }


def _contract_changes(record: Contract, contract: ContractRow) -> dict:
    wanted = _contract_values(contract)
    return {name: value for name, value in wanted.items() if getattr(record, name) != value}


def _write(clients: dict[str, _Client], actor: User | None) -> None:
    grace, today = current_app.config["GUARANTEE_GRACE_DAYS"], business_today()
    actor_id = actor.id if actor else None
    for client in clients.values():
        record = client.record
        if record is None:
            first = client.rows[0]
            record = Client(
                name=first.company, company_key=client.key, domain=first.domain, imported_on=today
            )
            db.session.add(record)
            db.session.flush()
        contacts = {c.email: c for c in record.contacts}
        contracts = {c.start_date: c for c in record.contracts}
        for row in client.rows:
            if row.domain and record.domain != row.domain:
                record.domain = row.domain
            contact = contacts.get(row.contact_email)
            if contact is None:
                contact = ClientContact(client_id=record.id, email=row.contact_email)
                db.session.add(contact)
                contacts[row.contact_email] = contact
            contact.first_name, contact.last_name = row.contact_first_name, row.contact_last_name
            contact.role = ContactRole(row.contact_role)
            if row.contract is None:
                continue
            contract = contracts.get(row.contract.start_date)
            if contract is None:
                contract = Contract(
                    client_id=record.id,
                    lead_id=None,
                    start_date=row.contract.start_date,
                    guarantee_ends_on=guarantee_ends_on(row.contract.start_date, grace),
                    created_by_id=actor_id,
                )
                db.session.add(contract)
                contracts[row.contract.start_date] = contract
            for name, value in _contract_values(row.contract).items():
                setattr(contract, name, value)
        db.session.flush()


def _checked(text: str, progress: Progress | None) -> tuple[ImportReport, dict[str, _Client]]:
    """Every row checked and classified against the database; nothing written."""
    report = ImportReport("clients")
    clients = _parse(text, report, progress)
    _load(clients)
    for client in clients.values():
        _refuse_earlier_contracts(client, report)
        _classify(client, report)
    report.errors.sort()
    return report, clients


def preview_clients(text: str) -> ImportReport:
    """What importing the file would do; writes nothing."""
    return _checked(text, None)[0]


@use_case
def import_clients(
    text: str,
    filename: str,
    actor: User | None,
    *,
    skip_errors: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Create or update the clients, contacts and contracts in this one transaction. A file
    with an error imports nothing unless `skip_errors`; re-running a file changes nothing."""
    report, clients = _checked(text, progress)
    if not report.may_write(skip_errors):
        return report
    _write(clients, actor)
    report.record_written(filename)
    return report
