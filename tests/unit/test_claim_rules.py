"""SPEC §4 claim rules: acceptance and the order of rejection codes."""

from datetime import date

import pytest

from billing.guarantee import claim_rejection, needs_admin_to_backdate

START, ENDS, TODAY = date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 10)


def decide(
    claimed_on=date(2026, 2, 10),
    today=TODAY,
    active=True,
    used=False,
    first=True,
    start=START,
    ends=ENDS,
):
    return claim_rejection(claimed_on, today, active, used, first, start, ends)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({}, None),
        ({"claimed_on": START}, None),
        ({"claimed_on": ENDS}, None),
        ({"claimed_on": date(2026, 1, 30)}, "claim_before_start"),
        ({"claimed_on": date(2026, 3, 1)}, "guarantee_window_closed"),
        ({"claimed_on": date(2026, 3, 11)}, "claim_in_future"),
        ({"active": False}, "contract_terminated"),
        ({"used": True}, "guarantee_already_used"),
        ({"first": False}, "not_first_contract"),
        ({"claimed_on": date(2026, 3, 11), "active": False, "used": True}, "claim_in_future"),
        ({"active": False, "used": True, "first": False}, "contract_terminated"),
        ({"used": True, "first": False, "claimed_on": date(2026, 1, 1)}, "guarantee_already_used"),
        ({"first": False, "claimed_on": date(2026, 1, 1)}, "not_first_contract"),
        ({"claimed_on": date(2026, 1, 1), "today": date(2026, 1, 2)}, "claim_before_start"),
        (
            {
                "start": date(2028, 1, 31),
                "ends": date(2028, 2, 29),
                "claimed_on": date(2028, 2, 29),
                "today": date(2028, 3, 1),
            },
            None,
        ),
    ],
)
def test_claim_table(changes, code):
    assert decide(**changes) == code


@pytest.mark.parametrize(
    ("claimed_on", "needs_admin"),
    [(date(2026, 3, 3), False), (date(2026, 3, 2), True), (date(2026, 3, 10), False)],
)
def test_backdating_more_than_seven_days_needs_an_admin(claimed_on, needs_admin):
    assert needs_admin_to_backdate(claimed_on, TODAY) is needs_admin
