"""The dashboard home (SPEC §13): a sales user's My work, finance's day, and both for an
admin; finance and admins open anyone's My work with `?owner=EMAIL`."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from auth.models import Role, User
from auth.roles import STAFF, acting_user, roles_required
from core.db import utcnow
from core.extensions import db
from core.today import business_today
from dashboard.queries import admin_day, finance_day
from leads.queries import counts_by_status, last_activity, my_work
from leads.rules import first_contact_wait, work_bucket

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def _work_owner() -> User | None:
    """Whose My work the page shows: one's own, or (finance, admin) `?owner=EMAIL`."""
    email = (request.args.get("owner") or "").strip().lower()
    if not email or email == current_user.email:
        return acting_user()
    if not current_user.has_role(Role.ADMIN, Role.FINANCE):
        abort(403)
    return db.session.scalar(sa.select(User).where(User.email == email)) or abort(404)


@bp.get("")
@roles_required(*STAFF)
def overview():
    today = business_today()
    owner = _work_owner()
    shows_work = owner.id != current_user.id or current_user.has_role(Role.SALES, Role.ADMIN)
    rows = my_work(owner.id, today) if shows_work else []
    activity = last_activity([lead.id for lead in rows])
    now = utcnow()
    hours = current_app.config["FIRST_CONTACT_HOURS"]
    work = [
        (
            lead,
            work_bucket(lead.status, lead.next_action_on, today),
            first_contact_wait(lead.created_at, now, lead.status, hours),
            activity.get(lead.id),
        )
        for lead in rows
    ]
    money = current_user.has_role(Role.FINANCE, Role.ADMIN) and owner.id == current_user.id
    overdue_days = current_app.config["INVOICE_OVERDUE_DAYS"]
    return render_template(
        "dashboard/overview.html",
        counts=counts_by_status(),
        owner=owner,
        shows_work=shows_work,
        work=work,
        today=today,
        finance=finance_day(today, overdue_days) if money else None,
        admin=admin_day() if money and current_user.has_role(Role.ADMIN) else None,
        overdue_days=overdue_days,
    )
