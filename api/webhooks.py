"""/api/v1/webhook-endpoints (SPEC §15, admin)."""

from flask import jsonify, url_for

from api.auth import api_auth
from api.blueprint import bp
from api.bodies import WebhookEndpointIn, parse_body
from api.parsing import list_answer, query_of
from auth.roles import ADMINS
from core.query_models import ListQuery
from notifications.webhooks import (
    delete_endpoint,
    delivery_page,
    delivery_to_dict,
    endpoint_page,
    endpoint_to_dict,
    register_endpoint,
)


def _page_arguments():
    page = query_of(ListQuery)
    return page.limit, page.cursor


@bp.post("/webhook-endpoints")
@api_auth(*ADMINS)
def create_webhook_endpoint():
    body = parse_body(WebhookEndpointIn)
    endpoint = register_endpoint(body.url, body.events, body.description or "")
    location = url_for("api.list_deliveries", endpoint_id=endpoint.id)
    return jsonify(endpoint_to_dict(endpoint, with_secret=True)), 201, {"Location": location}


@bp.get("/webhook-endpoints")
@api_auth(*ADMINS)
def list_webhook_endpoints():
    endpoints, next_cursor = endpoint_page(*_page_arguments())
    return list_answer([endpoint_to_dict(e) for e in endpoints], next_cursor)


@bp.delete("/webhook-endpoints/<int:endpoint_id>")
@api_auth(*ADMINS)
def remove_webhook_endpoint(endpoint_id: int):
    delete_endpoint(endpoint_id)
    return "", 204


@bp.get("/webhook-endpoints/<int:endpoint_id>/deliveries")
@api_auth(*ADMINS)
def list_deliveries(endpoint_id: int):
    deliveries, next_cursor = delivery_page(endpoint_id, *_page_arguments())
    return list_answer([delivery_to_dict(d) for d in deliveries], next_cursor)
