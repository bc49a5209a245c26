"""The pure side of Insights (commissions/insight_series.py): ranges and their buckets,
medians from grouped counts, rates, and the series built from aggregated rows."""

import statistics
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissions import insight_series as series


@pytest.mark.parametrize(
    ("counts", "median"),
    [
        ([], None),
        ([(5, 0)], None),
        ([(7, 1)], 7),
        ([(3, 1), (5, 1)], 4),
        ([(5, 2), (36, 1)], 5),
        ([(10, 1), (60, 1)], 35),
        ([(1, 3), (100, 1)], 1),
        ([(100, 1), (1, 1), (2, 2)], 2),
    ],
)
def test_the_median_of_grouped_counts(counts, median):
    assert series.median_of_counts(counts) == median


@given(st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=60))
def test_the_median_of_grouped_counts_is_the_median_of_the_values(values):
    grouped = {value: values.count(value) for value in values}
    assert series.median_of_counts(grouped.items()) == statistics.median(values)


@pytest.mark.parametrize(
    ("numerator", "denominator", "rate"),
    [(0, 0, None), (0, 5, 0.0), (2, 7, 0.2857), (1, 3, 0.3333), (2, 3, 0.6667), (4, 4, 1.0)],
)
def test_a_rate_is_null_where_there_is_nothing_to_divide(numerator, denominator, rate):
    assert series.rate(numerator, denominator) == rate


@pytest.mark.parametrize(
    ("today", "name", "expected"),
    [
        (date(2026, 12, 4), "funnel", (date(2026, 9, 6), date(2026, 12, 4))),
        (date(2026, 3, 1), "sources", (date(2025, 12, 2), date(2026, 3, 1))),
        (date(2026, 12, 4), "liability", (date(2026, 1, 1), date(2026, 12, 4))),
        (date(2024, 2, 29), "liability", (date(2023, 3, 1), date(2024, 2, 29))),
    ],
)
def test_the_default_range_is_90_days_or_12_months_for_liability(today, name, expected):
    assert series.default_range(today, name) == expected


def test_months_are_clipped_to_the_range():
    assert [
        (b.label, b.first, b.last) for b in series.months(date(2026, 1, 15), date(2026, 3, 2))
    ] == [
        ("2026-01", date(2026, 1, 15), date(2026, 1, 31)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2026-03", date(2026, 3, 1), date(2026, 3, 2)),
    ]


def test_weeks_are_labelled_by_their_monday():
    buckets = series.weeks(date(2026, 1, 1), date(2026, 1, 12))
    assert [(b.label, b.first, b.last) for b in buckets] == [
        ("2025-12-29", date(2026, 1, 1), date(2026, 1, 4)),
        ("2026-01-05", date(2026, 1, 5), date(2026, 1, 11)),
        ("2026-01-12", date(2026, 1, 12), date(2026, 1, 12)),
    ]


@given(st.dates(date(2000, 1, 1), date(2030, 1, 1)), st.integers(0, 400))
def test_buckets_cover_every_day_of_the_range_once(start, days):
    end = start + timedelta(days=days)
    for buckets in (series.months(start, end), series.weeks(start, end)):
        covered = []
        for bucket in buckets:
            covered += [
                bucket.first + timedelta(n) for n in range((bucket.last - bucket.first).days + 1)
            ]
        assert covered == [start + timedelta(n) for n in range(days + 1)]


def test_the_funnel_counts_each_lead_at_every_status_it_reached():
    rows = [
        ("proposal", 2, False, 1),  # moved new → contacted → qualified → proposal
        ("lost", 1, False, 1),  # contacted, then lost
        ("contacted", 1, True, 1),  # lost and reopened to contacted
        ("new", 0, False, 1),
        ("won", 0, False, 2),  # converted
        ("contacted", 3, True, 1),  # reached proposal, lost, reopened
    ]
    statuses, conversion = series.funnel(rows)
    assert statuses == [
        {"status": "new", "count": 7},
        {"status": "contacted", "count": 6},
        {"status": "qualified", "count": 4},
        {"status": "proposal", "count": 4},
        {"status": "won", "count": 2},
        {"status": "lost", "count": 3},
    ]
    assert conversion == 0.2857


@given(
    st.lists(
        st.tuples(
            st.sampled_from(series.FUNNEL_ORDER),
            st.integers(0, 3),
            st.booleans(),
            st.integers(1, 5),
        ),
        max_size=20,
    )
)
def test_the_funnel_never_grows_down_the_open_statuses(rows):
    statuses, conversion = series.funnel(rows)
    counts = [s["count"] for s in statuses]
    assert counts[0] == sum(n for *_, n in rows)
    assert counts[:4] == sorted(counts[:4], reverse=True)
    assert counts[4] <= counts[3]
    assert conversion is None or 0 <= conversion <= 1


def test_liability_moves_an_entry_from_pending_to_approved_to_paid():
    buckets = series.months(date(2026, 1, 1), date(2026, 4, 30))
    rows = [
        (0, 1, 2, 10_000),  # January's accrual, approved in February, paid in March
        (-1, -1, None, 500),  # approved before the range, never paid
        (1, None, None, -2_000),  # February's reversal, still pending
        (-1, -1, -1, 7_000),  # paid before the range: not owed
    ]
    assert series.liability(buckets, rows) == [
        {"month": "2026-01", "pending_cents": 10_000, "approved_cents": 500, "paid_cents": 0},
        {"month": "2026-02", "pending_cents": -2_000, "approved_cents": 10_500, "paid_cents": 0},
        {"month": "2026-03", "pending_cents": -2_000, "approved_cents": 500, "paid_cents": 10_000},
        {"month": "2026-04", "pending_cents": -2_000, "approved_cents": 500, "paid_cents": 0},
    ]


def test_claim_months_leave_out_months_without_contracts():
    buckets = series.months(date(2026, 1, 1), date(2026, 3, 31))
    assert series.claim_months(buckets, [(2, 4, 1), (0, 2, 0)]) == [
        {"month": "2026-01", "contracts": 2, "claims": 0, "rate": 0.0},
        {"month": "2026-03", "contracts": 4, "claims": 1, "rate": 0.25},
    ]


def test_referral_months_are_filled_and_refusals_grouped_by_reason():
    buckets = series.months(date(2026, 1, 1), date(2026, 2, 28))
    rows = [(0, "attributed", None, 3, 1), (0, "refused", "self_referral", 2, 0)]
    assert series.referral_months(buckets, rows) == [
        {"month": "2026-01", "attributed": 3, "refused": {"self_referral": 2}, "became_clients": 1},
        {"month": "2026-02", "attributed": 0, "refused": {}, "became_clients": 0},
    ]


def test_a_from_after_to_is_an_error_under_to():
    assert series.range_errors(date(2026, 2, 1), date(2026, 1, 1)) == {
        "to": ["On or after the start date."]
    }
    assert series.range_errors(date(2026, 1, 1), date(2026, 1, 1)) == {}
    assert series.range_errors(date(2021, 1, 1), date(2025, 12, 31)) == {}
    assert series.range_errors(date(1900, 1, 1), date(9998, 12, 31)) == {
        "from": ["At most five years before the end date."]
    }
