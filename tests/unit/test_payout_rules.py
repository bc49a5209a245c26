"""A payout run's status and what may be done to it and its lines (SPEC §16): one rule the
services refuse by and the payout page offers by (commissions.rules)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissions.rules import (
    CANCEL_RUN,
    PAY_RUN,
    held_for_tax_form,
    line_refusal,
    run_actions,
    run_refusal,
    run_status,
)

LINE = st.sampled_from(["open", "paid", "failed"])


@pytest.mark.parametrize(
    ("lines", "cancelled", "status"),
    [
        ([], False, "open"),
        ([], True, "cancelled"),
        (["open"], False, "open"),
        (["open", "paid"], False, "open"),
        (["open", "failed"], False, "open"),
        (["paid"], False, "paid"),
        (["paid", "failed"], False, "paid"),
        (["failed", "failed"], False, "cancelled"),
        (["failed"], True, "cancelled"),
    ],
)
def test_a_runs_status_follows_its_lines(lines, cancelled, status):
    assert run_status(lines, cancelled) == status


@given(st.lists(LINE, min_size=1, max_size=6))
def test_a_run_is_paid_exactly_when_no_line_is_open_and_one_is_paid(lines):
    paid = "open" not in lines and "paid" in lines
    assert (run_status(lines, cancelled=False) == "paid") is paid


@pytest.mark.parametrize(
    ("run", "lines", "allowed"),
    [
        ("open", [], {CANCEL_RUN}),
        ("open", ["open", "open"], {PAY_RUN, CANCEL_RUN}),
        ("open", ["open", "failed"], {PAY_RUN, CANCEL_RUN}),
        ("open", ["open", "paid"], {PAY_RUN}),
        ("paid", ["paid"], set()),
        ("cancelled", ["failed"], set()),
    ],
)
def test_what_may_be_done_to_a_run(run, lines, allowed):
    assert run_actions(run, lines) == allowed
    for action in {PAY_RUN, CANCEL_RUN} - allowed:
        assert run_refusal(action, run, lines).code == "illegal_transition"


@pytest.mark.parametrize(
    ("run", "line", "refused"),
    [
        ("open", "open", False),
        ("open", "paid", True),
        ("open", "failed", True),
        ("paid", "paid", True),
        ("cancelled", "failed", True),
    ],
)
def test_only_an_open_line_of_an_open_run_is_paid_or_failed(run, line, refused):
    refusal = line_refusal(run, line)
    assert (refusal is not None) is refused
    if refused:
        assert refusal.code == "illegal_transition"


@pytest.mark.parametrize(
    ("year_cents", "line_cents", "on_file", "held"),
    [
        (0, 199_999, False, False),
        (0, 200_000, False, True),
        (150_000, 49_999, False, False),
        (150_000, 50_000, False, True),
        (150_000, 60_000, True, False),
        (0, 5_000_000, True, False),
    ],
)
def test_a_line_reaching_the_reporting_threshold_without_a_tax_form_is_held(
    year_cents, line_cents, on_file, held
):
    assert held_for_tax_form(year_cents, line_cents, on_file, 200_000) is held


@given(st.integers(0, 10**9), st.integers(1, 10**9), st.integers(1, 10**9))
def test_a_tax_form_on_file_never_holds_and_without_one_the_year_total_decides(
    year_cents, line_cents, threshold
):
    assert held_for_tax_form(year_cents, line_cents, True, threshold) is False
    held = held_for_tax_form(year_cents, line_cents, False, threshold)
    assert held is (year_cents + line_cents >= threshold)
