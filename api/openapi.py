"""The OpenAPI 3 document at /api/v1/openapi.json."""

from flask import jsonify

from api.billing import CONVERT_SCHEMA
from api.blueprint import bp
from api.leads import LEAD_SCHEMA, PATCH_SCHEMA
from api.money import INVOICE_SCHEMA
from api.parsing import BOOLEAN, ID, INTEGER, TEXT, TEXT_LIST
from api.referrers import ATTRIBUTION_SCHEMA, SIGN_UP_SCHEMA

JSON_TYPES = {
    TEXT: {"type": "string"},
    INTEGER: {"type": "integer"},
    ID: {"type": "integer", "minimum": 1},
    BOOLEAN: {"type": "boolean"},
    TEXT_LIST: {"type": "array", "items": {"type": "string"}},
}
ERROR = {"$ref": "#/components/schemas/Error"}


def _properties(schema: dict[str, str]) -> dict:
    return {name: JSON_TYPES[kind] for name, kind in schema.items()}


def _errors(*statuses: int) -> dict:
    return {
        str(status): {"description": "Error", "content": {"application/json": {"schema": ERROR}}}
        for status in statuses
    }


def _ok(status: int, schema: dict) -> dict:
    return {str(status): {"description": "OK", "content": {"application/json": {"schema": schema}}}}


LEAD = {"$ref": "#/components/schemas/Lead"}
RECEIVED = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"type": "string", "enum": ["received"]}},
}
"""Every accepted token-less post: new, repeated, already registered or refused alike."""
LEAD_LIST_PARAMETERS = [
    {"name": name, "in": "query", "schema": {"type": "string"}}
    for name in (
        "status",
        "q",
        "owner",
        "source",
        "referrer_id",
        "created_from",
        "created_to",
        "sort",
        "cursor",
    )
] + [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 200}}]

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "Hire Tech Talent lead & referral tracker", "version": "1"},
    "servers": [{"url": "/api/v1"}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "fields": {"type": "object"},
                        },
                    }
                },
            },
            "LeadInput": {
                "type": "object",
                "required": [
                    "first_name",
                    "last_name",
                    "company",
                    "email",
                    "roles",
                    "headcount",
                    "consent",
                ],
                "properties": _properties(LEAD_SCHEMA),
            },
            "Lead": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "status": {"type": "string"},
                    "source": {"type": "string"},
                    **_properties(LEAD_SCHEMA),
                    "owner_email": {"type": "string", "nullable": True},
                    "referrer_id": {"type": "integer", "nullable": True},
                    "attribution_status": {"type": "string"},
                    "attribution_reason": {"type": "string", "nullable": True},
                    "possible_duplicate_of": {"type": "integer", "nullable": True},
                    "submissions_count": {"type": "integer"},
                    "lost_reason": {"type": "string", "nullable": True},
                    "created_at": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/leads": {
            "post": {
                "summary": "Create a lead (open without a token: answers 202 received)",
                "security": [{}, {"bearer": []}],
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/LeadInput"}}
                    }
                },
                "responses": {
                    **_ok(201, LEAD),
                    **_ok(200, LEAD),
                    **_ok(202, RECEIVED),
                    **_errors(400, 401, 403, 413, 422, 429),
                },
            },
            "get": {
                "summary": "List leads, newest first",
                "parameters": LEAD_LIST_PARAMETERS,
                "responses": {
                    **_ok(
                        200,
                        {
                            "type": "object",
                            "properties": {
                                "items": {"type": "array", "items": LEAD},
                                "next_cursor": {"type": "string", "nullable": True},
                            },
                        },
                    ),
                    **_errors(401, 403, 422),
                },
            },
        },
        "/leads/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {
                "summary": "Read a lead",
                "responses": {**_ok(200, LEAD), **_errors(401, 403, 404)},
            },
            "patch": {
                "summary": "Change status, lost_reason or owner_email",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"type": "object", "properties": _properties(PATCH_SCHEMA)}
                        }
                    }
                },
                "responses": {**_ok(200, LEAD), **_errors(400, 401, 403, 404, 422)},
            },
        },
    },
}


