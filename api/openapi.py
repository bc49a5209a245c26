"""The OpenAPI 3 document at /api/v1/openapi.json."""

from flask import jsonify

from api.blueprint import bp
from api.leads import LEAD_SCHEMA, PATCH_SCHEMA
from api.parsing import BOOLEAN, INTEGER, TEXT, TEXT_LIST

JSON_TYPES = {
    TEXT: {"type": "string"},
    INTEGER: {"type": "integer"},
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
LEAD_LIST_PARAMETERS = [
    {"name": name, "in": "query", "schema": {"type": "string"}}
    for name in ("status", "q", "owner", "source", "created_from", "created_to", "cursor")
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
                "summary": "Create a lead (open without a token: answers id and status only)",
                "security": [{}, {"bearer": []}],
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/LeadInput"}}
                    }
                },
                "responses": {
                    **_ok(201, LEAD),
                    **_ok(200, LEAD),
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


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(DOCUMENT)
