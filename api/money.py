"""Invoices, payments, refunds, claims, commissions and payouts under /api/v1 (SPEC §8)."""

from flask import g, jsonify, request

from api.auth import api_auth
from api.blueprint import bp
from api.errors import ApiError
from api.parsing import INTEGER, TEXT, check_types, date_value, json_body, required_values
from auth.roles import MONEY_KEEPERS, STAFF
from billing.claims import ClaimInput, file_claim
from billing.invoices import (
    InvoiceInput,
    add_invoice,
    get_invoice,
    mark_refund_sent,
    record_payment,
    record_refund,
    void,
    write_off,
)
from billing.serialize import claim_to_dict, invoice_to_dict
from commissions.models import CommissionEntry
from commissions.payout_csv import PAYOUT_CSV_HEADER, payout_rows
from commissions.payouts import get_payout, mark_paid, run_approve_due, run_payouts
from commissions.queries import ledger_query, parse_ledger_filters
from commissions.serialize import entry_to_dict, payout_to_dict
from core.downloads import csv_response
from core.extensions import db
from core.pagination import clamp_limit

INVOICE_SCHEMA = {
    "number": TEXT,
    "issue_date": TEXT,
    "period_start": TEXT,
    "period_end": TEXT,
    "amount_cents": INTEGER,
    "commissionable_cents": INTEGER,
    "currency": TEXT,
    "external_id": TEXT,
}
PAYMENT_SCHEMA = {"amount_cents": INTEGER, "paid_on": TEXT, "external_id": TEXT}
REFUND_SCHEMA = {"amount_cents": INTEGER, "refunded_on": TEXT, "reason": TEXT, "external_id": TEXT}
WRITE_OFF_SCHEMA = {"reason": TEXT, "written_off_on": TEXT}
VOID_SCHEMA = {"reason": TEXT}
REFUND_SENT_SCHEMA = {"sent_on": TEXT, "reference": TEXT}
CLAIM_SCHEMA = {"claimed_on": TEXT, "reason": TEXT, "channel": TEXT}
AS_OF_SCHEMA = {"as_of": TEXT}
PAYOUT_PAID_SCHEMA = {"paid_on": TEXT, "reference": TEXT}
MAX_LENGTHS = {"number": 100, "external_id": 200, "reference": 200}
"""The lengths of the columns these texts are stored in (and of the staff forms)."""


def _check_lengths(values: dict) -> None:
    """422 before a text too long for its column reaches the database (PostgreSQL refuses it)."""
    problems = {
        name: [f"At most {limit} characters."]
        for name, limit in MAX_LENGTHS.items()
        if len(values.get(name) or "") > limit
    }
    if problems:
        raise ApiError(422, "invalid", "Some fields are not valid.", problems)


def _answer(recorded):
    return jsonify(invoice_to_dict(recorded.invoice)), 201 if recorded.created else 200


@bp.post("/contracts/<int:contract_id>/invoices")
@api_auth(*MONEY_KEEPERS)
def create_invoice(contract_id: int):
    values = check_types(json_body(), INVOICE_SCHEMA)
    required_values(values, "number", "amount_cents", "currency")
    values["number"] = values["number"].strip()
    _check_lengths(values)
    if not values["number"]:
        raise ApiError(422, "invalid", "Some fields are not valid.", {"number": ["Required."]})
    data = InvoiceInput(
        number=values["number"],
        issue_date=date_value(values, "issue_date"),
        period_start=date_value(values, "period_start"),
        period_end=date_value(values, "period_end"),
        amount_cents=values["amount_cents"],
        commissionable_cents=values.get("commissionable_cents"),
        currency=values["currency"],
        external_id=values.get("external_id"),
    )
    return _answer(add_invoice(contract_id, data))


@bp.get("/invoices/<int:invoice_id>")
@api_auth(*STAFF)
def read_invoice(invoice_id: int):
    invoice = get_invoice(invoice_id)
    if invoice is None:
        raise ApiError(404, "not_found", "No such invoice.")
    return jsonify(invoice_to_dict(invoice))


@bp.post("/invoices/<int:invoice_id>/payments")
@api_auth(*MONEY_KEEPERS)
def create_payment(invoice_id: int):
    values = check_types(json_body(), PAYMENT_SCHEMA)
    required_values(values, "amount_cents")
    _check_lengths(values)
    paid_on = date_value(values, "paid_on")
    return _answer(
        record_payment(invoice_id, values["amount_cents"], paid_on, values.get("external_id"))
    )


