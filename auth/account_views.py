"""Every staff user's account page (password, sessions, sign out everywhere), the admins'
staff and API tokens pages, and the public page of an emailed set-password link (SPEC §14)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from wtforms import SelectChoice

from auth.forms import (
    ChangePasswordForm,
    CodeForm,
    InviteForm,
    IssueTokenForm,
    RoleForm,
    SetPasswordForm,
)
from auth.links import link_owner, use_link
from auth.mfa import (
    enable_mfa,
    mfa_required,
    new_mfa_secret,
    qr_code_data_uri,
    recovery_codes_left,
)
from auth.roles import ADMINS, STAFF, acting_user, roles_required
from auth.services import (
    AccountError,
    active_users,
    change_own_password,
    issue_token_for,
    list_tokens,
    revoke_token,
)
from auth.sessions import end_sessions, is_current, live_sessions
from auth.staff import (
    change_role,
    invite,
    send_reset_link,
    set_active_by_admin,
    set_available,
    staff_list,
)
from core.service_errors import ServiceError

bp = Blueprint("accounts", __name__, url_prefix="/dashboard")


def _account_page(form: ChangePasswordForm, status: int = 200):
    user = acting_user()
    sessions = [(s, is_current(s, user.session_key)) for s in live_sessions(user.id)]
    return render_template("auth/account.html", form=form, sessions=sessions), status


@bp.get("/account")
@login_required
def account():
    return _account_page(ChangePasswordForm())


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _account_page(form, 422)
    try:
        change_own_password(acting_user(), form.current_password.data, form.new_password.data)
    except AccountError as error:
        field = form.current_password if "current" in str(error) else form.new_password
        field.errors.append(str(error))
        return _account_page(form, 422)
    flash("Your password is changed; your other sessions have ended.", "success")
    return redirect(url_for("accounts.account"))


@bp.post("/account/availability")
@roles_required(*STAFF)
def change_own_availability():
    _set_availability(acting_user().id)
    return redirect(url_for("accounts.account"))


@bp.post("/staff/<int:user_id>/availability")
@roles_required(*ADMINS)
def change_staff_availability(user_id: int):
    _set_availability(user_id)
    return redirect(url_for("accounts.staff"))


def _set_availability(user_id: int) -> None:
    """The checkbox named `available`: ticked, the user gets round-robin leads."""
    available = request.form.get("available") in ("y", "on", "true", "1")
    try:
        user = set_available(user_id, available, acting_user())
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash(str(error), "error")
        return
    if available:
        flash(f"{user.email} is available: round-robin gives them new leads.", "success")
    else:
        flash(f"{user.email} is away: round-robin skips them.", "success")


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    end_sessions(current_user.id)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def _tokens_page(form: IssueTokenForm, new_token: str | None = None, status: int = 200):
    return (
        render_template("auth/tokens.html", form=form, tokens=list_tokens(), new_token=new_token),
        status,
    )


def _issue_form() -> IssueTokenForm:
    form = IssueTokenForm()
    form.owner.choices = [
        SelectChoice(user.id, f"{user.email} ({user.role.value})") for user in active_users()
    ]
    return form


@bp.get("/tokens")
@roles_required(*ADMINS)
def tokens():
    return _tokens_page(_issue_form())


@bp.post("/tokens")
@roles_required(*ADMINS)
def issue_token():
    """The token is shown on this answer only; it is never stored or shown again."""
    form = _issue_form()
    if not form.validate_on_submit():
        return _tokens_page(form, status=422)
    try:
        token = issue_token_for(form.owner.data, form.name.data or "", form.days.data)
    except AccountError as error:
        form.owner.errors.append(str(error))
        return _tokens_page(form, status=422)
    return _tokens_page(_issue_form(), new_token=token)


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required(*ADMINS)
def revoke(token_id: int):
    try:
        revoke_token(token_id)
    except AccountError as error:
        flash(str(error), "error")
    else:
        flash("The token is revoked; it answers 401 from now on.", "success")
    return redirect(url_for("accounts.tokens"))


def _staff_page(form: InviteForm, status: int = 200):
    return (
        render_template(
            "auth/staff.html", form=form, users=staff_list(), role_form=RoleForm(), me=acting_user()
        ),
        status,
    )


@bp.get("/staff")
@roles_required(*ADMINS)
def staff():
    return _staff_page(InviteForm())


@bp.post("/staff")
@roles_required(*ADMINS)
def invite_staff():
    form = InviteForm()
    if not form.validate_on_submit():
        return _staff_page(form, 422)
    try:
        user = invite(form.name.data or "", form.email.data, form.role.data)
    except AccountError as error:
        form.email.errors.append(str(error))
        return _staff_page(form, 422)
    flash(f"Account created; {user.email} is emailed a link to choose a password.", "success")
    return redirect(url_for("accounts.staff"))


def _staff_action(action, done: str):
    try:
        user = action()
    except AccountError as error:
        flash(str(error), "error")
    else:
        flash(done.format(email=user.email), "success")
    return redirect(url_for("accounts.staff"))


@bp.post("/staff/<int:user_id>/role")
@roles_required(*ADMINS)
def change_staff_role(user_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose one of the roles.", "error")
        return redirect(url_for("accounts.staff"))
    return _staff_action(
        lambda: change_role(user_id, form.role.data, acting_user()),
        "{email} now has the role " + form.role.data + "; their sessions have ended.",
    )


@bp.post("/staff/<int:user_id>/deactivate")
@roles_required(*ADMINS)
def deactivate_staff(user_id: int):
    return _staff_action(
        lambda: set_active_by_admin(user_id, False, acting_user()),
        "{email} is deactivated: signed out everywhere, their API tokens answer 401.",
    )


@bp.post("/staff/<int:user_id>/reactivate")
@roles_required(*ADMINS)
def reactivate_staff(user_id: int):
    return _staff_action(
        lambda: set_active_by_admin(user_id, True, acting_user()), "{email} can sign in again."
    )


@bp.post("/staff/<int:user_id>/reset")
@roles_required(*ADMINS)
def reset_staff_password(user_id: int):
    return _staff_action(
        lambda: send_reset_link(user_id), "{email} is emailed a link to choose a new password."
    )


public_bp = Blueprint("accounts_public", __name__)


@public_bp.route("/account/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """A link that no longer works answers 410 with what to do; a refused password
    re-renders the form and leaves the link usable."""
    owner = link_owner(token)
    if owner is None:
        return render_template("auth/link_gone.html"), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = use_link(token, form.new_password.data)
        except AccountError as error:
            form.new_password.errors.append(str(error))
            return render_template("auth/set_password.html", form=form, user=owner), 422
        if user is None:
            return render_template("auth/link_gone.html"), 410
        flash("Your password is set. Sign in with it.", "success")
        return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/set_password.html", form=form, user=owner), status


SETUP_SECRET_KEY = "mfa_setup_secret"
OPEN_DURING_MFA_SETUP = {"accounts.mfa", "accounts.enable_mfa_confirm", "auth.logout", "static"}


@bp.before_app_request
def require_mfa_setup():
    """Users of MFA_REQUIRED_ROLES without MFA see nothing but its setup (SPEC §14)."""
    if request.endpoint in OPEN_DURING_MFA_SETUP or not request.path.startswith("/dashboard"):
        return None
    if current_user.is_authenticated and current_user.mfa_enabled_at is None:
        if mfa_required(current_user):
            return redirect(url_for("accounts.mfa"))
    return None


def _mfa_setup_page(form: CodeForm, status: int = 200):
    form.code.label.text = "Code from your authenticator app"
    user = acting_user()
    secret = session.setdefault(SETUP_SECRET_KEY, new_mfa_secret())
    return (
        render_template(
            "auth/mfa.html",
            form=form,
            secret=secret,
            qr_code=qr_code_data_uri(user, secret),
            required=mfa_required(user),
        ),
        status,
    )


@bp.get("/account/mfa")
@login_required
def mfa():
    if current_user.mfa_enabled_at is not None:
        return render_template("auth/mfa_on.html", left=recovery_codes_left(current_user.id))
    return _mfa_setup_page(CodeForm())


@bp.post("/account/mfa")
@login_required
def enable_mfa_confirm():
    """The recovery codes are shown on this answer only."""
    form = CodeForm()
    if current_user.mfa_enabled_at is not None:
        return redirect(url_for("accounts.mfa"))
    secret = session.get(SETUP_SECRET_KEY)
    codes = (
        enable_mfa(acting_user(), secret, form.code.data)
        if form.validate_on_submit() and secret
        else None
    )
    if codes is None:
        if form.code.data:
            form.code.errors.append("That code does not match; enter the one your app shows now.")
        return _mfa_setup_page(form, 422)
    session.pop(SETUP_SECRET_KEY, None)
    return render_template("auth/mfa_codes.html", codes=codes)
