"""JSON bodies checked for type (400 bad_json) before field rules (422 invalid)."""

from flask import request
from werkzeug.datastructures import MultiDict

from api.errors import ApiError

TEXT, INTEGER, BOOLEAN, TEXT_LIST = "text", "integer", "boolean", "list of text"


def json_body() -> dict:
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "The body must be a JSON object.")
    return body


def _type_ok(value, kind: str) -> bool:
    if kind == TEXT:
        return isinstance(value, str)
    if kind == INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == BOOLEAN:
        return isinstance(value, bool)
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def check_types(body: dict, schema: dict[str, str]) -> dict:
    """Keep known fields (null means absent); a value of the wrong JSON type is 400."""
    wrong = {
        name: [f"Must be {kind}."]
        for name, kind in schema.items()
        if body.get(name) is not None and not _type_ok(body[name], kind)
    }
    if wrong:
        raise ApiError(400, "bad_json", "Some values have the wrong JSON type.", wrong)
    return {name: body[name] for name in schema if body.get(name) is not None}


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
