"""The commission cap per client (SPEC §16, commissions.rules.capped): worked examples and
the properties every capped ledger relies on."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissions.rules import capped


@pytest.mark.parametrize(
    ("owed", "cap", "shares"),
    [
        ([10_000, 10_000, 10_000], None, [10_000, 10_000, 10_000]),
        ([10_000, 10_000, 10_000], 25_000, [10_000, 10_000, 5_000]),  # the third crosses it
        ([10_000, 10_000, 10_000], 20_000, [10_000, 10_000, 0]),
        ([10_000, 5_000, 10_000], 12_000, [10_000, 2_000, 0]),  # a bonus is capped as well
        ([0, 10_000, 10_000], 15_000, [0, 10_000, 5_000]),  # a refunded invoice frees room
        ([10_000], 0, [0]),
        ([], 5_000, []),
    ],
)
def test_shares_under_a_cap(owed, cap, shares):
    assert capped(owed, cap) == shares


def test_a_refund_on_an_early_invoice_raises_a_later_ones_share():
    before = capped([10_000, 10_000, 10_000], 25_000)
    after = capped([4_000, 10_000, 10_000], 25_000)
    assert (before[2], after[2]) == (5_000, 10_000)
    assert sum(after) == 24_000


OWED = st.lists(st.integers(0, 10**8), max_size=8)


@given(OWED, st.integers(0, 10**9))
def test_the_total_is_the_uncapped_total_or_the_cap_whichever_is_less(owed, cap):
    shares = capped(owed, cap)
    assert sum(shares) == min(sum(owed), cap)
    assert all(0 <= share <= amount for share, amount in zip(shares, owed, strict=True))


@given(OWED, st.integers(0, 10**9))
def test_shares_are_taken_in_order(owed, cap):
    """Once a share is cut short, every later share is zero."""
    shares = capped(owed, cap)
    cut = [i for i, (share, amount) in enumerate(zip(shares, owed, strict=True)) if share < amount]
    if cut:
        assert all(share == 0 for share in shares[cut[0] + 1 :])
