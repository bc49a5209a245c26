"""SPEC §2 pipeline: forward through open statuses, lost with a reason, reopen to contacted,
won only by conversion."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leads.rules import OPEN_STATUSES, LeadStatus, transition_error

S = LeadStatus


@pytest.mark.parametrize(
    ("current", "target", "reason", "allowed"),
    [
        (S.NEW, S.CONTACTED, None, True),
        (S.NEW, S.PROPOSAL, None, True),
        (S.CONTACTED, S.QUALIFIED, None, True),
        (S.QUALIFIED, S.PROPOSAL, None, True),
        (S.CONTACTED, S.NEW, None, False),
        (S.PROPOSAL, S.QUALIFIED, None, False),
        (S.NEW, S.LOST, "Hired in-house", True),
        (S.PROPOSAL, S.LOST, "Budget frozen", True),
        (S.NEW, S.LOST, None, False),
        (S.NEW, S.LOST, "   ", False),
        (S.LOST, S.CONTACTED, None, True),
        (S.LOST, S.NEW, None, False),
        (S.LOST, S.QUALIFIED, None, False),
        (S.NEW, S.WON, None, False),
        (S.PROPOSAL, S.WON, None, False),
        (S.WON, S.CONTACTED, None, False),
        (S.WON, S.LOST, "changed mind", False),
    ],
)
def test_transition_table(current, target, reason, allowed):
    assert (transition_error(current, target, reason) is None) is allowed


@given(st.sampled_from(OPEN_STATUSES), st.sampled_from(OPEN_STATUSES))
def test_open_statuses_only_move_forward(current, target):
    allowed = transition_error(current, target, None) is None
    assert allowed == (OPEN_STATUSES.index(target) > OPEN_STATUSES.index(current))


@given(st.sampled_from(list(LeadStatus)), st.text(max_size=20))
def test_won_is_never_reached_by_a_status_change(current, reason):
    assert transition_error(current, LeadStatus.WON, reason) is not None


def test_refusals_say_why_in_words():
    assert "converting" in transition_error(S.NEW, S.WON, None)
    assert "why" in transition_error(S.NEW, S.LOST, "").lower()
