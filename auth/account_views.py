"""Every staff user's account page (password, sessions, sign out everywhere) and the admins'
API tokens page (SPEC §14)."""

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user

from auth.forms import ChangePasswordForm, IssueTokenForm
from auth.roles import ADMINS, acting_user, roles_required
from auth.services import (
    AccountError,
    active_users,
    change_own_password,
    issue_token_for,
    list_tokens,
    revoke_token,
)
from auth.sessions import end_sessions, is_current, live_sessions

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
    form.owner.choices = [(user.id, f"{user.email} ({user.role.value})") for user in active_users()]
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
