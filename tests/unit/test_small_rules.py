"""Small pure pieces: CSV neutralising, cursors, limits, config parsing, retry backoff,
safe redirects, phone and email normalising, local dates."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auth.views import safe_next
from core.config import ConfigError, load_config, parse_bool
from core.csv_export import csv_lines, neutralise
from core.pagination import BadCursor, Cursor, clamp_limit
from core.query_models import ListQuery, parse_query
from core.time import local_date, query_date, utc_range_for_local_dates
from core.validation import InvalidValue, normalise_email_address, normalise_phone
from notifications.sender import retry_delay


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1 555", "'+1 555"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Acme", "Acme"),
        (-2, -2),
        (3, 3),
        (None, ""),
    ],
)
def test_formula_cells_are_neutralised_and_numbers_stay_numbers(value, shown):
    assert neutralise(value) == shown


def test_csv_lines_quote_commas_and_newlines():
    text = "".join(csv_lines(["a", "b"], [["x,y", "line\nbreak"]]))
    assert text == 'a,b\r\n"x,y","line\nbreak"\r\n'


@given(st.datetimes(min_value=datetime(2000, 1, 1)), st.integers(min_value=1, max_value=2**31 - 1))
def test_a_cursor_survives_the_round_trip(moment, row_id):
    assert Cursor.decode(Cursor(moment, row_id).encode()) == Cursor(moment, row_id)


@pytest.mark.parametrize(
    "token",
    ["", "abc", "!!!", "MjAyNi0xMS0yNw", Cursor(datetime(2026, 1, 1), 2**31).encode()],
)
def test_a_forged_cursor_is_refused(token):
    with pytest.raises(BadCursor):
        Cursor.decode(token)


@pytest.mark.parametrize(
    ("raw", "limit"), [(None, 50), ("", 50), ("1", 1), ("200", 200), ("201", 200), ("9999", 200)]
)
def test_limit_defaults_to_50_and_caps_at_200(raw, limit):
    assert clamp_limit(raw) == limit


@pytest.mark.parametrize("raw", ["0", "-1", "ten", "1.5"])
def test_a_limit_that_is_not_a_positive_integer_is_an_error(raw):
    with pytest.raises(ValueError):
        clamp_limit(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("Yes", True),
        ("false", False),
        ("0", False),
        ("NO", False),
    ],
)
def test_booleans_accept_the_usual_words_in_any_case(raw, value):
    assert parse_bool("X", raw) is value


def test_a_malformed_setting_is_named_in_the_error():
    with pytest.raises(ConfigError, match="ROUND_ROBIN"):
        load_config({"ROUND_ROBIN": "maybe"})
    with pytest.raises(ConfigError, match="OUTBOX_MAX_TRIES"):
        load_config({"OUTBOX_MAX_TRIES": "many"})


def test_settings_come_from_the_environment_over_defaults():
    config = load_config({"LEAD_ROLES": "Go, Rust", "REPLY_WITHIN_HOURS": "4"})
    assert config["LEAD_ROLES"] == ["Go", "Rust"]
    assert config["REPLY_WITHIN_HOURS"] == 4
    assert config["PUBLIC_RATE_LIMIT"] == "10/minute"
    assert config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    ("args", "expected", "bad"),
    [
        ({}, (50, None), []),
        ({"limit": "500"}, (200, None), []),
        ({"limit": "x", "cursor": "%%%"}, (50, None), ["limit", "cursor"]),
        (
            {"cursor": Cursor(datetime(2026, 5, 1, 9), 7).encode()},
            (50, Cursor(datetime(2026, 5, 1, 9), 7)),
            [],
        ),
    ],
)
def test_page_arguments_name_each_bad_argument(args, expected, bad):
    page, errors = parse_query(ListQuery, args)
    assert (page.limit, page.cursor) == expected
    assert sorted(errors) == sorted(bad)


@pytest.mark.parametrize(
    ("raw", "answer"),
    [
        ("2026-05-01", date(2026, 5, 1)),
        ("1900-01-01", date(1900, 1, 1)),
        ("2026-13-01", "A date as YYYY-MM-DD."),
        ("yesterday", "A date as YYYY-MM-DD."),
        ("20260501", "A date as YYYY-MM-DD."),
        ("2026-W18-5", "A date as YYYY-MM-DD."),
        ("1899-12-31", "A date between 1900-01-01 and 9998-12-31."),
        ("9999-01-01", "A date between 1900-01-01 and 9998-12-31."),
    ],
)
def test_a_query_date_is_a_supported_iso_date(raw, answer):
    if isinstance(answer, date):
        assert query_date(raw) == answer
    else:
        with pytest.raises(ValueError, match=answer):
            query_date(raw)


@pytest.mark.parametrize(("tries", "seconds"), [(1, 60), (2, 120), (3, 240), (4, 480), (7, 3840)])
def test_retries_wait_double_each_time(tries, seconds):
    assert retry_delay(tries, 60) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/dashboard/leads?q=a", "/dashboard/leads?q=a"),
        ("/dashboard", "/dashboard"),
        ("https://evil.example/", None),
        ("//evil.example/x", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("dashboard", None),
        ("", None),
        (None, None),
    ],
)
def test_next_is_honoured_only_for_local_paths(target, kept):
    assert safe_next(target) == kept


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("  Ana@Example.COM ", "ana@example.com"),
        ("x@sub.acme.example", "x@sub.acme.example"),
        ("bob@test", "bob@test"),
        ("bob@localhost", None),
        ("bob@", None),
        ("no-at-sign", None),
        ("a b@acme.io", None),
    ],
)
def test_email_syntax_only_trimmed_and_lower_cased(raw, stored):
    if stored is None:
        with pytest.raises(InvalidValue):
            normalise_email_address(raw)
    else:
        assert normalise_email_address(raw) == stored


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("(415) 555-2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
        ("call me", "call me"),
        (" 12 ", "12"),
    ],
)
def test_phone_is_e164_when_it_parses_else_kept(raw, stored):
    assert normalise_phone(raw, "US") == stored


def test_a_late_evening_in_new_york_is_still_that_day():
    assert local_date(datetime(2026, 3, 3, 4, 30), "America/New_York") == date(2026, 3, 2)
    assert local_date(datetime(2026, 3, 3, 5, 30), "America/New_York") == date(2026, 3, 3)


def test_date_filters_cover_both_whole_days_in_the_company_time_zone():
    start, end = utc_range_for_local_dates(date(2026, 7, 1), date(2026, 7, 2), "America/New_York")
    assert start == datetime(2026, 7, 1, 4, 0)
    assert end == datetime(2026, 7, 3, 4, 0)


@pytest.mark.parametrize(
    ("text", "cents"),
    [("8500", 850000), ("8,500.50", 850050), ("$8500.5", 850050), ("0.07", 7), (" 12 ", 1200)],
)
def test_amounts_typed_by_people_become_cents(text, cents):
    from core.money import parse_amount_to_cents

    assert parse_amount_to_cents(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "-5", "1.234", "1.2.3", "1e3"])
def test_amounts_that_are_not_money_are_refused(text):
    from core.money import parse_amount_to_cents

    with pytest.raises(ValueError):
        parse_amount_to_cents(text)


@pytest.mark.parametrize(("cents", "shown"), [(850050, "$8,500.50"), (-5, "-$0.05"), (0, "$0.00")])
def test_cents_are_shown_as_money(cents, shown):
    from core.money import format_cents

    assert format_cents(cents, "USD") == shown
