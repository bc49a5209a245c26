"""JSON bodies checked for type (400 bad_json) before field rules (422 invalid)."""

import re
from datetime import date

from flask import request
from werkzeug.datastructures import MultiDict

from api.errors import ApiError
from core.pagination import MAX_ID
from core.time import is_supported_date
from core.validation import is_storable_text

TEXT, INTEGER, BOOLEAN, TEXT_LIST = "text", "integer", "boolean", "list of text"
ID = "an id"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
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


def _type_ok(value, kind: str) -> bool:
    if kind == TEXT:
        return isinstance(value, str)
    if kind in (INTEGER, ID):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == BOOLEAN:
        return isinstance(value, bool)
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _unstorable(value) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(isinstance(item, str) and not is_storable_text(item) for item in items)


def check_types(body: dict, schema: dict[str, str]) -> dict:
    """Keep known fields (null means absent); a value of the wrong JSON type is 400, text
    with a NUL character or a lone surrogate 422."""
    wrong = {
        name: [f"Must be {kind}."]
        for name, kind in schema.items()
        if body.get(name) is not None and not _type_ok(body[name], kind)
    }
    if wrong:
        raise ApiError(400, "bad_json", "Some values have the wrong JSON type.", wrong)
    values = {name: body[name] for name in schema if body.get(name) is not None}
    if nul := {name: [NUL_MESSAGE] for name, value in values.items() if _unstorable(value)}:
        raise ApiError(422, "invalid", "Some fields are not valid.", nul)
    bad_ids = {
        name: ["No such record."]
        for name, kind in schema.items()
        if kind == ID and name in values and not 1 <= values[name] <= MAX_ID
    }
    if bad_ids:
        raise ApiError(422, "invalid", "Some fields are not valid.", bad_ids)
    return values


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


def date_value(values: dict, name: str, *, required: bool = True) -> date | None:
    """A YYYY-MM-DD text field as a date; 422 invalid when missing or malformed."""
    raw = values.get(name)
    if raw is None:
        if required:
            raise ApiError(422, "invalid", "Some fields are not valid.", {name: ["Required."]})
        return None
    message = "A date as YYYY-MM-DD between 1900 and 9998."
    try:
        day = date.fromisoformat(raw) if ISO_DATE.fullmatch(raw) else None
    except ValueError:
        day = None
    if day is None or not is_supported_date(day):
        raise ApiError(422, "invalid", "Some fields are not valid.", {name: [message]})
    return day


def required_values(values: dict, *names: str) -> None:
    missing = {name: ["Required."] for name in names if name not in values}
    if missing:
        raise ApiError(422, "invalid", "Some fields are not valid.", missing)
