"""Contracts in the dashboard: conversion from a lead, the guarantee countdown, start date
changes and ending a contract."""

from functools import partial

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from auth.roles import MONEY_KEEPERS, STAFF, acting_user, roles_required
from billing.forms import ClaimForm, ConvertForm, EndContractForm, InvoiceForm, StartDateForm
from billing.guarantee import guarantee_countdown
from billing.models import Client
from billing.queries import (
    ContractQuery,
    contract_claims,
    contract_list_page,
    contract_page,
    contracts_for_list,
)
from billing.serialize import contract_to_dict
from billing.services import (
    ContractTerms,
    allowed_contract_actions,
    change_start_date,
    contract_invoices,
    convert_lead,
    end_contract,
)
from core.confirming import confirmation_page, confirmed
from core.downloads import csv_response
from core.extensions import db
from core.flashing import apply_change, flash_form_errors
from core.labels import label
from core.previews import dry_run
from core.query_models import parse_query
from core.service_errors import ServiceError
from core.today import business_today

bp = Blueprint("billing_staff", __name__, url_prefix="/dashboard")
bp.add_app_template_global(guarantee_countdown)


def all_clients() -> list[Client]:
    return list(db.session.scalars(sa.select(Client).order_by(Client.name)))


@bp.post("/leads/<int:lead_id>/convert")
@roles_required(*STAFF)
def convert(lead_id: int):
    form = ConvertForm(clients=all_clients())
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("leads_staff.detail", lead_id=lead_id))
    terms = ContractTerms(
        start_date=form.start_date.data,
        engineers=form.engineers.data,
        monthly_rate_cents=form.monthly_rate.cents,
        currency=form.currency,
        client_id=int(form.client_id.data) if form.client_id.data else None,
    )
    try:
        contract = convert_lead(lead_id, terms, acting_user())
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash(str(error), "error")
        return redirect(url_for("leads_staff.detail", lead_id=lead_id))
    flash("Converted: the client has a contract.", "success")
    return redirect(url_for(".contract", contract_id=contract.id))


@bp.get("/contracts")
@roles_required(*STAFF)
def contracts():
    """Newest first (the contract just made is on top), searched by client name."""
    query, errors = parse_query(ContractQuery, request.args)
    rows, next_cursor = ([], None) if errors else contract_list_page(query)
    return render_template(
        "billing/contracts.html",
        contracts=rows,
        query=query,
        errors=errors,
        next_cursor=next_cursor,
        today=business_today(),
    )


CONTRACTS_CSV_HEADER = [
    "id",
    "client_id",
    "client",
    "lead_id",
    "status",
    "start_date",
    "guarantee_ends_on",
    "end_date",
    "termination_reason",
    "engineers",
    "monthly_rate_cents",
    "currency",
]


@bp.get("/contracts.csv")
@roles_required(*STAFF)
def contracts_csv():
    filters, errors = parse_query(ContractQuery, request.args)
    if errors:
        abort(400)
    query = contracts_for_list(filters)
    rows = [
        [
            c.id,
            c.client_id,
            c.client.name,
            c.lead_id,
            c.status.value,
            c.start_date.isoformat(),
            c.guarantee_ends_on.isoformat(),
            c.end_date.isoformat() if c.end_date else None,
            c.termination_reason.value if c.termination_reason else None,
            c.engineers,
            c.monthly_rate_cents,
            c.currency,
        ]
        for c in db.session.scalars(query)
    ]
    return csv_response("contracts.csv", CONTRACTS_CSV_HEADER, rows)


@bp.get("/contracts/<int:contract_id>")
@roles_required(*STAFF)
def contract(contract_id: int):
    found = contract_page(contract_id) or abort(404)
    today = business_today()
    return render_template(
        "billing/contract.html",
        contract=found,
        today=today,
        start_form=StartDateForm(start_date=found.start_date),
        end_form=EndContractForm(end_date=today),
        actions=allowed_contract_actions(found, today),
        can_record=acting_user().has_role(*MONEY_KEEPERS),
        invoices=contract_invoices(found.id),
        claims=contract_claims(found.id),
        invoice_form=InvoiceForm(issue_date=today),
        claim_form=ClaimForm(claimed_on=today),
    )


@bp.post("/contracts/<int:contract_id>/start-date")
@roles_required(*STAFF)
def update_start_date(contract_id: int):
    form = StartDateForm()
    if form.validate_on_submit():
        change = partial(change_start_date, contract_id, form.start_date.data, acting_user())
        apply_change(change, "Start date changed.")
    else:
        flash("Give a date.", "error")
    return redirect(url_for(".contract", contract_id=contract_id))


def _confirm_end(contract_id: int, change):
    back = url_for(".contract", contract_id=contract_id)
    try:
        answer, effects = dry_run(change, contract_to_dict)
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash(str(error), "error")
        return redirect(back)
    reason = label(answer["termination_reason"])
    ends = f"end contract #{contract_id} on {answer['end_date']} ({reason})"
    return confirmation_page(
        title="End the contract?",
        words=[ends, *effects.sentence(current_app.config["CURRENCY"])],
        note="Invoices already recorded stay as they are; no new invoice can be recorded.",
        confirm_label="End the contract",
        cancel_url=back,
    )


@bp.post("/contracts/<int:contract_id>/end")
@roles_required(*MONEY_KEEPERS)
def end(contract_id: int):
    form = EndContractForm()
    if form.validate_on_submit():
        change = partial(
            end_contract,
            contract_id,
            form.end_date.data,
            form.reason.data,
            form.note.data,
            acting_user(),
        )
        if not confirmed():
            return _confirm_end(contract_id, change)
        apply_change(change, "Contract ended.")
    else:
        flash("Give an end date and a reason.", "error")
    return redirect(url_for(".contract", contract_id=contract_id))
