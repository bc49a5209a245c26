"""The business date now: services read it once and pass it to rules as `as_of`/`today`."""

from datetime import date

from flask import current_app

from core.db import utcnow
from core.time import local_date


def business_today() -> date:
    """Today in the company time zone (TIMEZONE)."""
    return local_date(utcnow(), current_app.config["TIMEZONE"])
