"""SPEC §13 "Words and numbers people read": money typed in dollars, rates in percent,
labels instead of codes, the status moves a lead page offers, and the portal's expected
payable date, as worked examples and properties."""

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissions.rules import payable_estimate
from core.labels import label
from core.money import (
    MAX_CENTS,
    basis_points_as_percent,
    cents_for_input,
    format_cents,
    parse_amount_to_cents,
    parse_percent_to_basis_points,
)
from leads.rules import LEAD_LABELS, LeadSource, LeadStatus, StartTimeline, status_moves
from referrals.attribution import REASONS, REFUSAL_LABELS


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("18000", 1_800_000),
        ("18,000.00", 1_800_000),
        ("$18,000", 1_800_000),
        ("$18,000.5", 1_800_050),
        ("1,234,567.89", 123_456_789),
        ("0", 0),
        ("0.07", 7),
        (".5", 50),
        ("12.", 1200),
        ("  $ 25,500.00 ", 2_550_000),
        ("10000000000", MAX_CENTS),
    ],
)
def test_dollars_as_people_type_them_become_exact_cents(typed, cents):
    assert parse_amount_to_cents(typed) == cents


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "The amount cannot be negative."),
        ("$-5", "The amount cannot be negative."),
        ("−5", "The amount cannot be negative."),
        ("1.234", "At most two decimals (cents)."),
        ("18,000.001", "At most two decimals (cents)."),
        ("", "Type an amount in dollars"),
        ("lots", "Type an amount in dollars"),
        ("1e3", "Type an amount in dollars"),
        ("1.2.3", "Type an amount in dollars"),
        ("1,5", "Type an amount in dollars"),
        ("12,34,567", "Type an amount in dollars"),
        ("٣", "Type an amount in dollars"),
        ("$", "Type an amount in dollars"),
        ("10000000000.01", "At most $10,000,000,000.00."),
        ("9" * 5000, "At most $10,000,000,000.00."),
    ],
)
def test_what_is_not_an_amount_is_refused_with_a_message_for_people(typed, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_amount_to_cents(typed)


@given(st.integers(min_value=0, max_value=MAX_CENTS))
def test_an_amount_shown_to_people_reads_back_as_the_same_cents(cents):
    assert parse_amount_to_cents(format_cents(cents, "USD")) == cents
    assert parse_amount_to_cents(cents_for_input(cents)) == cents
    assert parse_amount_to_cents(f"{cents // 100}.{cents % 100:02d}") == cents


@given(st.text(max_size=30))
def test_any_text_is_either_an_amount_or_a_value_error(text):
    try:
        cents = parse_amount_to_cents(text)
    except ValueError:
        return
    assert 0 <= cents <= MAX_CENTS


@pytest.mark.parametrize(
    ("typed", "basis_points"),
    [("10", 1000), ("12.5", 1250), ("7.25", 725), ("0", 0), ("100", 10_000), ("12.5 %", 1250)],
)
def test_a_rate_typed_in_percent_becomes_basis_points(typed, basis_points):
    assert parse_percent_to_basis_points(typed) == basis_points


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "cannot be negative"),
        ("100.01", "At most 100 %"),
        ("1000", "At most 100 %"),
        ("12.345", "At most two decimals"),
        ("ten", "Type a percentage"),
        ("", "Type a percentage"),
    ],
)
def test_what_is_not_a_rate_is_refused(typed, message):
    with pytest.raises(ValueError, match=message):
        parse_percent_to_basis_points(typed)


@pytest.mark.parametrize(
    ("basis_points", "shown"), [(1000, "10"), (1250, "12.5"), (725, "7.25"), (0, "0"), (5, "0.05")]
)
def test_basis_points_are_shown_as_a_percent_to_type(basis_points, shown):
    assert basis_points_as_percent(basis_points) == shown


@given(st.integers(min_value=0, max_value=10_000))
def test_a_rate_shown_reads_back_as_the_same_basis_points(basis_points):
    assert parse_percent_to_basis_points(basis_points_as_percent(basis_points)) == basis_points


@pytest.mark.parametrize(
    ("current", "moves"),
    [
        (LeadStatus.NEW, ("contacted", "qualified", "proposal", "lost")),
        (LeadStatus.QUALIFIED, ("proposal", "lost")),
        (LeadStatus.PROPOSAL, ("lost",)),
        (LeadStatus.LOST, ("contacted",)),
        (LeadStatus.WON, ()),
    ],
)
def test_a_lead_page_offers_only_the_moves_the_pipeline_allows(current, moves):
    assert status_moves(current) == moves


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        (LeadStatus.PROPOSAL, "Proposal"),
        (StartTimeline.WITHIN_MONTH, "Within a month"),
        ("within_month", "Within a month"),
        ("created_from", "Created from"),
        (None, ""),
    ],
)
def test_codes_read_as_labels(app, code, shown):
    assert label(code) == shown


def test_every_pipeline_code_and_refusal_reason_has_a_label():
    assert all(member in LEAD_LABELS for member in (*LeadStatus, *LeadSource, *StartTimeline))
    assert set(REFUSAL_LABELS) == set(REASONS)


ENDS = date(2026, 3, 1)
"""A guarantee that ends on 1 March; with 7 days' hold, approve-due approves from 9 March."""


@pytest.mark.parametrize(
    ("paid_on", "today", "on", "due_now", "awaiting_payment"),
    [
        (date(2026, 2, 10), date(2026, 2, 20), date(2026, 3, 9), False, False),
        (date(2026, 2, 10), date(2026, 3, 9), date(2026, 3, 9), True, False),
        (date(2026, 2, 10), date(2026, 4, 2), date(2026, 4, 2), True, False),
        (date(2026, 3, 20), date(2026, 3, 25), date(2026, 3, 25), True, False),
        (None, date(2026, 2, 20), date(2026, 3, 9), False, True),
        (None, date(2026, 5, 1), date(2026, 5, 1), True, True),
    ],
)
def test_the_expected_payable_date_is_never_in_the_past(
    paid_on, today, on, due_now, awaiting_payment
):
    estimate = payable_estimate(paid_on, ENDS, 7, today)
    assert (estimate.on, estimate.due_now, estimate.awaiting_payment) == (
        on,
        due_now,
        awaiting_payment,
    )


@given(
    st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2027, 12, 31))),
    st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    st.integers(0, 60),
    st.dates(date(2025, 1, 1), date(2027, 12, 31)),
)
def test_no_estimate_lies_in_the_past(paid_on, ends_on, hold_days, today):
    assert payable_estimate(paid_on, ends_on, hold_days, today).on >= today
