"""SPEC §5 formula and boundaries as worked examples, plus properties."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissions.rules import (
    CopiedTerms,
    InvoiceState,
    accrual_owed,
    approvable,
    bonus_owed,
    commission_cents,
    invoice_earns,
    payable_from,
)


@pytest.mark.parametrize(
    ("commissionable", "net_paid", "amount", "rate_bp", "cents"),
    [
        (100_000, 100_000, 100_000, 1000, 10_000),
        (100_005, 100_005, 100_005, 1000, 10_001),
        (100_004, 100_004, 100_004, 1000, 10_000),
        (15, 15, 15, 1000, 2),
        (5, 5, 5, 1000, 1),
        (4, 4, 4, 1000, 0),
        (80_000, 100_000, 100_000, 1000, 8_000),
        (80_000, 50_000, 100_000, 1000, 4_000),
        (80_000, 33_333, 100_000, 1000, 2_667),
        (100_000, 0, 100_000, 1000, 0),
        (100_000, 100_000, 100_000, 1250, 12_500),
        (99_999, 33_333, 99_999, 1000, 3_333),
        (1, 1, 3, 5000, 0),
        (3, 1, 3, 5000, 1),
    ],
)
def test_commission_table_half_up_in_one_step(commissionable, net_paid, amount, rate_bp, cents):
    assert commission_cents(commissionable, net_paid, amount, rate_bp) == cents


def test_rounding_is_on_the_totals_not_on_the_pieces():
    pieces = sum(commission_cents(15, 15, 15, 1000) for _ in range(3))
    assert pieces == 6
    assert commission_cents(45, 45, 45, 1000) == 5


@given(
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=0, max_value=10_000),
    st.data(),
)
def test_commission_is_the_exact_value_rounded_half_up(amount, rate_bp, data):
    from fractions import Fraction

    commissionable = data.draw(st.integers(min_value=0, max_value=amount))
    net_paid = data.draw(st.integers(min_value=0, max_value=amount))
    exact = Fraction(commissionable * net_paid * rate_bp, amount * 10_000)
    cents = commission_cents(commissionable, net_paid, amount, rate_bp)
    assert cents - Fraction(1, 2) <= exact < cents + Fraction(1, 2)


@pytest.mark.parametrize(
    ("period_start", "earns"),
    [
        (date(2026, 2, 1), True),
        (date(2027, 1, 31), True),
        (date(2027, 2, 1), False),
        (date(2027, 3, 1), False),
    ],
)
def test_twelve_months_from_the_first_start_earn(period_start, earns):
    assert invoice_earns(period_start, date(2026, 2, 1), 12) is earns


def test_months_follow_the_calendar_from_a_month_end():
    assert invoice_earns(date(2026, 2, 27), date(2026, 1, 31), 1)
    assert not invoice_earns(date(2026, 2, 28), date(2026, 1, 31), 1)


TERMS = CopiedTerms(rate_bp=1000, months=12, bonus_cents=5000)


def state(**changes) -> InvoiceState:
    values = {
        "amount_cents": 100_000,
        "commissionable_cents": 100_000,
        "paid_cents": 100_000,
        "refunded_cents": 0,
        "is_void": False,
        "is_fully_paid": True,
        "period_start": date(2026, 3, 1),
    }
    values.update(changes)
    return InvoiceState(**values)


@pytest.mark.parametrize(
    ("changes", "owed"),
    [
        ({}, 10_000),
        ({"paid_cents": 40_000, "is_fully_paid": False}, 4_000),
        ({"refunded_cents": 25_000}, 7_500),
        ({"refunded_cents": 100_000}, 0),
        ({"is_void": True}, 0),
        ({"commissionable_cents": 60_000}, 6_000),
        ({"period_start": date(2027, 2, 1)}, 0),
    ],
)
def test_accrual_owed_table(changes, owed):
    assert accrual_owed(state(**changes), TERMS, date(2026, 2, 1)) == owed


@pytest.mark.parametrize(
    ("changes", "holds", "owed"),
    [
        ({}, True, 5000),
        ({}, False, 0),
        ({"is_void": True}, True, 0),
        ({"refunded_cents": 100_000}, True, 0),
        ({"refunded_cents": 99_999}, True, 5000),
        ({"paid_cents": 0, "is_fully_paid": True}, True, 5000),
    ],
)
def test_bonus_owed_table(changes, holds, owed):
    assert bonus_owed(state(**changes), TERMS, holds) == owed


@pytest.mark.parametrize(
    ("paid_on", "ends", "hold", "suspended", "as_of", "approved"),
    [
        (date(2026, 3, 5), date(2026, 3, 1), 7, False, date(2026, 3, 9), True),
        (date(2026, 3, 5), date(2026, 3, 1), 7, False, date(2026, 3, 8), False),
        (date(2026, 3, 10), date(2026, 3, 1), 7, False, date(2026, 3, 9), False),
        (None, date(2026, 3, 1), 7, False, date(2026, 6, 1), False),
        (date(2026, 3, 5), date(2026, 3, 1), 7, True, date(2026, 6, 1), False),
        (date(2026, 3, 9), date(2026, 3, 1), 0, False, date(2026, 3, 9), True),
    ],
)
def test_approve_due_table(paid_on, ends, hold, suspended, as_of, approved):
    assert approvable(paid_on, ends, hold, suspended, as_of) is approved


def test_an_entry_is_payable_the_day_after_guarantee_plus_hold():
    assert payable_from(date(2026, 3, 1), 7) == date(2026, 3, 9)


@pytest.mark.parametrize(
    ("paid_on", "payable"),
    [
        (None, date(2026, 3, 9)),
        (date(2026, 3, 2), date(2026, 3, 9)),
        (date(2026, 3, 20), date(2026, 3, 20)),
    ],
)
def test_a_pending_entry_is_expected_payable_after_the_hold_or_once_paid(paid_on, payable):
    from commissions.rules import expected_payable_on

    assert expected_payable_on(paid_on, date(2026, 3, 1), 7) == payable
