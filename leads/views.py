"""The public "Hire Tech Talent" form."""

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from auth.ratelimit import public_write
from leads.forms import HireForm
from leads.quarantine import quarantine
from leads.rules import LeadSource, normalise_referral_code
from leads.services import UTM_FIELDS, Arrival, submit_lead
from leads.spam import is_stale, render_stamp, spam_reason

bp = Blueprint("leads_public", __name__)

ARRIVAL_KEY = "arrival"
REFERRAL_COOKIE = "ref"
"""Set by /r/<code> (referrals); a code in the form beats it."""
REFERRED_BY_KEY = "referred_by"
"""Set in the session by /r/<code> (referrals): `{"code", "first_name"}` of a valid code, so
the form can say who referred the visitor without this package asking referrals."""


def _referred_by(code: str | None) -> str | None:
    """The referrer's first name when the form carries the code /r/<code> vouched for."""
    stored = session.get(REFERRED_BY_KEY) or {}
    if code and stored.get("code") == code.upper():
        return stored.get("first_name") or ""
    return None


def remember_arrival() -> None:
    """Keep the landing page, the referrer and UTM tags until the form is sent."""
    utm = {key: request.args[key][:200] for key in UTM_FIELDS if request.args.get(key)}
    if ARRIVAL_KEY in session and not utm:
        return
    session[ARRIVAL_KEY] = {
        "landing_page": request.url[:2000],
        "http_referrer": (request.referrer or "")[:2000] or None,
        "utm": utm,
    }


def _arrival() -> Arrival:
    stored = session.get(ARRIVAL_KEY) or {}
    return Arrival(
        source=LeadSource.FORM,
        client_address=request.remote_addr,
        landing_page=stored.get("landing_page"),
        http_referrer=stored.get("http_referrer"),
        utm=stored.get("utm") or {},
        cookie_code=normalise_referral_code(request.cookies.get(REFERRAL_COOKIE)),
    )


@bp.get("/")
def home():
    return redirect(url_for("leads_public.hire"))


@bp.route("/hire", methods=["GET", "POST"])
@public_write
def hire():
    form = HireForm()
    if request.method == "GET":
        remember_arrival()
        form.rendered_at.data = render_stamp()
        form.referral_code.data = (request.args.get("ref") or "").upper()[:50] or None
        return _hire_page(form)
    if not form.validate():
        return _hire_page(form)
    if is_stale(form.rendered_at.data):
        # They filled it in already: sending again at once is not a bot's speed.
        form.rendered_at.data = render_stamp(time.time() - current_app.config["FORM_MIN_SECONDS"])
        flash("This page was open for more than a day. Check your details and send again.", "error")
        return _hire_page(form)
    data, arrival = form.lead_data(), _arrival()
    reason = spam_reason(form.nickname.data, form.rendered_at.data)
    if reason is not None:
        quarantine(data, reason, arrival)
    else:
        submit_lead(data, arrival)
    session.pop(ARRIVAL_KEY, None)
    return redirect(url_for("leads_public.thanks"))


def _hire_page(form: HireForm) -> str:
    code = form.referral_code.data
    return render_template("leads/hire.html", form=form, referred_by=_referred_by(code))


@bp.get("/hire/thanks")
def thanks():
    return render_template(
        "leads/thanks.html",
        reply_within_hours=current_app.config["REPLY_WITHIN_HOURS"],
        booking_url=current_app.config["BOOKING_URL"],
    )
