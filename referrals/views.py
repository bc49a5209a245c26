"""Public pages of the program: /referral-program, /r/<code>, and the referrer portal."""

from functools import wraps

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from core.ratelimit import public_write
from core.service_errors import ServiceError
from referrals.codes import normalise_code
from referrals.forms import PortalSignInForm, ReferCompanyForm, ReferrerSignUpForm
from referrals.ledger import balance_cents
from referrals.portal import (
    REFERRALS_PER_DAY,
    SESSION_COOKIE,
    SESSION_DAYS,
    payout_lines_of,
    portal_ledger,
    redeem,
    refer_company,
    referrals_of,
    referrer_from_session,
    request_sign_in,
    session_value,
    stage,
    token_is_usable,
)
from referrals.services import referrer_for_code, sign_up
from referrals.settings import current_terms

bp = Blueprint("referrals_public", __name__)
portal_bp = Blueprint("portal", __name__, url_prefix="/portal")

REFERRAL_COOKIE = "ref"
REFERRAL_COOKIE_DAYS = 90


@bp.route("/referral-program", methods=["GET", "POST"])
@public_write
def program():
    form = ReferrerSignUpForm()
    if form.validate_on_submit():
        try:
            sign_up(form.referrer_data())
        except ServiceError as error:
            form.email.errors.append(str(error))
        else:
            return redirect(url_for(".signed_up"))
    return render_template("referrals/program.html", form=form, terms=current_terms())


@bp.get("/referral-program/thanks")
def signed_up():
    return render_template("referrals/signed_up.html")


@bp.get("/r/<code>")
def referral_link(code: str):
    """A known code sets the 90-day first-party cookie; an unknown one sets nothing."""
    referrer = referrer_for_code(code)
    if referrer is None:
        return redirect(url_for("leads_public.hire"))
    response = redirect(url_for("leads_public.hire", ref=referrer.code))
    response.set_cookie(
        REFERRAL_COOKIE,
        referrer.code,
        max_age=REFERRAL_COOKIE_DAYS * 86_400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def referral_cookie_code() -> str | None:
    return normalise_code(request.cookies.get(REFERRAL_COOKIE))


def portal_login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.referrer = referrer_from_session(request.cookies.get(SESSION_COOKIE))
        if g.referrer is None:
            return redirect(url_for("portal.sign_in"))
        return view(*args, **kwargs)

    return wrapped


@portal_bp.route("/sign-in", methods=["GET", "POST"])
@public_write
def sign_in():
    form = PortalSignInForm()
    if form.validate_on_submit():
        request_sign_in(form.email.data)
        return render_template("referrals/portal_link_sent.html")
    return render_template("referrals/portal_sign_in.html", form=form)


@portal_bp.route("/sign-in/<token>", methods=["GET", "POST"])
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
        session_value(referrer),
        max_age=SESSION_DAYS * 86_400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@portal_bp.post("/sign-out")
def sign_out():
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
        ledger=portal_ledger(referrer),
        balance=balance_cents(referrer.id),
        payouts=payout_lines_of(referrer),
    )


@portal_bp.get("")
@portal_login_required
def home():
    return _portal_page(ReferCompanyForm())


@portal_bp.post("/refer")
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
