"""Admins manage staff accounts (SPEC §14): invite (an emailed set-password link), change a
role, deactivate and reactivate, send a reset link. An admin cannot demote or deactivate
themselves: another admin must, so an installation never locks out its last admin by a slip."""

import sqlalchemy as sa

from auth.links import issue_link
from auth.models import LinkPurpose, Role, User
from auth.passwords import hash_password
from auth.services import AccountError, account_fields, apply_activation, find_user
from auth.sessions import end_sessions
from core import audit
from core.extensions import db
from core.service_errors import ServiceError
from core.tokens import new_secret
from core.unit_of_work import use_case
from core.validation import InvalidValue, normalise_email_address


def staff_list() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.active.desc(), User.email)))


@use_case
def invite(name: str, email: str, role: str) -> User:
    """The account starts with a random password nobody knows; the person chooses theirs
    through the emailed link."""
    try:
        email = normalise_email_address(email)
    except InvalidValue as error:
        raise AccountError(f"Not a valid email address: {error}") from None
    if find_user(email):
        raise AccountError(f"{email} already has an account.")
    user = User(
        name=name.strip() or None,
        email=email,
        role=Role(role),
        password_hash=hash_password(new_secret()),
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", "user", user.id, account_fields(user))
    issue_link(user, LinkPurpose.SET_PASSWORD)
    return user


def _other_user(user_id: int, actor: User) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise AccountError("No such staff account.")
    if user.id == actor.id:
        raise AccountError("Ask another admin to change your own role or status.")
    return user


@use_case
def change_role(user_id: int, role: str, actor: User) -> User:
    """A new role ends the account's sessions: pages open under the old role close."""
    user = _other_user(user_id, actor)
    if user.role != Role(role):
        audit.record("user.role_changed", "user", user.id, {"role": [user.role.value, role]})
        user.role = Role(role)
        end_sessions(user.id)
    return user


@use_case
def set_active_by_admin(user_id: int, active: bool, actor: User) -> User:
    user = _other_user(user_id, actor)
    apply_activation(user, active)
    return user


@use_case
def send_reset_link(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise AccountError("Reset links go to active accounts only.")
    audit.record("user.password_reset_sent", "user", user.id)
    issue_link(user, LinkPurpose.RESET_PASSWORD)
    return user


def user_to_dict(user: User) -> dict:
    """The staff user resource of SPEC §13."""
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role.value,
        "available": user.available,
        "active": user.active,
    }


@use_case
def set_available(user_id: int, available: bool, actor: User) -> User:
    """Availability (SPEC §13): round-robin skips an unavailable sales user. One's own, or
    anyone's for an admin."""
    user = db.session.get(User, user_id)
    if user is None:
        raise ServiceError("not_found", "No such staff account.")
    if user.id != actor.id and not actor.has_role(Role.ADMIN):
        raise ServiceError("forbidden", "Only an admin changes someone else's availability.")
    if user.available != available:
        change = {"available": [user.available, available]}
        audit.record("user.availability_changed", "user", user.id, change)
        user.available = available
    return user
