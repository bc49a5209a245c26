"""The error envelope of SPEC §8: {"error": {"code", "message", "fields"}}."""

from flask import jsonify
from werkzeug.exceptions import HTTPException

from core.input_guard import UnstorableText

CODES_BY_STATUS = {
    400: "bad_json",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "duplicate",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}

MESSAGES_BY_STATUS = {
    400: "The body is not JSON of the expected shape.",
    401: "A valid bearer token is required.",
    403: "Your role may not do this.",
    404: "No such resource.",
    405: "This method is not allowed here.",
    413: "The body is larger than 1 MB.",
    429: "Too many requests; slow down and retry later.",
    500: "Something went wrong on our side; nothing was changed.",
    503: "The database did not answer in time; nothing was changed. Retry shortly.",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def error_response(
    status: int, code: str, message: str, fields: dict | None = None, extra: dict | None = None
):
    """`extra` adds keys beside code and message (a rejected claim's `claim_id`)."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}, **(extra or {})}}
    return jsonify(body), status


def received():
    """The answer to every accepted token-less post (SPEC §8): new, repeated, already
    registered or refused alike, so it tells nothing about existing records."""
    return jsonify({"status": "received"}), 202


def http_error_response(error: HTTPException):
    if isinstance(error, UnstorableText):
        message = "Must not contain NUL characters."
        fields = {name.replace("\x00", "") or "query": [message] for name in error.names}
        return error_response(422, "invalid", "Some query parameters are not valid.", fields)
    status = error.code or 500
    message = MESSAGES_BY_STATUS.get(status, error.description or "Request failed.")
    if status in (400, 500, 503) and error.description != type(error).description:
        message = error.description  # abort(400, "why"), or what the handler knows of a failure
    response, status = error_response(status, CODES_BY_STATUS.get(status, "error"), message)
    if status == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status
