"""Invoices, payments, refunds, claims, commissions and payouts under /api/v1 (SPEC §8)."""

from functools import partial

from flask import current_app, g, jsonify

from api.auth import api_auth
from api.blueprint import bp
from api.bodies import (
    AsOfIn,
    ClaimIn,
    InvoiceIn,
    PaymentIn,
    PayoutFailedIn,
    PayoutPaidIn,
    RefundIn,
    RefundSentIn,
    VoidIn,
    WriteOffIn,
    parse_body,
)
from api.errors import ApiError
from api.parsing import dry_run_requested, list_answer, preview_answer, query_of
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
from billing.queries import InvoiceQuery, invoice_list_page
from billing.serialize import claim_to_dict, invoice_to_dict
from commissions.models import CommissionEntry
from commissions.payout_csv import (
    PAID_BY_YEAR_CSV_HEADER,
    PAYOUT_CSV_HEADER,
    paid_by_year_rows,
    payout_rows,
)
from commissions.payouts import (
    cancel_payout,
    get_payout,
    mark_line_failed,
    mark_line_paid,
    mark_paid,
    run_approve_due,
    run_payouts,
)
from commissions.previews import (
    paid_counts,
    paid_lines,
    preview_claim,
    run_counts,
)
from commissions.queries import LedgerQuery, PaidYearQuery, ledger_query
from commissions.serialize import entry_to_dict, payout_to_dict
from core.downloads import csv_response
from core.extensions import db
from core.previews import dry_run
from core.today import business_today


def _answer(recorded):
    return jsonify(invoice_to_dict(recorded.invoice)), 201 if recorded.created else 200


