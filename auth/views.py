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
from auth.models import User
from auth.services import authenticate, normalise_email
from core.extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_key() -> str:
    return "login-account:" + normalise_email(request.form.get("email", ""))


def _failed(_response) -> bool:
    return g.get("login_failed", False)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, not protocol-relative, no backslash."""
    if not target or "\\" in target or not target.startswith("/") or target.startswith("//"):
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
            login_user(user)
            return redirect(next_path or url_for("dashboard.overview"))
        g.login_failed = True
        form.password.errors.append("That email and password do not match an active account.")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@login_manager.user_loader
def load_user(user_id: str):
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))
