"""Public pages of the program: /referral-program and /r/<code>."""

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    session,
    url_for,
)

from auth.ratelimit import public_write
from leads.views import REFERRAL_COOKIE, REFERRED_BY_KEY
from referrals.forms import ReferrerSignUpForm
from referrals.services import referrer_for_code, sign_up
from referrals.settings import current_terms

bp = Blueprint("referrals_public", __name__)

REFERRAL_COOKIE_DAYS = 90


@bp.route("/referral-program", methods=["GET", "POST"])
@public_write
def program():
    form = ReferrerSignUpForm()
    if form.validate_on_submit():
        sign_up(form.referrer_data())
        return redirect(url_for(".signed_up"))
    return render_template("referrals/program.html", form=form, terms=current_terms())


@bp.get("/referral-program/thanks")
def signed_up():
    return render_template("referrals/signed_up.html")


@bp.get("/r/<code>")
def referral_link(code: str):
    """A known code sets the 90-day first-party cookie, and tells the hire form (through the
    session) whose code it is; an unknown one sets nothing."""
    referrer = referrer_for_code(code)
    if referrer is None:
        return redirect(url_for("leads_public.hire"))
    session[REFERRED_BY_KEY] = {"code": referrer.code, "first_name": referrer.first_name}
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
