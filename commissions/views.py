"""The commission ledger and payout runs in the dashboard."""

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

from auth.roles import ADMINS, MONEY_KEEPERS, STAFF, acting_user, roles_required
from commissions.forms import (
    AsOfForm,
    BalanceWriteOffForm,
    LineFailedForm,
    MarkPaidForm,
    line_form,
)
from commissions.models import EntryKind, EntryState, LineStatus
from commissions.payout_csv import PAYOUT_CSV_HEADER, payout_rows
from commissions.payouts import (
    cancel_payout,
    mark_line_failed,
    mark_line_paid,
    mark_paid,
    payout_actions,
    run_approve_due,
    run_payouts,
    write_off_balance,
)
from commissions.previews import paid_counts, paid_lines, run_counts
from commissions.queries import (
    ledger_query,
    parse_ledger_filters,
    payout_with_lines,
    recent_payouts,
)
from core.confirming import confirmation_page, confirmed
from core.downloads import csv_response
from core.extensions import db
from core.flashing import apply_change
from core.money import format_cents
from core.previews import dry_run
from core.service_errors import ServiceError
from core.time import iso_utc
from core.today import business_today
from referrals.services import referrers_with_codes

bp = Blueprint("money_referrals", __name__, url_prefix="/dashboard")
LEDGER_ROWS = 500
PAYOUT_ROWS = 200


@bp.get("/commissions")
@roles_required(*STAFF)
def ledger():
    filters, _errors = parse_ledger_filters(request.args)
    return render_template(
        "referrals/ledger.html",
        entries=list(db.session.scalars(ledger_query(filters).limit(LEDGER_ROWS))),
        referrers=referrers_with_codes(),
        filters=filters,
        csv_args=filters.filter_args(),
        states=list(EntryState),
        kinds=list(EntryKind),
        form=AsOfForm(as_of=business_today()),
        can_record=acting_user().has_role(*MONEY_KEEPERS),
    )


LEDGER_CSV_HEADER = [
    "id",
    "created_at",
    "referrer_id",
    "referrer",
    "client_id",
    "invoice_id",
    "kind",
    "bonus",
    "amount_cents",
    "state",
    "payout_id",
]


@bp.get("/commissions.csv")
@roles_required(*STAFF)
def ledger_csv():
    """Every matching entry (no page limit), as the ledger page filters them."""
    filters, _errors = parse_ledger_filters(request.args)
    query = ledger_query(filters).execution_options(yield_per=1000)

    def rows():
        for entry in db.session.scalars(query):
            yield [
                entry.id,
                iso_utc(entry.created_at),
                entry.referrer_id,
                entry.referrer.full_name,
                entry.client_id,
                entry.invoice_id,
                entry.kind.value,
                entry.for_bonus,
                entry.amount_cents,
                entry.state.value,
                entry.payout_id,
            ]

    return csv_response("commissions.csv", LEDGER_CSV_HEADER, rows())


@bp.post("/commissions/approve-due")
@roles_required(*MONEY_KEEPERS)
def approve_due():
    form = AsOfForm()
    if form.validate_on_submit():
        try:
            count = run_approve_due(form.as_of.data)
        except ServiceError as error:
            flash(str(error), "error")
        else:
            flash(f"Approved {count} {'entry' if count == 1 else 'entries'}.", "success")
    else:
        flash("Give a business date.", "error")
    return redirect(url_for(".ledger"))


@bp.get("/payouts")
@roles_required(*STAFF)
def payouts():
    return render_template(
        "referrals/payouts.html",
        payouts=recent_payouts(PAYOUT_ROWS),
        form=AsOfForm(as_of=business_today()),
        can_record=acting_user().has_role(*MONEY_KEEPERS),
    )


@bp.post("/payouts")
@roles_required(*MONEY_KEEPERS)
def create_payout():
    form = AsOfForm()
    if not form.validate_on_submit():
        flash("Give a business date.", "error")
        return redirect(url_for(".payouts"))
    if not confirmed():
        return _confirm_run(form.as_of.data)
    try:
        run = run_payouts(form.as_of.data, acting_user())
    except ServiceError as error:
        flash(str(error), "error")
        return redirect(url_for(".payouts"))
    lines = len(run.payout.lines)
    flash(f"Payout run created with {lines} {'line' if lines == 1 else 'lines'}.", "success")
    for referrer, cents in run.held:
        amount = format_cents(cents, current_app.config["CURRENCY"])
        flash(
            f"{referrer.full_name}'s {amount} is held: no tax form on file. Record it on "
            "their page; the next run pays it.",
            "error",
        )
    return redirect(url_for(".payout", payout_id=run.payout.id))