@bp.post("/invoices/<int:invoice_id>/refunds")
@api_auth(*MONEY_KEEPERS)
def create_refund(invoice_id: int):
    values = check_types(
        json_body(),
        REFUND_SCHEMA,
    )
    required_values(values, "amount_cents")
    _check_lengths(values)
    refunded_on = date_value(values, "refunded_on")
    return _answer(
        record_refund(
            invoice_id,
            values["amount_cents"],
            refunded_on,
            values.get("reason"),
            values.get("external_id"),
        )
    )


@bp.post("/invoices/<int:invoice_id>/write-off")
@api_auth(*MONEY_KEEPERS)
def write_off_invoice(invoice_id: int):
    values = check_types(json_body(), WRITE_OFF_SCHEMA)
    written_off_on = date_value(values, "written_off_on")
    return jsonify(invoice_to_dict(write_off(invoice_id, values.get("reason", ""), written_off_on)))


@bp.post("/invoices/<int:invoice_id>/void")
@api_auth(*MONEY_KEEPERS)
def void_invoice(invoice_id: int):
    values = check_types(json_body(), VOID_SCHEMA)
    return jsonify(invoice_to_dict(void(invoice_id, values.get("reason", ""))))


@bp.post("/refunds/<int:refund_id>/mark-sent")
@api_auth(*MONEY_KEEPERS)
def refund_sent(refund_id: int):
    values = check_types(json_body(), REFUND_SENT_SCHEMA)
    _check_lengths(values)
    sent_on = date_value(values, "sent_on")
    return jsonify(
        invoice_to_dict(mark_refund_sent(refund_id, sent_on, values.get("reference", "")))
    )


@bp.post("/contracts/<int:contract_id>/guarantee-claims")
@api_auth(*MONEY_KEEPERS)
def create_claim(contract_id: int):
    values = check_types(json_body(), CLAIM_SCHEMA)
    claimed_on = date_value(values, "claimed_on")
    data = ClaimInput(
        claimed_on=claimed_on,
        reason=values.get("reason", ""),
        channel=values.get("channel", "email"),
    )
    return jsonify(claim_to_dict(file_claim(contract_id, data, g.api_user))), 201


@bp.get("/commissions")
@api_auth(*STAFF)
def list_commissions():
    filters, problems = parse_ledger_filters(request.args)
    query = ledger_query(filters, with_names=False)
    try:
        limit = clamp_limit(request.args.get("limit"))
    except ValueError as error:
        problems["limit"] = [str(error)]
    cursor = request.args.get("cursor")
    if cursor:
        if cursor.isascii() and cursor.isdigit() and int(cursor) < 2**31:
            query = query.where(CommissionEntry.id < int(cursor))
        else:
            problems["cursor"] = ["Not a cursor from this list."]
    if problems:
        raise ApiError(422, "invalid", "Some query parameters are not valid.", problems)
    rows = list(db.session.scalars(query.limit(limit + 1)))
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return jsonify({"items": [entry_to_dict(e) for e in rows[:limit]], "next_cursor": next_cursor})


@bp.post("/commissions/approve-due")
@api_auth(*MONEY_KEEPERS)
def approve_due_endpoint():
    values = check_types(json_body(may_be_empty=True), AS_OF_SCHEMA)
    as_of = date_value(values, "as_of", required=False)
    return jsonify({"approved": run_approve_due(as_of)})


@bp.post("/payouts")
@api_auth(*MONEY_KEEPERS)
def create_payout():
    values = check_types(json_body(may_be_empty=True), AS_OF_SCHEMA)
    as_of = date_value(values, "as_of", required=False)
    return jsonify(payout_to_dict(run_payouts(as_of, g.api_user))), 201


def _payout_or_404(payout_id: int):
    payout = get_payout(payout_id)
    if payout is None:
        raise ApiError(404, "not_found", "No such payout.")
    return payout


@bp.get("/payouts/<int:payout_id>")
@api_auth(*STAFF)
def read_payout(payout_id: int):
    return jsonify(payout_to_dict(_payout_or_404(payout_id)))


@bp.get("/payouts/<int:payout_id>.csv")
@api_auth(*STAFF)
def export_payout(payout_id: int):
    payout = _payout_or_404(payout_id)
    return csv_response(f"payout-{payout.id}.csv", PAYOUT_CSV_HEADER, list(payout_rows(payout)))


@bp.post("/payouts/<int:payout_id>/mark-paid")
@api_auth(*MONEY_KEEPERS)
def payout_paid(payout_id: int):
    values = check_types(json_body(), PAYOUT_PAID_SCHEMA)
    _check_lengths(values)
    paid_on = date_value(values, "paid_on")
    return jsonify(payout_to_dict(mark_paid(payout_id, paid_on, values.get("reference", ""))))
