"""Query strings as typed pydantic models: one declaration that parses a list's arguments
(for the API and the pages alike) and gives the OpenAPI document its parameters. Every value
arrives as text; an empty one means "not given"; a bad one is an error under its name."""

import enum
from datetime import date
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError, WithJsonSchema
from pydantic_core import PydanticCustomError

from core.pagination import DEFAULT_LIMIT, MAX_ID, BadCursor, Cursor, clamp_limit, query_id
from core.time import DATE_PATTERN, query_date

TEXT_SCHEMA = {"type": "string", "pattern": "^[^\\x00]*$"}
"""Anything but NUL (refused before every view: 422 in the API); longer than 200 is cut."""


def _refusal(message: str) -> PydanticCustomError:
    return PydanticCustomError("query_value", message)


def _id(raw: str) -> int:
    value = query_id(raw.strip())
    if value is None:
        raise _refusal(f"A whole number between 1 and {MAX_ID}.")
    return value


def _id_cursor(raw: str) -> int:
    value = query_id(raw)
    if value is None:
        raise _refusal("Not a cursor from this list.")
    return value


def _date(raw: str) -> date:
    try:
        return query_date(raw.strip())
    except ValueError as error:
        raise _refusal(str(error)) from None


def _limit(raw: str | int) -> int:
    try:
        return clamp_limit(str(raw))
    except ValueError as error:
        raise _refusal(str(error)) from None


def _cursor(raw: str) -> Cursor:
    try:
        return Cursor.decode(raw)
    except BadCursor as error:
        raise _refusal(str(error)) from None


def _text(raw: str) -> str:
    return raw.strip()[:200]


def _boolean(raw: str | bool) -> bool:
    if isinstance(raw, bool) or raw in ("true", "false"):
        return raw in (True, "true")
    raise _refusal("true or false.")


QueryId = Annotated[
    int, PlainValidator(_id), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_ID})
]
QueryDate = Annotated[
    date,
    PlainValidator(_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
QueryText = Annotated[str, PlainValidator(_text), WithJsonSchema(TEXT_SCHEMA)]


def _year(raw: str) -> int:
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) == 4 and 1900 <= int(raw) <= 9998:
        return int(raw)
    raise _refusal("A year between 1900 and 9998.")


QueryYear = Annotated[
    int,
    PlainValidator(_year),
    WithJsonSchema({"type": "integer", "minimum": 1900, "maximum": 9998}),
]
QueryBoolean = Annotated[bool, PlainValidator(_boolean), WithJsonSchema({"type": "boolean"})]


def query_choice(enum_class: type[enum.StrEnum]) -> Any:
    """One of an enum's values, given by value."""
    values = [member.value for member in enum_class]

    def parse(raw: str) -> enum.StrEnum:
        try:
            return enum_class(raw)
        except ValueError:
            raise _refusal(f"One of {', '.join(values)}.") from None

    return Annotated[enum_class, PlainValidator(parse), WithJsonSchema({"enum": values})]


def _as_text(value: object) -> str:
    """A parsed value as its query-string text (what the model parses back to it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class QueryModel(BaseModel):
    """A query string's arguments. Those named in `required` must be given (the field still
    has a default, so the rest can be read when one is missing)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    required: ClassVar[frozenset[str]] = frozenset()

    def filter_args(self) -> dict[str, str]:
        """The filters in force as query-string values (for links and CSV exports); paging
        and values left at their default are left out."""
        args = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if name in ("limit", "cursor") or value in (None, "", field.default):
                continue
            args[field.alias or name] = _as_text(value)
        return args


IdCursor = Annotated[
    int | None,
    PlainValidator(_id_cursor),
    WithJsonSchema({"type": "string"}),
    Field(description="next_cursor of the previous page."),
]
"""The cursor of a list whose pages follow the record id (an append-only table)."""


class ListQuery(QueryModel):
    """`limit` (default 50; above 200 taken as 200; below 1 refused) and `cursor`."""

    limit: Annotated[
        int,
        PlainValidator(_limit),
        WithJsonSchema({"type": "integer", "minimum": 1}),
        Field(description="Default 50; above 200 taken as 200."),
    ] = DEFAULT_LIMIT
    cursor: Annotated[
        Cursor | None,
        PlainValidator(_cursor),
        WithJsonSchema({"type": "string"}),
        Field(description="next_cursor of the previous page."),
    ] = None


Q = TypeVar("Q", bound=QueryModel)


def parse_query(model: type[Q], args) -> tuple[Q, dict[str, list[str]]]:
    """The arguments as `model`, and an error message per bad argument (the query keeps its
    default there, so a page can still show the rest)."""
    names = [field.alias or name for name, field in model.model_fields.items()]
    given = {name: args.get(name) for name in names if (args.get(name) or "").strip()}
    errors: dict[str, list[str]] = {
        name: ["Required."] for name in sorted(model.required) if name not in given
    }
    try:
        return model.model_validate(given), errors
    except ValidationError as error:
        for problem in error.errors(include_url=False):
            errors.setdefault(str(problem["loc"][0]), []).append(problem["msg"])
    good = {name: value for name, value in given.items() if name not in errors}
    return model.model_validate(good), errors


def _parameter_schema(schema: dict, required: bool) -> dict:
    """A query argument is given, empty (the pages' filter forms send empty ones: no
    filter) or left out, never null; a required one is given."""
    schema = {key: value for key, value in schema.items() if key not in ("title", "default")}
    choices = [choice for choice in schema.pop("anyOf", []) if choice != {"type": "null"}]
    if len(choices) == 1:
        schema.update(choices[0])
    elif choices:
        schema["anyOf"] = choices
    description = schema.pop("description", None)
    if not required and schema not in (TEXT_SCHEMA, {"type": "string"}):
        schema = {"anyOf": [schema, {"const": ""}]}
    if description:
        schema["description"] = description
    return schema


def query_parameters(model: type[QueryModel]) -> list[dict]:
    """The model's fields as OpenAPI query parameters."""
    properties = model.model_json_schema(by_alias=True)["properties"]
    paging = ("limit", "cursor")
    parameters = []
    for name in sorted(properties, key=lambda name: name in paging):
        required = name in model.required
        schema = _parameter_schema(properties[name], required)
        description = schema.pop("description", None)
        parameter = {"name": name, "in": "query", "schema": schema}
        if required:
            parameter["required"] = True
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters
