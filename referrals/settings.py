"""The program's terms: the admin-saved row, else the configuration's defaults."""

from dataclasses import asdict, dataclass

import sqlalchemy as sa
from flask import current_app

from auth.models import User
from core import audit
from core.audit import changed
from core.extensions import db
from core.unit_of_work import use_case
from referrals.models import ProgramSettings


@dataclass(frozen=True)
class ProgramTerms:
    commission_rate_bp: int
    commission_months: int
    bonus_cents: int
    payout_threshold_cents: int
    hold_days: int
    cap_cents: int | None = None
    """The most a client's commission may total (SPEC §16); None: no cap."""


def current_terms() -> ProgramTerms:
    row = db.session.scalar(sa.select(ProgramSettings).limit(1))
    if row is not None:
        return ProgramTerms(
            row.commission_rate_bp,
            row.commission_months,
            row.bonus_cents,
            row.payout_threshold_cents,
            row.hold_days,
            row.cap_cents,
        )
    config = current_app.config
    return ProgramTerms(
        config["COMMISSION_RATE_BP"],
        config["COMMISSION_MONTHS"],
        config["COMMISSION_BONUS_CENTS"],
        config["PAYOUT_THRESHOLD_CENTS"],
        config["COMMISSION_HOLD_DAYS"],
        config["COMMISSION_CAP_CENTS"],
    )


@use_case
def save_terms(terms: ProgramTerms, actor: User) -> ProgramTerms:
    """Applies to attributions from now on; leads keep the terms copied onto them."""
    row = db.session.scalar(sa.select(ProgramSettings).limit(1).with_for_update())
    before = asdict(current_terms())
    if row is None:
        row = ProgramSettings()
        db.session.add(row)
    row.commission_rate_bp = terms.commission_rate_bp
    row.commission_months = terms.commission_months
    row.bonus_cents = terms.bonus_cents
    row.payout_threshold_cents = terms.payout_threshold_cents
    row.hold_days = terms.hold_days
    row.cap_cents = terms.cap_cents
    row.updated_by_id = actor.id
    db.session.flush()
    changes = changed(before, asdict(terms))
    if changes:
        audit.record("program_settings.changed", "program_settings", row.id, changes)
    return terms
