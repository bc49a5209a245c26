"""The referrer portal (SPEC §3): emailed sign-in links, the referrer's referrals, earnings and
payouts, and referring a company. It composes referrals and commissions, so it sits above both."""

from functools import wraps

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from auth.ratelimit import public_write
from commissions.ledger import balance_cents, payout_lines_of, portal_ledger
from commissions.queries import paid_by_year
from core.audit import Actor, act_as
from core.service_errors import ServiceError
from core.today import business_today
from referrals.forms import PortalSignInForm, ReferCompanyForm
from referrals.portal import (
    REFERRALS_PER_DAY,
    SESSION_COOKIE,
    SESSION_DAYS,
    end_portal_session,
    redeem,
    refer_company,
    referrals_of,
    referrer_from_session,
    request_sign_in,
    stage,
    start_portal_session,
    token_is_usable,
)
from referrals.settings import current_terms

bp = Blueprint("portal", __name__, url_prefix="/portal")


def portal_login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.referrer = referrer_from_session(request.cookies.get(SESSION_COOKIE))
        if g.referrer is None:
            return redirect(url_for("portal.sign_in"))
        act_as(Actor("referrer", g.referrer.id, g.referrer.email))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/sign-in", methods=["GET", "POST"])
@public_write
def sign_in():
    form = PortalSignInForm()
    if form.validate_on_submit():
        request_sign_in(form.email.data)
        return render_template("referrals/portal_link_sent.html")
    return render_template("referrals/portal_sign_in.html", form=form)


@bp.route("/sign-in/<token>", methods=["GET", "POST"])
def confirm_sign_in(token: str):
    """GET only shows a button (mail scanners open links); the POST uses the token up."""
    if request.method == "GET":
        return render_template("referrals/portal_confirm.html", usable=token_is_usable(token))
    referrer = redeem(token)
    if referrer is None:
        return render_template("referrals/portal_confirm.html", usable=False), 410
    response = redirect(url_for("portal.home"))
    response.set_cookie(
        SESSION_COOKIE,
        start_portal_session(referrer),
        max_age=SESSION_DAYS * 86_400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.post("/sign-out")
def sign_out():
    end_portal_session(request.cookies.get(SESSION_COOKIE))
    response = redirect(url_for("portal.sign_in"))
    response.delete_cookie(SESSION_COOKIE)
    return response


def _portal_page(form: ReferCompanyForm):
    referrer = g.referrer
    return render_template(
        "referrals/portal.html",
        referrer=referrer,
        referrals=[(lead, stage(lead, referrer.id)) for lead in referrals_of(referrer)],
        form=form,
        per_day=REFERRALS_PER_DAY,
        terms=current_terms(),
        ledger=portal_ledger(referrer.id, business_today()),
        balance=balance_cents(referrer.id),
        paid_by_year=paid_by_year([referrer.id])[referrer.id],
        payouts=payout_lines_of(referrer.id),
    )


@bp.get("")
@portal_login_required
def home():
    return _portal_page(ReferCompanyForm())


@bp.post("/refer")
@portal_login_required
def refer():
    form = ReferCompanyForm()
    if form.validate_on_submit():
        try:
            refer_company(g.referrer, form.data)
        except ServiceError as error:
            flash(str(error), "error")
        else:
            flash(f"Thank you: we received your referral of {form.company.data}.", "success")
            return redirect(url_for("portal.home"))
    return _portal_page(form)
