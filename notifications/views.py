"""The admin outbox page: what went out, what failed, and a resend button."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from auth.roles import ADMINS, roles_required
from core.extensions import db
from notifications.models import OutboxMessage, OutboxStatus
from notifications.services import NotResendable, resend

bp = Blueprint("outbox", __name__, url_prefix="/dashboard/outbox")

PAGE_SIZE = 100


@bp.get("")
@roles_required(*ADMINS)
def index():
    status = request.args.get("status") or None
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)
    if status in {s.value for s in OutboxStatus}:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    else:
        status = None
    return render_template(
        "notifications/outbox.html",
        messages=list(db.session.scalars(query)),
        status=status,
        statuses=list(OutboxStatus),
    )


@bp.post("/<int:message_id>/resend")
@roles_required(*ADMINS)
def resend_message(message_id: int):
    try:
        queued = resend(message_id)
    except NotResendable as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".index"))
    if queued is None:
        abort(404)
    flash("Queued to be sent again.", "success")
    return redirect(url_for(".index"))
