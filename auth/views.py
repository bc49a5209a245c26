"""Staff login and logout. Failed logins are throttled per account and per address."""

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from auth.forms import CodeForm, LoginForm
from auth.mfa import second_factor_accepted
from auth.models import User
from auth.services import authenticate, normalise_email, record_failed_sign_in
from auth.sessions import end_session, start_session, user_for_session
from core.extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 300
"""After a right password, the code is awaited this long before the password is asked again."""
WRONG_CODE = "That code is not valid, or it was already used."


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_key() -> str:
    return "login-account:" + normalise_email(request.form.get("email", ""))


def _failed(_response) -> bool:
    return g.get("login_failed", False)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, not protocol-relative, no backslash, no
    control character (CR/LF would split the Location header)."""
    if (
        not target
        or any(ord(char) < 32 for char in target)
        or "\\" in target
        or not target.startswith("/")
        or target.startswith("//")
    ):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, scope="login-address")
@limiter.limit(
    _login_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed, scope="login"
)
def login():
    next_path = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("dashboard.overview"))
    pending = _pending_second_factor()
    if pending is not None and request.method == "POST" and not request.form.get("password"):
        return _second_step(pending, next_path)
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None and user.mfa_enabled_at is None:
            return _signed_in(user, next_path)
        if user is not None and form.code.data:
            if second_factor_accepted(user.id, form.code.data):
                return _signed_in(user, next_path)
            _failed_attempt(form.email.data)
            form.code.errors.append(WRONG_CODE)
            return render_template("auth/login.html", form=form)
        if user is not None:
            session["mfa_pending"] = {"user_id": user.id, "at": time.time()}
            return render_template("auth/login_code.html", form=CodeForm())
        _failed_attempt(form.email.data)
        form.password.errors.append("That email and password do not match an active account.")
    return render_template("auth/login.html", form=form)


def _failed_attempt(email: str) -> None:
    """Counts against both login budgets and goes into the audit log."""
    g.login_failed = True
    record_failed_sign_in(email)


def _pending_second_factor() -> int | None:
    """The account whose password was right a moment ago and whose code is awaited."""
    pending = session.get("mfa_pending")
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return pending.get("user_id")


def _second_step(user_id: int, next_path: str | None):
    """A wrong or reused code re-renders the form; the attempt counts as a failed sign-in."""
    form = CodeForm()
    user = db.session.get(User, user_id)
    if form.validate_on_submit() and second_factor_accepted(user_id, form.code.data):
        return _signed_in(user, next_path)
    _failed_attempt(user.email)
    if form.code.data:
        form.code.errors.append(WRONG_CODE)
    return render_template("auth/login_code.html", form=form), 422


def _signed_in(user: User, next_path: str | None):
    # A new session: nothing of the anonymous one (its CSRF token included) carries over
    # into the signed-in one (SPEC §14).
    session.clear()
    user.session_key = start_session(user)
    login_user(user)
    return redirect(next_path or url_for("dashboard.overview"))


@bp.route("/logout", methods=["POST"])
def logout():
    """Ends the session in the database: the cookie, even saved and replayed, is dead."""
    if current_user.is_authenticated and current_user.session_key:
        end_session(current_user.session_key)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@login_manager.user_loader
def load_user(session_key: str):
    return user_for_session(session_key)
