"""Case-insensitive "starts with" tests in SQL, the LIKE wildcards of the typed text escaped
(so `50%` or `a_b` match themselves)."""

import sqlalchemy as sa

ESCAPE = "\\"


def like_escaped(text: str) -> str:
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")


def starts_with(column, prefix: str):
    return sa.func.lower(column).like(like_escaped(prefix.lower()) + "%", escape=ESCAPE)


def starts_a_word(column, prefix: str):
    """The text or any of its space-separated words starts with `prefix`."""
    word = "% " + like_escaped(prefix.lower()) + "%"
    return sa.or_(starts_with(column, prefix), sa.func.lower(column).like(word, escape=ESCAPE))
