"""Staff pages of the program: referrers and their decisions, lead attribution changes, and
the program settings."""

from functools import partial

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from auth.roles import ADMINS, MONEY_KEEPERS, STAFF, acting_user, roles_required
from commissions.forms import BalanceWriteOffForm
from commissions.ledger import balance_cents
from commissions.payout_csv import PAID_BY_YEAR_CSV_HEADER, paid_by_year_rows
from commissions.queries import PaidYearQuery, paid_by_year, referrer_ledger
from core.confirming import confirmation_page, confirmed
from core.downloads import csv_response
from core.extensions import db
from core.flashing import apply_change
from core.labels import label
from core.previews import dry_run
from core.query_models import parse_query
from core.service_errors import ServiceError
from core.time import iso_utc
from core.today import business_today
from leads.forms import options
from referrals.forms import AttributionForm, ProgramSettingsForm, RateOverrideForm, TaxFormForm
from referrals.models import Referrer, ReferrerStatus
from referrals.portal import referrals_of
from referrals.queries import ReferrerQuery, referrer_search
from referrals.services import (
    DECISIONS,
    PAST_TENSE,
    change_attribution,
    decide,
    record_tax_form,
    referrer_page,
    set_rate_override,
)
from referrals.settings import ProgramTerms, current_terms, save_terms

bp = Blueprint("referrals_staff", __name__, url_prefix="/dashboard")

STATUS_ORDER = sa.case(
    {ReferrerStatus.PENDING: 0, ReferrerStatus.ACTIVE: 1, ReferrerStatus.SUSPENDED: 2},
    value=Referrer.status,
    else_=3,
)


def referrer_choices() -> list[tuple[str, str]]:
    active = db.session.scalars(
        sa.select(Referrer)
        .where(Referrer.status == ReferrerStatus.ACTIVE)
        .order_by(Referrer.last_name, Referrer.first_name)
    )
    return [("", "Nobody")] + [(str(r.id), f"{r.full_name} · {r.company}") for r in active]


def attribution_form() -> AttributionForm:
    form = AttributionForm()
    form.referrer_id.choices = options(referrer_choices())
    return form


@bp.get("/referrers")
@roles_required(*STAFF)
def referrers():
    q = parse_query(ReferrerQuery, request.args)[0].q
    query = sa.select(Referrer).order_by(STATUS_ORDER, Referrer.created_at.desc())
    if q:
        query = query.where(referrer_search(q))
    return render_template(
        "referrals/referrers.html",
        referrers=list(db.session.scalars(query)),
        q=q,
        this_year=business_today().year,
    )


REFERRERS_CSV_HEADER = [
    "id",
    "status",
    "code",
    "first_name",
    "last_name",
    "email",
    "company",
    "relationship",
    "payout_email",
    "created_at",
]


@bp.get("/referrers.csv")
@roles_required(*STAFF)
def referrers_csv():
    query = sa.select(Referrer).order_by(STATUS_ORDER, Referrer.created_at.desc())
    rows = [
        [
            r.id,
            r.status.value,
            r.code,
            r.first_name,
            r.last_name,
            r.email,
            r.company,
            r.relationship.value,
            r.payout_email,
            iso_utc(r.created_at),
        ]
        for r in db.session.scalars(query)
    ]
    return csv_response("referrers.csv", REFERRERS_CSV_HEADER, rows)


@bp.get("/referrers/paid-by-year.csv")
@roles_required(*STAFF)
def paid_by_year_csv():
    """SPEC §16's yearly totals, as GET /api/v1/referrers/paid-by-year.csv gives them."""
    query, errors = parse_query(PaidYearQuery, request.args)
    if errors:
        abort(422)
    rows = paid_by_year_rows(query.year)
    return csv_response(f"paid-{query.year}.csv", PAID_BY_YEAR_CSV_HEADER, rows)


@bp.get("/referrers/<int:referrer_id>")
@roles_required(*STAFF)
def referrer(referrer_id: int):
    found = referrer_page(referrer_id) or abort(404)
    return render_template(
        "referrals/referrer.html",
        referrer=found,
        referrals=referrals_of(found),
        actions=[name for name, (allowed, _) in DECISIONS.items() if found.status in allowed],
        can_decide=acting_user().has_role(*MONEY_KEEPERS),
        balance=balance_cents(found.id),
        paid_by_year=paid_by_year([found.id])[found.id],
        entries=referrer_ledger(found.id),
        can_write_off=acting_user().has_role(*ADMINS),
        write_off_form=BalanceWriteOffForm(),
        rate_form=RateOverrideForm(rate=found.rate_bp),
        tax_form=TaxFormForm(tax_form_on_file_on=found.tax_form_on_file_on),
    )


