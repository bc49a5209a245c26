"""Finance records invoices, payments, refunds, write-offs, voids and guarantee claims;
everyone on staff reads them."""

from functools import partial

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
from billing.claims import ClaimInput, file_claim
from billing.forms import (
    ClaimForm,
    InvoiceForm,
    PaymentForm,
    RefundForm,
    RefundSentForm,
    VoidForm,
    WriteOffForm,
)
from billing.invoices import (
    InvoiceInput,
    add_invoice,
    mark_refund_sent,
    record_payment,
    record_refund,
    void,
    write_off,
)
from billing.models import Refund
from billing.queries import CLAIM_ROWS, claims_for_list, invoice_page
from billing.rules import invoice_actions
from billing.serialize import invoice_to_dict
from commissions.ledger import invoice_entries
from commissions.previews import preview_claim
from core.confirming import confirmation_page, confirmed
from core.downloads import csv_response
from core.extensions import db
from core.flashing import apply_change, flash_form_errors
from core.previews import INVOICES_VOIDED, dry_run
from core.service_errors import ServiceError
from core.today import business_today

bp = Blueprint("money_staff", __name__, url_prefix="/dashboard")


@bp.post("/contracts/<int:contract_id>/invoices")
@roles_required(*MONEY_KEEPERS)
def create_invoice(contract_id: int):
    form = InvoiceForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("billing_staff.contract", contract_id=contract_id))
    data = InvoiceInput(
        number=form.number.data.strip(),
        issue_date=form.issue_date.data,
        period_start=form.period_start.data,
        period_end=form.period_end.data,
        amount_cents=form.amount.cents,
        commissionable_cents=form.commissionable.data,
        currency=current_app.config["CURRENCY"],
        external_id=form.external_id.data or None,
    )
    try:
        recorded = add_invoice(contract_id, data)
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash(str(error), "error")
        return redirect(url_for("billing_staff.contract", contract_id=contract_id))
    flash("Invoice recorded.", "success")
    return redirect(url_for(".invoice", invoice_id=recorded.invoice.id))


@bp.get("/invoices/<int:invoice_id>")
@roles_required(*STAFF)
def invoice(invoice_id: int):
    found = invoice_page(invoice_id) or abort(404)
    today = business_today()
    return render_template(
        "billing/invoice.html",
        invoice=found,
        actions=invoice_actions(found.status.value, found.net_paid_cents),
        entries=invoice_entries(found.id),
        payment_form=PaymentForm(paid_on=today, amount=found.still_owed_cents or None),
        refund_form=RefundForm(refunded_on=today),
        write_off_form=WriteOffForm(written_off_on=today),
        void_form=VoidForm(),
        sent_form=RefundSentForm(sent_on=today),
        can_record=acting_user().has_role(*MONEY_KEEPERS),
    )


def _back(invoice_id: int):
    return redirect(url_for(".invoice", invoice_id=invoice_id))


@bp.post("/invoices/<int:invoice_id>/payments")
@roles_required(*MONEY_KEEPERS)
def create_payment(invoice_id: int):
    form = PaymentForm()
    if form.validate_on_submit():
        change = partial(record_payment, invoice_id, form.amount.cents, form.paid_on.data)
        apply_change(change, "Payment recorded.")
    else:
        flash_form_errors(form)
    return _back(invoice_id)


@bp.post("/invoices/<int:invoice_id>/refunds")
@roles_required(*MONEY_KEEPERS)
def create_refund(invoice_id: int):
    form = RefundForm()
    if form.validate_on_submit():
        change = partial(
            record_refund,
            invoice_id,
            form.amount.cents,
            form.refunded_on.data,
            form.reason.data or None,
        )
        apply_change(change, "Refund recorded.")
    else:
        flash_form_errors(form)
    return _back(invoice_id)


@bp.post("/invoices/<int:invoice_id>/write-off")
@roles_required(*MONEY_KEEPERS)
def create_write_off(invoice_id: int):
    form = WriteOffForm()
    if form.validate_on_submit():
        change = partial(write_off, invoice_id, form.reason.data, form.written_off_on.data)
        if not confirmed():
            return _confirm_invoice_action(
                invoice_id,
                change,
                "Write off the remainder?",
                "Write it off",
                "write off what is still owed on invoice {number}",
            )
        apply_change(change, "Remainder written off.")
    else:
        flash_form_errors(form)
    return _back(invoice_id)


