"""Staff login and logout. Failed logins are throttled per account and per address."""

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

from auth.forms import LoginForm
from auth.services import authenticate, normalise_email
from auth.sessions import end_session, start_session, user_for_session
from core.extensions import limiter, login_manager

bp = Blueprint("auth", __name__)


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
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            # A new session: nothing of the anonymous one (its CSRF token included) carries
            # over into the signed-in one (SPEC §14).
            session.clear()
            user.session_key = start_session(user)
            login_user(user)
            return redirect(next_path or url_for("dashboard.overview"))
        g.login_failed = True
        form.password.errors.append("That email and password do not match an active account.")
    return render_template("auth/login.html", form=form)


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
