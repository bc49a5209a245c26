"""Admins read the audit log (SPEC §14): filters by entity, actor, action and dates; CSV."""

from flask import Blueprint, abort, render_template, request, url_for

from auth.roles import ADMINS, roles_required
from core.audit import ACTIONS
from core.audit_queries import (
    CSV_HEADER,
    ENTITY_TYPES,
    audit_csv_rows,
    audit_page,
    parse_audit_filters,
)
from core.downloads import csv_response

bp = Blueprint("audit_staff", __name__, url_prefix="/dashboard")

ENTITY_PAGES = {
    "contract": ("billing_staff.contract", "contract_id"),
    "invoice": ("money_staff.invoice", "invoice_id"),
    "lead": ("leads_staff.detail", "lead_id"),
    "payout": ("money_referrals.payout", "payout_id"),
    "referrer": ("referrals_staff.referrer", "referrer_id"),
}
"""The staff page of each entity that has one, for the log's links."""


def _entity_links(events) -> dict[int, str]:
    links = {}
    for event in events:
        if event.entity_type in ENTITY_PAGES and event.entity_id:
            endpoint, argument = ENTITY_PAGES[event.entity_type]
            links[event.id] = url_for(endpoint, **{argument: event.entity_id})
    return links


@bp.get("/audit")
@roles_required(*ADMINS)
def index():
    filters, errors = parse_audit_filters(request.args)
    events, next_cursor = ([], None) if errors else audit_page(filters)
    return render_template(
        "dashboard/audit.html",
        events=events,
        links=_entity_links(events),
        filters=filters,
        errors=errors,
        next_cursor=next_cursor,
        actions=ACTIONS,
        entity_types=ENTITY_TYPES,
    ), (422 if errors else 200)


@bp.get("/audit.csv")
@roles_required(*ADMINS)
def export_csv():
    filters, errors = parse_audit_filters(request.args)
    if errors:
        abort(422)
    return csv_response("audit-events.csv", CSV_HEADER, audit_csv_rows(filters))
