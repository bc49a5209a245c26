"""The workspace's pure rules (SPEC §13): where a lead stands in its owner's day, how long a
new lead has waited, what a next action may be, and the keyed cursor of sorted lists."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.pagination import BadCursor, KeyCursor
from leads.rules import (
    OPEN_STATUSES,
    LeadStatus,
    Wait,
    WorkBucket,
    first_contact_wait,
    next_action_errors,
    work_bucket,
)

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(
    ("status", "next_action_on", "bucket"),
    [
        (LeadStatus.NEW, date(2026, 12, 3), WorkBucket.OVERDUE),
        (LeadStatus.PROPOSAL, date(2026, 11, 1), WorkBucket.OVERDUE),
        (LeadStatus.CONTACTED, TODAY, WorkBucket.DUE_TODAY),
        (LeadStatus.NEW, None, WorkBucket.NEW_WITHOUT_ACTION),
        (LeadStatus.CONTACTED, None, WorkBucket.LATER),
        (LeadStatus.NEW, date(2026, 12, 5), WorkBucket.LATER),
        (LeadStatus.QUALIFIED, date(2027, 1, 4), WorkBucket.LATER),
    ],
)
def test_work_buckets(status, next_action_on, bucket):
    assert work_bucket(status, next_action_on, TODAY) == bucket


@given(
    st.sampled_from(OPEN_STATUSES),
    st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2030, 12, 31))),
)
def test_an_earlier_next_action_never_sorts_after_a_later_one(status, day):
    if day is None:
        return
    later = day + timedelta(days=1)
    assert work_bucket(status, day, TODAY) <= work_bucket(status, later, TODAY)


CREATED = datetime(2026, 12, 4, 9, 0)


@pytest.mark.parametrize(
    ("now", "status", "hours", "wait"),
    [
        (CREATED, LeadStatus.NEW, 4.0, Wait(0, False)),
        (CREATED + timedelta(hours=3, minutes=59), LeadStatus.NEW, 4.0, Wait(3, False)),
        (CREATED + timedelta(hours=4), LeadStatus.NEW, 4.0, Wait(4, True)),
        (CREATED + timedelta(hours=1, minutes=30), LeadStatus.NEW, 1.5, Wait(1, True)),
        (CREATED + timedelta(hours=30), LeadStatus.NEW, 4.0, Wait(30, True)),
        (CREATED - timedelta(minutes=5), LeadStatus.NEW, 4.0, Wait(0, False)),
        (CREATED + timedelta(hours=30), LeadStatus.CONTACTED, 4.0, None),
    ],
)
def test_first_contact_waits(now, status, hours, wait):
    assert first_contact_wait(CREATED, now, status, hours) == wait


@pytest.mark.parametrize(
    ("status", "on", "text", "errors"),
    [
        (LeadStatus.NEW, TODAY, "Call", {}),
        (LeadStatus.NEW, None, None, {}),
        (LeadStatus.PROPOSAL, None, "Chase the contract", {}),
        (
            LeadStatus.NEW,
            TODAY - timedelta(days=1),
            None,
            {"next_action_on": ["Choose today or a later day."]},
        ),
        (LeadStatus.NEW, None, "x" * 200, {}),
        (LeadStatus.NEW, None, "x" * 201, {"next_action": ["At most 200 characters."]}),
        (LeadStatus.WON, TODAY, None, {"next_action": ["A won lead has no next action."]}),
        (LeadStatus.LOST, None, "Call", {"next_action": ["A lost lead has no next action."]}),
        (LeadStatus.LOST, None, None, {}),
    ],
)
def test_next_action_rules(status, on, text, errors):
    assert next_action_errors(status, on, text, TODAY) == errors


@given(st.text(max_size=80), st.integers(1, 2**31 - 1))
def test_a_key_cursor_reads_back_what_it_wrote(key, row_id):
    assert KeyCursor.decode(KeyCursor(key, row_id).encode()) == KeyCursor(key, row_id)


@pytest.mark.parametrize("token", ["", "abc", "k.", "k.!!!", KeyCursor("a", 2**31).encode()])
def test_a_bad_key_cursor_is_refused(token):
    with pytest.raises(BadCursor):
        KeyCursor.decode(token)
