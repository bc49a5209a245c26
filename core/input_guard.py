"""Input no database can store is refused up front, for every page and endpoint alike:
ids beyond 32 bits never reach a query, and NUL characters (which PostgreSQL refuses in
text) never reach a form."""

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from core.pagination import MAX_ID


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a number too large to be an id becomes 0, which no row
    has, so every view answers its own 404 (a `max` would make the router answer 405)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


class UnstorableText(BadRequest):
    """A NUL in a query-string or form value: a page answers 400; the API answers 422
    `invalid` naming each argument, as it does for the same NUL in a JSON body."""

    def __init__(self, names: list[str]):
        super().__init__("Text may not contain NUL characters.")
        self.names = names


def refuse_nul_characters() -> None:
    given = [*request.args.items(multi=True), *request.form.items(multi=True)]
    names = sorted({name for name, value in given if "\x00" in value or "\x00" in name})
    if names:
        raise UnstorableText(names)


def register(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_characters)
