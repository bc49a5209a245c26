"""SPEC §4: guarantee_ends_on = start + 1 calendar month (end-of-month clamped) + grace."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.guarantee import guarantee_ends_on, reminder_date, start_date_editable


@pytest.mark.parametrize(
    ("start", "grace", "ends"),
    [
        (date(2026, 1, 31), 0, date(2026, 2, 28)),
        (date(2028, 1, 31), 0, date(2028, 2, 29)),
        (date(2028, 1, 29), 0, date(2028, 2, 29)),
        (date(2026, 1, 30), 0, date(2026, 2, 28)),
        (date(2026, 3, 15), 0, date(2026, 4, 15)),
        (date(2026, 3, 31), 0, date(2026, 4, 30)),
        (date(2026, 12, 15), 0, date(2027, 1, 15)),
        (date(2026, 12, 31), 0, date(2027, 1, 31)),
        (date(2026, 2, 28), 0, date(2026, 3, 28)),
        (date(2026, 1, 31), 3, date(2026, 3, 3)),
        (date(2026, 3, 15), 7, date(2026, 4, 22)),
    ],
)
def test_guarantee_window_table(start, grace, ends):
    assert guarantee_ends_on(start, grace) == ends


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(min_value=0, max_value=60),
)
def test_the_window_is_one_calendar_month_plus_grace(start, grace):
    ends = guarantee_ends_on(start, grace) - timedelta(days=grace)
    months = (ends.year - start.year) * 12 + ends.month - start.month
    assert months == 1
    assert ends.day == start.day or (ends.day < start.day and (ends + timedelta(days=1)).day == 1)
    assert 28 <= (ends - start).days <= 31


def test_the_reminder_is_a_week_before_the_last_day():
    assert reminder_date(date(2026, 4, 15)) == date(2026, 4, 8)


@pytest.mark.parametrize(
    ("start", "today", "editable"),
    [
        (date(2026, 5, 1), date(2026, 4, 30), True),
        (date(2026, 5, 1), date(2026, 5, 1), True),
        (date(2026, 5, 1), date(2026, 5, 2), False),
    ],
)
def test_the_start_date_can_change_until_it_has_passed(start, today, editable):
    assert start_date_editable(start, today) is editable
