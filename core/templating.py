"""Template filters: how dates, times and statuses look on pages."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from core.money import format_cents
from core.time import local_date


def register(app: Flask) -> None:
    app.add_template_filter(local_datetime)
    app.add_template_filter(local_day)
    app.add_template_filter(format_cents, "money")
    app.add_template_global(guarantee_countdown)
    app.add_template_filter(percent_of_basis_points, "percent")


def percent_of_basis_points(basis_points: int) -> str:
    """1000 → "10 %", 1250 → "12.5 %"."""
    return f"{basis_points / 100:g} %"


def guarantee_countdown(contract, today: date) -> str:
    """ "(12 days left)", "(last day)" or "(closed)" for an active contract."""
    if contract.status.value != "active":
        return ""
    days = (contract.guarantee_ends_on - today).days
    if days < 0:
        return "(closed)"
    if days == 0:
        return "(last day)"
    if contract.start_date > today:
        return f"(starts in {(contract.start_date - today).days} days)"
    return f"({days} day{'s' if days != 1 else ''} left)"


def local_datetime(moment: datetime | None) -> str:
    """A stored UTC moment shown in the company time zone."""
    if moment is None:
        return ""
    local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return local.strftime("%Y-%m-%d %H:%M")


def local_day(moment: datetime | None) -> str:
    return "" if moment is None else local_date(moment, current_app.config["TIMEZONE"]).isoformat()
