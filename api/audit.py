"""GET /api/v1/audit-events (SPEC §14, admin)."""

from flask import request

from api.auth import api_auth
from api.blueprint import bp
from api.errors import ApiError
from api.parsing import list_answer
from auth.roles import ADMINS
from core.audit_queries import audit_page, event_to_dict, parse_audit_filters


@bp.get("/audit-events")
@api_auth(*ADMINS)
def list_audit_events():
    filters, errors = parse_audit_filters(request.args)
    if errors:
        raise ApiError(422, "invalid", "Some query parameters are not valid.", errors)
    events, next_cursor = audit_page(filters)
    return list_answer([event_to_dict(e) for e in events], next_cursor)