@bp.post("/referrers/<int:referrer_id>/rate")
@roles_required(*ADMINS)
def rate_override(referrer_id: int):
    form = RateOverrideForm()
    if form.validate_on_submit():
        change = partial(set_rate_override, referrer_id, form.rate.data)
        apply_change(change, "Rate saved; it applies to this referrer's next referrals.")
    else:
        flash(" ".join(form.rate.errors) or "Give a rate.", "error")
    return redirect(url_for(".referrer", referrer_id=referrer_id))


@bp.post("/referrers/<int:referrer_id>/tax-form")
@roles_required(*MONEY_KEEPERS)
def tax_form(referrer_id: int):
    form = TaxFormForm()
    if form.validate_on_submit():
        on_file_on = form.tax_form_on_file_on.data
        change = partial(record_tax_form, referrer_id, on_file_on, business_today())
        apply_change(change, "Tax form on file." if on_file_on else "Tax form marked not on file.")
    else:
        flash(" ".join(form.tax_form_on_file_on.errors) or "Give a date.", "error")
    return redirect(url_for(".referrer", referrer_id=referrer_id))


@bp.post("/referrers/<int:referrer_id>/<any(approve, reject, suspend, reactivate):action>")
@roles_required(*MONEY_KEEPERS)
def decide_referrer(referrer_id: int, action: str):
    decision = partial(decide, referrer_id, action, acting_user())
    if action in CONFIRMED_DECISIONS and not confirmed():
        return _confirm(
            decision,
            CONFIRMED_DECISIONS[action],
            url_for(".referrer", referrer_id=referrer_id),
            f"{action.capitalize()} the referrer",
        )
    apply_change(decision, f"Referrer {PAST_TENSE[action]}.")
    return redirect(url_for(".referrer", referrer_id=referrer_id))


CONFIRMED_DECISIONS = {
    "reject": ("Reject this referrer?", "They get no code and are told by email."),
    "suspend": (
        "Suspend this referrer?",
        "Their code stops attributing new leads and their commission waits until reactivated.",
    ),
}


def _confirm(change, wording: tuple[str, str], back: str, label: str):
    """The confirmation step of a referrer decision or an attribution change."""
    title, note = wording
    try:
        _answer, effects = dry_run(change, lambda result: {})
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash(str(error), "error")
        return redirect(back)
    return confirmation_page(
        title=title,
        note=note,
        words=effects.sentence(current_app.config["CURRENCY"]),
        confirm_label=label,
        cancel_url=back,
    )


@bp.post("/leads/<int:lead_id>/attribution")
@roles_required(*MONEY_KEEPERS)
def attribution(lead_id: int):
    form = attribution_form()
    if not form.validate_on_submit():
        flash(" ".join(sum(form.errors.values(), [])), "error")
        return redirect(url_for("leads_staff.detail", lead_id=lead_id))
    referrer_id = int(form.referrer_id.data) if form.referrer_id.data else None
    if not confirmed():
        change = partial(
            change_attribution,
            lead_id,
            referrer_id,
            form.reason.data,
            acting_user(),
            business_today(),
        )
        wording = (
            "Change the attribution?",
            "The referrer named now earns this lead's commission; the one before is told.",
        )
        return _confirm(
            change, wording, url_for("leads_staff.detail", lead_id=lead_id), "Change it"
        )
    try:
        _, warnings = change_attribution(
            lead_id, referrer_id, form.reason.data, acting_user(), business_today()
        )
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash(str(error), "error")
    else:
        flash("Attribution changed.", "success")
        if warnings:
            said = ", ".join(label(warning).lower() for warning in warnings)
            flash(f"Note: the refusal rules would say {said}.", "info")
    return redirect(url_for("leads_staff.detail", lead_id=lead_id))


@bp.route("/settings/program", methods=["GET", "POST"])
@roles_required(*ADMINS)
def program_settings():
    form = ProgramSettingsForm.showing(vars(current_terms()))
    if form.validate_on_submit():
        save_terms(ProgramTerms(**form.terms()), acting_user())
        flash("Program settings saved. They apply to attributions from now on.", "success")
        return redirect(url_for(".program_settings"))
    return render_template("referrals/settings.html", form=form)
