"""A second factor for staff (SPEC §14): TOTP (RFC 6238, pyotp) shown as a QR code drawn
on our own page (segno) beside the base32 secret, and ten single-use recovery codes kept
as SHA-256. A TOTP code is refused when its time step was already used."""

import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app

from auth.models import RecoveryCode, User
from core import audit
from core.db import utcnow
from core.extensions import db
from core.tokens import secret_hash
from core.unit_of_work import use_case

ISSUER = "Hire Tech Talent"
RECOVERY_CODES = 10
STEPS_ACCEPTED = (-1, 0, 1)
"""A code of the step before or after the current one is accepted (a clock 30 s off)."""


def new_mfa_secret() -> str:
    return pyotp.random_base32()


def qr_code_data_uri(user: User, secret: str) -> str:
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=5)


def _totp_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code `code` is, among those accepted now, else None."""
    totp = pyotp.TOTP(secret)
    current = int(now // totp.interval)
    for offset in STEPS_ACCEPTED:
        step = current + offset
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def mfa_required(user: User) -> bool:
    return user.role.value in current_app.config["MFA_REQUIRED_ROLES"]


def _normalised(code: str) -> str:
    return code.strip().replace(" ", "").replace("-", "").lower()


def _new_recovery_code() -> str:
    raw = secrets.token_hex(5)
    return f"{raw[:5]}-{raw[5:]}"


@use_case
def enable_mfa(user: User, secret: str, code: str) -> list[str] | None:
    """Turn MFA on once the first code confirms the secret; returns the recovery codes
    (shown once), or None for a wrong code."""
    step = _totp_step(secret, _normalised(code), time.time())
    if step is None:
        return None
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(mfa_secret=secret, mfa_enabled_at=utcnow(), mfa_last_step=step)
    )
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=secret_hash(_normalised(c))) for c in codes
    )
    audit.record("user.mfa_enabled", "user", user.id, {"mfa": [False, True]})
    return codes


@use_case
def second_factor_accepted(user_id: int, code: str) -> bool:
    """A TOTP code of a step not used before, or an unused recovery code, used up here by a
    conditional UPDATE so two submissions of one code cannot both pass."""
    user = db.session.get(User, user_id)
    if user is None or user.mfa_secret is None:
        return False
    code = _normalised(code)
    step = _totp_step(user.mfa_secret, code, time.time()) if code.isdigit() else None
    if step is not None:
        taken = db.session.execute(
            sa.update(User)
            .where(
                User.id == user_id,
                sa.or_(User.mfa_last_step.is_(None), User.mfa_last_step < step),
            )
            .values(mfa_last_step=step)
        )
        return taken.rowcount == 1
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == secret_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return used.rowcount == 1


def recovery_codes_left(user_id: int) -> int:
    query = sa.select(sa.func.count()).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
    )
    return db.session.scalar(query)