def _body(schema: dict[str, str]) -> dict:
    properties = _properties(schema)
    return {
        "content": {"application/json": {"schema": {"type": "object", "properties": properties}}}
    }


def _id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _operation(summary: str, ok: int, errors: tuple, body: dict | None = None) -> dict:
    operation = {
        "summary": summary,
        "responses": {**_ok(ok, {"type": "object"}), **_errors(*errors)},
    }
    if body is not None:
        operation["requestBody"] = _body(body)
    return operation


def _token_less(operation: dict) -> dict:
    """Open without a token too, answering 202 received."""
    operation["responses"].update(_ok(202, RECEIVED))
    return {**operation, "security": [{}, {"bearer": []}]}


WRITE_ERRORS = (400, 401, 403, 404, 409, 422)
MONEY_PATHS = {
    "/referrers": {
        "post": _token_less(
            _operation(
                "Join the referral program (open without a token: answers 202 received)",
                201,
                (400, 401, 403, 413, 422, 429),
                SIGN_UP_SCHEMA,
            )
        )
    },
    "/referrers/{id}": {
        "parameters": [_id("id")],
        "get": _operation("Read a referrer with balance_cents", 200, (401, 403, 404)),
    },
    **{
        f"/referrers/{{id}}/{action}": {
            "parameters": [_id("id")],
            "post": _operation(
                f"{action.capitalize()} a referrer (finance, admin)", 200, (401, 403, 404, 422)
            ),
        }
        for action in ("approve", "reject", "suspend", "reactivate")
    },
    "/leads/{id}/attribution": {
        "parameters": [_id("id")],
        "post": _operation(
            "Change a lead's attribution (referrer_id or null, reason)",
            200,
            WRITE_ERRORS,
            ATTRIBUTION_SCHEMA,
        ),
    },
    "/leads/{id}/convert": {
        "parameters": [_id("id")],
        "post": _operation(
            "Convert an open lead: client, primary contact, contract",
            201,
            WRITE_ERRORS,
            CONVERT_SCHEMA,
        ),
    },
    "/contracts/{id}": {
        "parameters": [_id("id")],
        "get": _operation("Read a contract", 200, (401, 403, 404)),
        "patch": _operation(
            "Change start_date until it has passed", 200, WRITE_ERRORS, {"start_date": TEXT}
        ),
    },
    "/contracts/{id}/end": {
        "parameters": [_id("id")],
        "post": _operation(
            "End a contract (end_date, reason)",
            200,
            WRITE_ERRORS,
            {"end_date": TEXT, "reason": TEXT, "note": TEXT},
        ),
    },
    "/contracts/{id}/invoices": {
        "parameters": [_id("id")],
        "post": _operation(
            "Record an invoice (idempotent by external_id)", 201, WRITE_ERRORS, INVOICE_SCHEMA
        ),
    },
    "/contracts/{id}/guarantee-claims": {
        "parameters": [_id("id")],
        "post": _operation(
            "File a guarantee claim: 201 accepted, or 422 with the rejection code and claim_id",
            201,
            WRITE_ERRORS,
            {"claimed_on": TEXT, "reason": TEXT, "channel": TEXT},
        ),
    },
    "/invoices/{id}": {
        "parameters": [_id("id")],
        "get": _operation("Read an invoice", 200, (401, 403, 404)),
    },
    "/invoices/{id}/payments": {
        "parameters": [_id("id")],
        "post": _operation(
            "Record a payment (answers the invoice)",
            201,
            WRITE_ERRORS,
            {"amount_cents": INTEGER, "paid_on": TEXT, "external_id": TEXT},
        ),
    },
    "/invoices/{id}/refunds": {
        "parameters": [_id("id")],
        "post": _operation(
            "Record a refund sent (answers the invoice)",
            201,
            WRITE_ERRORS,
            {"amount_cents": INTEGER, "refunded_on": TEXT, "reason": TEXT, "external_id": TEXT},
        ),
    },
    "/invoices/{id}/write-off": {
        "parameters": [_id("id")],
        "post": _operation(
            "Write off the unpaid remainder",
            200,
            WRITE_ERRORS,
            {"reason": TEXT, "written_off_on": TEXT},
        ),
    },
    "/invoices/{id}/void": {
        "parameters": [_id("id")],
        "post": _operation(
            "Void an invoice with nothing net paid", 200, WRITE_ERRORS, {"reason": TEXT}
        ),
    },
    "/refunds/{id}/mark-sent": {
        "parameters": [_id("id")],
        "post": _operation(
            "Record a due refund as sent", 200, WRITE_ERRORS, {"sent_on": TEXT, "reference": TEXT}
        ),
    },
    "/commissions": {
        "get": {
            **_operation("List commission entries", 200, (401, 403, 422)),
            "parameters": [
                {"name": name, "in": "query", "schema": {"type": "string"}}
                for name in ("referrer_id", "invoice_id", "state", "limit", "cursor")
            ],
        }
    },
    "/commissions/approve-due": {
        "post": _operation(
            "Approve what is due on as_of; answers {approved: n}",
            200,
            (400, 401, 403, 422),
            {"as_of": TEXT},
        )
    },
    "/payouts": {
        "post": _operation(
            "Run payouts as of a date; lines may be empty",
            201,
            (400, 401, 403, 409, 422),
            {"as_of": TEXT},
        )
    },
    "/payouts/{id}": {
        "parameters": [_id("id")],
        "get": _operation("Read a payout run", 200, (401, 403, 404)),
    },
    "/payouts/{id}.csv": {
        "parameters": [_id("id")],
        "get": _operation("The run as CSV", 200, (401, 403, 404)),
    },
    "/payouts/{id}/mark-paid": {
        "parameters": [_id("id")],
        "post": _operation(
            "Mark a run paid (paid_on, reference)",
            200,
            WRITE_ERRORS,
            {"paid_on": TEXT, "reference": TEXT},
        ),
    },
    "/audit-events": {
        "get": {
            **_operation("Read the audit log, newest first (admin)", 200, (401, 403, 422)),
            "parameters": [
                {"name": name, "in": "query", "schema": {"type": "string"}}
                for name in (
                    "entity_type",
                    "entity_id",
                    "action",
                    "actor_email",
                    "from",
                    "to",
                    "limit",
                    "cursor",
                )
            ],
        }
    },
    "/webhook-endpoints": {
        "post": _operation(
            "Register an endpoint (url, events, description); the secret is in this answer only",
            201,
            (400, 401, 403, 422),
            {"url": TEXT, "events": TEXT_LIST, "description": TEXT},
        ),
        "get": {
            **_operation("List webhook endpoints", 200, (401, 403, 422)),
            "parameters": [
                {"name": name, "in": "query", "schema": {"type": "string"}}
                for name in ("limit", "cursor")
            ],
        },
    },
    "/webhook-endpoints/{id}": {
        "parameters": [_id("id")],
        "delete": {
            "summary": "Delete an endpoint and its deliveries",
            "responses": {"204": {"description": "Deleted"}, **_errors(401, 403, 404)},
        },
    },
    "/webhook-endpoints/{id}/deliveries": {
        "parameters": [_id("id")],
        "get": {
            **_operation("List an endpoint's deliveries", 200, (401, 403, 404, 422)),
            "parameters": [
                {"name": name, "in": "query", "schema": {"type": "string"}}
                for name in ("limit", "cursor")
            ],
        },
    },
}
DOCUMENT["paths"].update(MONEY_PATHS)


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(DOCUMENT)
