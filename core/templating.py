"""Template filters: how dates, times and statuses look on pages."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from core.form_errors import failed_forms, form_errors
from core.labels import label
from core.money import format_cents
from core.time import local_date


def register(app: Flask) -> None:
    app.add_template_filter(local_datetime)
    app.add_template_filter(local_day)
    app.add_template_filter(format_cents, "money")
    app.add_template_filter(percent_of_basis_points, "percent")
    app.add_template_filter(label)
    app.add_template_global(failed_forms)
    app.add_template_global(form_errors)


def percent_of_basis_points(basis_points: int) -> str:
    """1000 → "10 %", 1250 → "12.5 %"."""
    return f"{basis_points / 100:g} %"


def local_datetime(moment: datetime | None) -> str:
    """A stored UTC moment shown in the company time zone."""
    if moment is None:
        return ""
    local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return local.strftime("%Y-%m-%d %H:%M")


def local_day(moment: datetime | None) -> str:
    return "" if moment is None else local_date(moment, current_app.config["TIMEZONE"]).isoformat()
