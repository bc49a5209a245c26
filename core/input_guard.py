"""Input no database can store is refused up front, for every page and endpoint alike:
ids beyond 32 bits never reach a query, and NUL characters (which PostgreSQL refuses in
text) never reach a form."""

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a number too large to be an id simply matches nothing (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def refuse_nul_characters() -> None:
    values = [*request.args.values(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400, "Text may not contain NUL characters.")


def register(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_characters)