def _confirm_run(as_of):
    currency = current_app.config["CURRENCY"]
    try:
        _answer, effects = dry_run(
            lambda: run_payouts(as_of, acting_user()).payout, lambda payout: {}, counts=run_counts
        )
    except ServiceError as error:
        flash(str(error), "error")
        return redirect(url_for(".payouts"))
    lines, total = effects.get("lines"), format_cents(effects.get("total_cents"), currency)
    return confirmation_page(
        title="Run payouts?",
        words=[
            f"{lines} line{'s' if lines != 1 else ''}, {total} in all",
            *effects.sentence(currency),
        ],
        note="Every approved entry not yet in a run is taken into this one, per referrer.",
        confirm_label="Run payouts",
        cancel_url=url_for(".payouts"),
    )


def _confirm_paid(payout_id: int, change, title: str):
    currency = current_app.config["CURRENCY"]
    before = paid_lines(payout_id)
    try:
        _answer, effects = dry_run(
            change, lambda payout: {}, counts=lambda payout: paid_counts(payout, before)
        )
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash(str(error), "error")
        return redirect(url_for(".payout", payout_id=payout_id))
    lines, total = effects.get("lines"), format_cents(effects.get("total_cents"), currency)
    return confirmation_page(
        title=title,
        words=[
            f"mark {lines} line{'s' if lines != 1 else ''} paid, {total} in all",
            *effects.sentence(currency),
        ],
        confirm_label="Mark paid",
        cancel_url=url_for(".payout", payout_id=payout_id),
    )


@bp.get("/payouts/<int:payout_id>")
@roles_required(*STAFF)
def payout(payout_id: int):
    found = payout_with_lines(payout_id) or abort(404)
    today = business_today()
    open_lines = [line for line in found.lines if line.status == LineStatus.OPEN]
    return render_template(
        "referrals/payout.html",
        payout=found,
        form=MarkPaidForm(paid_on=today),
        line_forms={
            line.referrer_id: (
                line_form(MarkPaidForm, line.referrer_id, paid_on=today),
                line_form(LineFailedForm, line.referrer_id),
            )
            for line in open_lines
        },
        actions=payout_actions(found) if acting_user().has_role(*MONEY_KEEPERS) else frozenset(),
    )


@bp.get("/payouts/<int:payout_id>.csv")
@roles_required(*STAFF)
def payout_export(payout_id: int):
    found = payout_with_lines(payout_id) or abort(404)
    return csv_response(f"payout-{found.id}.csv", PAYOUT_CSV_HEADER, list(payout_rows(found)))


@bp.post("/payouts/<int:payout_id>/mark-paid")
@roles_required(*MONEY_KEEPERS)
def payout_paid(payout_id: int):
    form = MarkPaidForm()
    if form.validate_on_submit():
        change = partial(mark_paid, payout_id, form.paid_on.data, form.reference.data)
        if not confirmed():
            return _confirm_paid(payout_id, change, "Mark the whole run paid?")
        apply_change(change, "Payout marked paid; referrers are told.")
    else:
        flash("Give the date and the reference.", "error")
    return redirect(url_for(".payout", payout_id=payout_id))


@bp.post("/payouts/<int:payout_id>/lines/<int:referrer_id>/mark-paid")
@roles_required(*MONEY_KEEPERS)
def payout_line_paid(payout_id: int, referrer_id: int):
    form = line_form(MarkPaidForm, referrer_id)
    if form.validate_on_submit():
        change = partial(
            mark_line_paid, payout_id, referrer_id, form.paid_on.data, form.reference.data
        )
        if not confirmed():
            return _confirm_paid(payout_id, change, "Mark this line paid?")
        apply_change(change, "Line marked paid; the referrer is told.")
    else:
        flash("Give the date and the reference.", "error")
    return redirect(url_for(".payout", payout_id=payout_id))


@bp.post("/payouts/<int:payout_id>/lines/<int:referrer_id>/mark-failed")
@roles_required(*MONEY_KEEPERS)
def payout_line_failed(payout_id: int, referrer_id: int):
    form = line_form(LineFailedForm, referrer_id)
    if form.validate_on_submit():
        change = partial(mark_line_failed, payout_id, referrer_id, form.reason.data)
        apply_change(change, "Line marked failed; its commission goes to the next run.")
    else:
        flash("Say why the payment failed.", "error")
    return redirect(url_for(".payout", payout_id=payout_id))


@bp.post("/payouts/<int:payout_id>/cancel")
@roles_required(*MONEY_KEEPERS)
def payout_cancel(payout_id: int):
    apply_change(partial(cancel_payout, payout_id), "Run cancelled; its commission is released.")
    return redirect(url_for(".payout", payout_id=payout_id))


@bp.post("/referrers/<int:referrer_id>/write-off")
@roles_required(*ADMINS)
def balance_write_off(referrer_id: int):
    form = BalanceWriteOffForm()
    if form.validate_on_submit():
        change = partial(write_off_balance, referrer_id, form.reason.data, acting_user())
        apply_change(change, "Negative balance written off.")
    else:
        flash("Say why.", "error")
    return redirect(url_for("referrals_staff.referrer", referrer_id=referrer_id))
