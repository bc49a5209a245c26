"""The satisfaction guarantee window (SPEC §4). Pure: no Flask, no database, no clock."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

REMINDER_DAYS_BEFORE = 7


def guarantee_ends_on(start_date: date, grace_days: int = 0) -> date:
    """start_date + 1 calendar month, clamped to the end of a shorter month (31 January →
    28/29 February; 15 March → 15 April), plus `grace_days`. The last day a claim is taken."""
    return start_date + relativedelta(months=1) + timedelta(days=grace_days)


def reminder_date(ends_on: date) -> date:
    """The sales owner is reminded a week before the window closes."""
    return ends_on - timedelta(days=REMINDER_DAYS_BEFORE)


def start_date_editable(start_date: date, today: date) -> bool:
    """A contract's start date can change until it has passed (the start day included)."""
    return today <= start_date
