"""The JSON body as an object (400 bad_json otherwise), the query string as its model, and
JSON values as form data."""

from flask import Response, jsonify, request
from werkzeug.datastructures import MultiDict

from api.errors import ApiError
from core.query_models import Q, QueryBoolean, QueryModel, parse_query

NUL_MESSAGE = "Must not contain NUL characters or lone surrogates."


def json_body(*, may_be_empty: bool = False) -> dict:
    if may_be_empty and not request.get_data():
        return {}
    try:
        body = request.get_json(force=True, silent=True)
    except RecursionError:  # nested deeper than the JSON parser can go: still not usable
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "The body must be a JSON object.")
    return body


def query_of(model: type[Q]) -> Q:
    """The query string as `model`, or 422 `invalid` naming each bad argument."""
    query, errors = parse_query(model, request.args)
    if errors:
        raise ApiError(422, "invalid", "Some query parameters are not valid.", errors)
    return query


class DryRunQuery(QueryModel):
    """The query string of an action that can be previewed (SPEC §13)."""

    dry_run: QueryBoolean = False


def dry_run_requested() -> bool:
    """`?dry_run=true`: preview the action (any other value than true/false is 422)."""
    return query_of(DryRunQuery).dry_run


def preview_answer(body: dict, effects: dict) -> Response:
    return jsonify({"preview": body, "effects": effects})


def list_answer(items: list[dict], next_cursor: str | None) -> Response:
    """One page of a §8 list."""
    return jsonify({"items": items, "next_cursor": next_cursor})


def as_form_data(values: dict) -> MultiDict:
    """JSON values as the form data WTForms validates (so the API and the form share rules)."""
    data = MultiDict()
    for name, value in values.items():
        if isinstance(value, list):
            for item in value:
                data.add(name, item)
        elif isinstance(value, bool):
            if value:
                data.add(name, "y")
        else:
            data.add(name, str(value))
    return data
