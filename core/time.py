"""Business dates live in the company time zone; timestamps are stored in naive UTC. Pure."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(9998, 12, 31)
"""Business dates outside these years are refused: date arithmetic near year 9999 overflows."""


DATE_PATTERN = r"^(19\d\d|[2-8]\d{3}|9[0-8]\d\d|99[0-8]\d|999[0-8])-\d{2}-\d{2}$"
"""YYYY-MM-DD between 1900 and 9998 (the years business dates may have)."""
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
"""YYYY-MM-DD only: `date.fromisoformat` also takes `20260101` and `2026-W01-1`."""


def is_supported_date(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


def query_date(raw: str) -> date:
    """A business date from a query string; ValueError says what is wanted."""
    try:
        value = date.fromisoformat(raw) if ISO_DATE.fullmatch(raw) else None
    except ValueError:
        value = None
    if value is None:
        raise ValueError("A date as YYYY-MM-DD.")
    if not is_supported_date(value):
        raise ValueError(f"A date between {EARLIEST_DATE} and {LATEST_DATE}.")
    return value


def retry_delay(tries: int, base_seconds: int) -> timedelta:
    """After the n-th failed try wait base × 2^(n-1) (emails and webhooks alike)."""
    return timedelta(seconds=base_seconds * 2 ** max(tries - 1, 0))


def local_date(moment_utc: datetime, tz_name: str) -> date:
    """The calendar date in `tz_name` of a naive-UTC moment."""
    return moment_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(tz_name)).date()


def local_moment_utc(day: date, at: time, tz_name: str) -> datetime:
    """The naive-UTC moment of wall-clock time `at` on `day` in `tz_name`."""
    moment = datetime.combine(day, at, tzinfo=ZoneInfo(tz_name))
    return moment.astimezone(UTC).replace(tzinfo=None)


def local_day_start_utc(day: date, tz_name: str) -> datetime:
    """The naive-UTC moment at which `day` begins in `tz_name`."""
    return local_moment_utc(day, time.min, tz_name)


def utc_range_for_local_dates(
    date_from: date | None, date_to: date | None, tz_name: str
) -> tuple[datetime | None, datetime | None]:
    """Both ends inclusive: [start of date_from, start of the day after date_to)."""
    start = local_day_start_utc(date_from, tz_name) if date_from else None
    end = local_day_start_utc(date_to + timedelta(days=1), tz_name) if date_to else None
    return start, end


def iso_utc(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(microsecond=0).isoformat() + "Z"