def _confirm_invoice_action(invoice_id: int, change, title: str, label: str, what: str):
    try:
        answer, effects = dry_run(change, invoice_to_dict)
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash(str(error), "error")
        return _back(invoice_id)
    reversed_cents = effects.get("commission_reversed_cents")
    words = [
        what.format(number=answer["number"]),
        *effects.sentence(_currency(), leaving_out=(INVOICES_VOIDED,)),
    ]
    if not reversed_cents:
        words.insert(1, "no commission changes")
    return confirmation_page(
        title=title,
        words=words,
        confirm_label=label,
        cancel_url=url_for(".invoice", invoice_id=invoice_id),
    )


@bp.post("/invoices/<int:invoice_id>/void")
@roles_required(*MONEY_KEEPERS)
def void_invoice(invoice_id: int):
    form = VoidForm()
    if form.validate_on_submit():
        change = partial(void, invoice_id, form.reason.data)
        if not confirmed():
            return _confirm_invoice_action(
                invoice_id, change, "Void the invoice?", "Void it", "void invoice {number}"
            )
        apply_change(change, "Invoice voided.")
    else:
        flash_form_errors(form)
    return _back(invoice_id)


@bp.post("/refunds/<int:refund_id>/mark-sent")
@roles_required(*MONEY_KEEPERS)
def refund_sent(refund_id: int):
    refund = db.session.get(Refund, refund_id) or abort(404)
    form = RefundSentForm()
    if form.validate_on_submit():
        change = partial(mark_refund_sent, refund_id, form.sent_on.data, form.reference.data)
        apply_change(change, "Refund recorded as sent.")
    else:
        flash_form_errors(form)
    if request.form.get("back") == "refunds":
        return redirect(url_for("invoice_lists.refunds"))
    return _back(refund.invoice_id)


@bp.post("/contracts/<int:contract_id>/guarantee-claims")
@roles_required(*MONEY_KEEPERS)
def create_claim(contract_id: int):
    form = ClaimForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        data = ClaimInput(
            claimed_on=form.claimed_on.data, reason=form.reason.data, channel=form.channel.data
        )
        if not confirmed():
            return _confirm_claim(contract_id, data)
        try:
            file_claim(contract_id, data, acting_user())
        except ServiceError as error:
            if error.code == "not_found":
                abort(404)
            flash(
                f"Claim rejected ({error.code}): {error}"
                if "claim_id" in error.extra
                else str(error),
                "error",
            )
        else:
            flash("Claim accepted: invoices voided, refunds due, contract terminated.", "success")
    return redirect(url_for("billing_staff.contract", contract_id=contract_id))


def _confirm_claim(contract_id: int, data: ClaimInput):
    back = url_for("billing_staff.contract", contract_id=contract_id)
    try:
        _answer, effects = preview_claim(contract_id, data, acting_user())
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        if "claim_id" not in error.extra:
            flash(str(error), "error")
            return redirect(back)
        return confirmation_page(
            title="This claim will be rejected",
            note=f"{error} The claim is kept on record as rejected; nothing else changes.",
            words=["record the claim as rejected"],
            confirm_label="Record the rejected claim",
            cancel_url=back,
        )
    return confirmation_page(
        title="Accept the guarantee claim?",
        note="The contract ends free of charge and every invoice is voided.",
        words=[f"end contract #{contract_id}", *effects.sentence(_currency())],
        confirm_label="Accept the claim",
        cancel_url=back,
    )


def _currency() -> str:
    return current_app.config["CURRENCY"]


@bp.get("/claims")
@roles_required(*STAFF)
def claims():
    rows = db.session.scalars(claims_for_list().limit(CLAIM_ROWS))
    return render_template("billing/claims.html", claims=list(rows))


CLAIMS_CSV_HEADER = [
    "id",
    "contract_id",
    "client_id",
    "status",
    "rejection_code",
    "claimed_on",
    "channel",
    "reason",
    "entered_by",
]


@bp.get("/claims.csv")
@roles_required(*STAFF)
def claims_csv():
    query = claims_for_list()
    rows = [
        [
            c.id,
            c.contract_id,
            c.client_id,
            c.status.value,
            c.rejection_code,
            c.claimed_on.isoformat(),
            c.channel.value,
            c.reason,
            c.entered_by.email if c.entered_by else None,
        ]
        for c in db.session.scalars(query)
    ]
    return csv_response("claims.csv", CLAIMS_CSV_HEADER, rows)
