"""Keyset (cursor) pagination: a page 500,000 rows deep costs the same as the first. Pure."""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_ID = 2**31 - 1


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    """The (created_at, id) of the last row shown; the next page starts after it."""

    created_at: datetime
    id: int

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "Cursor":
        try:
            padded = token + "=" * (-len(token) % 4)
            created, _, row_id = base64.urlsafe_b64decode(padded).decode().partition("|")
            cursor = cls(datetime.fromisoformat(created), int(row_id))
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise BadCursor("Not a cursor from this list.") from error
        if not 1 <= cursor.id <= MAX_ID:
            raise BadCursor("Not a cursor from this list.")
        return cursor


@dataclass(frozen=True)
class KeyCursor:
    """The sort key (as text; empty for none) and id of the last row shown, for a list
    sorted by something other than its creation moment."""

    key: str
    id: int

    PREFIX = "k."

    def encode(self) -> str:
        raw = f"{self.id}|{self.key}".encode()
        return self.PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "KeyCursor":
        if not token.startswith(cls.PREFIX):
            raise BadCursor("Not a cursor from this list.")
        try:
            body = token[len(cls.PREFIX) :]
            padded = body + "=" * (-len(body) % 4)
            row_id, _, key = base64.urlsafe_b64decode(padded).decode().partition("|")
            cursor = cls(key, int(row_id))
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise BadCursor("Not a cursor from this list.") from error
        if not 1 <= cursor.id <= MAX_ID:
            raise BadCursor("Not a cursor from this list.")
        return cursor


def query_id(raw: str) -> int | None:
    """An id from a query string (1 to 2^31 - 1), or None."""
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_ID:
        return int(raw)
    return None


def clamp_limit(raw: str | None) -> int:
    """Default 50; above 200 it is taken as 200; not a positive integer is an error."""
    if raw in (None, ""):
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValueError("limit must be a positive integer")
    return min(int(raw), MAX_LIMIT)
