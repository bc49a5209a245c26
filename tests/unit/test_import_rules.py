"""The CSV import's row rules (SPEC §16, imports.rules): worked examples of what a leads file
may hold and how a row is read."""

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imports.rules import (
    LEAD_OPTIONAL,
    LEAD_REQUIRED,
    header_errors,
    lead_changes,
    parse_lead_row,
    parse_moment,
)

NOW = datetime(2026, 12, 4, 12, 0)
ROW = {"first_name": "Ana", "last_name": "Chen", "email": "Ana@Northwind.example", "company": "N"}


@pytest.mark.parametrize(
    ("header", "errors"),
    [
        (["first_name", "last_name", "email", "company"], []),
        (["company", "email", "last_name", "first_name", "phone"], []),
        (
            ["first_name", "email", "company", "fax"],
            ["Unknown column 'fax'.", "Missing column 'last_name'."],
        ),
        (
            ["first_name", "last_name", "email", "company", "email"],
            ["Column 'email' appears twice."],
        ),
    ],
)
def test_a_header_has_the_required_columns_and_no_others(header, errors):
    assert header_errors(header, LEAD_REQUIRED, LEAD_OPTIONAL) == errors


@pytest.mark.parametrize(
    ("raw", "tz", "utc"),
    [
        ("2026-03-01", "UTC", datetime(2026, 3, 1)),
        ("2026-03-01", "America/New_York", datetime(2026, 3, 1, 5)),
        ("2026-07-01T09:30:00", "America/New_York", datetime(2026, 7, 1, 13, 30)),
        ("2026-07-01T09:30:00+02:00", "America/New_York", datetime(2026, 7, 1, 7, 30)),
    ],
)
def test_a_creation_time_is_a_date_or_an_iso_time_read_in_the_timezone(raw, tz, utc):
    assert parse_moment(raw, tz) == utc


@pytest.mark.parametrize("raw", ["2026-02-30", "01/03/2026", "yesterday", "0999-01-01"])
def test_anything_else_is_refused_with_a_message(raw):
    with pytest.raises(ValueError, match="date|year"):
        parse_moment(raw, "UTC")


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({}, None),
        ({"email": "ana@"}, "email: not an email address."),
        ({"first_name": " "}, "first_name: required."),
        ({"status": "won"}, "status: won leads come in as clients (import them as clients)."),
        ({"status": "lost"}, "lost_reason: required when the status is lost."),
        ({"status": "sleeping"}, "status: one of new, contacted, qualified, proposal, lost."),
        ({"source": "form"}, "source: one of outbound, event, phone, partner, other."),
        ({"created_at": "2027-01-01"}, "created_at: in the future."),
        ({"company": "x" * 201}, "company: longer than 200 characters."),
        ({"phone": "1\x002"}, "phone: contains a NUL character."),
    ],
)
def test_a_rows_values_are_checked(extra, problem):
    row, errors = parse_lead_row(2, {**ROW, **extra}, NOW, "UTC")
    assert errors == ([] if problem is None else [problem])
    assert (row is None) is (problem is not None)


def test_a_good_row_is_normalised_with_defaults():
    row, _ = parse_lead_row(2, {**ROW, "status": "Lost", "lost_reason": "Too dear"}, NOW, "UTC")
    assert (row.email, row.status, row.source, row.created_at) == (
        "ana@northwind.example",
        "lost",
        "other",
        NOW,
    )
    assert row.key("UTC") == ("ana@northwind.example", NOW.date())


@given(st.sampled_from(["new", "contacted", "qualified"]), st.text(max_size=20))
def test_only_the_files_columns_can_change_a_lead(status, phone):
    row, _ = parse_lead_row(2, {**ROW, "status": status}, NOW, "UTC")
    current = {"first_name": "Ana", "last_name": "Chen", "company": "N", "phone": phone}
    changes = lead_changes(row, {**current, "status": "new"}, {"first_name", "status"})
    assert set(changes) <= {"first_name", "status", "lost_reason"}
    assert ("status" in changes) is (status != "new")
