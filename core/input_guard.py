"""Input no database can store is refused up front, for every page and endpoint alike:
ids beyond 32 bits never reach a query, and NUL characters (which PostgreSQL refuses in
text) never reach a form."""

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

from core.pagination import MAX_ID


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a number too large to be an id becomes 0, which no row
    has, so every view answers its own 404 (a `max` would make the router answer 405)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


def refuse_nul_characters() -> None:
    values = [*request.args.values(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400, "Text may not contain NUL characters.")


def register(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_characters)
