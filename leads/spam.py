"""Bot checks for the public hire form: a honeypot field and a minimum fill time measured
from a signed, sub-second render timestamp (itsdangerous, as Flask itself signs)."""

import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "hire-form-rendered-at"
MAX_FORM_AGE_SECONDS = 24 * 3600
"""A render older than this is not accepted as is (SPEC §14): a page kept open for days, or
a recorded post replayed forever, is asked to send again."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def render_stamp(now: float | None = None) -> str:
    return _serializer().dumps(round(now if now is not None else time.time(), 3))


SPAM_LABELS = {
    "honeypot": "Filled in the hidden field",
    "bad_timestamp": "Form sent without a valid render time",
    "too_fast": "Sent too fast",
}
"""What the quarantine page shows for spam_reason's codes."""


def spam_reason(honeypot: str | None, stamp: str | None, now: float | None = None) -> str | None:
    """`honeypot`, `bad_timestamp` or `too_fast` for a bot, None for a person."""
    if honeypot:
        return "honeypot"
    try:
        rendered = float(_serializer().loads(stamp or ""))
    except (BadSignature, TypeError, ValueError):
        return "bad_timestamp"
    elapsed = (now if now is not None else time.time()) - rendered
    if elapsed < current_app.config["FORM_MIN_SECONDS"]:
        return "too_fast"
    return None


def is_stale(stamp: str | None, now: float | None = None) -> bool:
    """A well-signed render older than MAX_FORM_AGE_SECONDS (a bad stamp is spam_reason's)."""
    try:
        rendered = float(_serializer().loads(stamp or ""))
    except (BadSignature, TypeError, ValueError):
        return False
    return (now if now is not None else time.time()) - rendered > MAX_FORM_AGE_SECONDS