@bp.post("/contracts/<int:contract_id>/invoices")
@api_auth(*MONEY_KEEPERS)
def create_invoice(contract_id: int):
    body = parse_body(InvoiceIn)
    if not body.number.strip():
        raise ApiError(422, "invalid", "Some fields are not valid.", {"number": ["Required."]})
    data = InvoiceInput(
        number=body.number.strip(),
        issue_date=body.issue_date,
        period_start=body.period_start,
        period_end=body.period_end,
        amount_cents=body.amount_cents,
        commissionable_cents=body.commissionable_cents,
        currency=body.currency,
        external_id=body.external_id,
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
    body = parse_body(PaymentIn)
    return _answer(record_payment(invoice_id, body.amount_cents, body.paid_on, body.external_id))


@bp.post("/invoices/<int:invoice_id>/refunds")
@api_auth(*MONEY_KEEPERS)
def create_refund(invoice_id: int):
    body = parse_body(RefundIn)
    return _answer(
        record_refund(
            invoice_id, body.amount_cents, body.refunded_on, body.reason, body.external_id
        )
    )


@bp.post("/invoices/<int:invoice_id>/write-off")
@api_auth(*MONEY_KEEPERS)
def write_off_invoice(invoice_id: int):
    body = parse_body(WriteOffIn)
    action = partial(write_off, invoice_id, body.reason, body.written_off_on)
    if dry_run_requested():
        return _invoice_preview(action)
    return jsonify(invoice_to_dict(action()))


def _invoice_preview(action):
    answer, effects = dry_run(action, invoice_to_dict)
    return preview_answer(answer, effects.as_dict("commission_reversed_cents"))


@bp.get("/invoices")
@api_auth(*STAFF)
def list_invoices():
    query = query_of(InvoiceQuery)
    overdue_days = current_app.config["INVOICE_OVERDUE_DAYS"]
    invoices, next_cursor = invoice_list_page(query, business_today(), overdue_days)
    items = [invoice_to_dict(invoice) for invoice in invoices]
    return list_answer(items, next_cursor)


@bp.post("/invoices/<int:invoice_id>/void")
@api_auth(*MONEY_KEEPERS)
def void_invoice(invoice_id: int):
    body = parse_body(VoidIn)
    action = partial(void, invoice_id, body.reason)
    if dry_run_requested():
        return _invoice_preview(action)
    return jsonify(invoice_to_dict(action()))


@bp.post("/refunds/<int:refund_id>/mark-sent")
@api_auth(*MONEY_KEEPERS)
def refund_sent(refund_id: int):
    body = parse_body(RefundSentIn)
    return jsonify(invoice_to_dict(mark_refund_sent(refund_id, body.sent_on, body.reference)))


@bp.post("/contracts/<int:contract_id>/guarantee-claims")
@api_auth(*MONEY_KEEPERS)
def create_claim(contract_id: int):
    body = parse_body(ClaimIn)
    data = ClaimInput(claimed_on=body.claimed_on, reason=body.reason, channel=body.channel)
    if dry_run_requested():
        answer, effects = preview_claim(contract_id, data, g.api_user)
        names = ("invoices_voided", "refunds_due_cents", "commission_reversed_cents")
        return preview_answer(answer, effects.as_dict(*names))
    return jsonify(claim_to_dict(file_claim(contract_id, data, g.api_user))), 201


@bp.get("/commissions")
@api_auth(*STAFF)
def list_commissions():
    filters = query_of(LedgerQuery)
    query = ledger_query(filters, with_names=False)
    if filters.cursor is not None:
        query = query.where(CommissionEntry.id < filters.cursor)
    rows = list(db.session.scalars(query.limit(filters.limit + 1)))
    next_cursor = str(rows[filters.limit - 1].id) if len(rows) > filters.limit else None
    items = [entry_to_dict(entry) for entry in rows[: filters.limit]]
    return list_answer(items, next_cursor)


@bp.post("/commissions/approve-due")
@api_auth(*MONEY_KEEPERS)
def approve_due_endpoint():
    body = parse_body(AsOfIn, may_be_empty=True)
    return jsonify({"approved": run_approve_due(body.as_of)})


@bp.post("/payouts")
@api_auth(*MONEY_KEEPERS)
def create_payout():
    body = parse_body(AsOfIn, may_be_empty=True)
    if dry_run_requested():
        answer, effects = dry_run(
            lambda: run_payouts(body.as_of, g.api_user).payout,
            payout_to_dict,
            counts=run_counts,
        )
        return preview_answer(answer, effects.as_dict("lines", "total_cents"))
    return jsonify(payout_to_dict(run_payouts(body.as_of, g.api_user).payout)), 201


def _payout_or_404(payout_id: int):
    payout = get_payout(payout_id)
    if payout is None:
        raise ApiError(404, "not_found", "No such payout.")
    return payout


@bp.get("/payouts/<int:payout_id>")
@api_auth(*STAFF)
def read_payout(payout_id: int):
    return jsonify(payout_to_dict(_payout_or_404(payout_id)))


@bp.get("/referrers/paid-by-year.csv")
@api_auth(*STAFF)
def export_paid_by_year():
    year = query_of(PaidYearQuery).year
    rows = list(paid_by_year_rows(year))
    return csv_response(f"paid-{year}.csv", PAID_BY_YEAR_CSV_HEADER, rows)


@bp.get("/payouts/<int:payout_id>.csv")
@api_auth(*STAFF)
def export_payout(payout_id: int):
    payout = _payout_or_404(payout_id)
    return csv_response(f"payout-{payout.id}.csv", PAYOUT_CSV_HEADER, list(payout_rows(payout)))


@bp.post("/payouts/<int:payout_id>/mark-paid")
@api_auth(*MONEY_KEEPERS)
def payout_paid(payout_id: int):
    body = parse_body(PayoutPaidIn)
    action = partial(mark_paid, payout_id, body.paid_on, body.reference)
    if dry_run_requested():
        return _paid_preview(payout_id, action)
    return jsonify(payout_to_dict(action()))


def _paid_preview(payout_id: int, action):
    before = paid_lines(payout_id)
    answer, effects = dry_run(
        action, payout_to_dict, counts=lambda payout: paid_counts(payout, before)
    )
    return preview_answer(answer, effects.as_dict("lines", "total_cents"))


@bp.post("/payouts/<int:payout_id>/lines/<int:referrer_id>/mark-paid")
@api_auth(*MONEY_KEEPERS)
def payout_line_paid(payout_id: int, referrer_id: int):
    body = parse_body(PayoutPaidIn)
    action = partial(mark_line_paid, payout_id, referrer_id, body.paid_on, body.reference)
    if dry_run_requested():
        return _paid_preview(payout_id, action)
    return jsonify(payout_to_dict(action()))


@bp.post("/payouts/<int:payout_id>/lines/<int:referrer_id>/mark-failed")
@api_auth(*MONEY_KEEPERS)
def payout_line_failed(payout_id: int, referrer_id: int):
    body = parse_body(PayoutFailedIn)
    return jsonify(payout_to_dict(mark_line_failed(payout_id, referrer_id, body.reason)))


@bp.post("/payouts/<int:payout_id>/cancel")
@api_auth(*MONEY_KEEPERS)
def payout_cancel(payout_id: int):
    return jsonify(payout_to_dict(cancel_payout(payout_id)))
