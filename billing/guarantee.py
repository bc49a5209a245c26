"""The satisfaction guarantee window (SPEC §4). Pure: no Flask, no database, no clock."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

REMINDER_DAYS_BEFORE = 7


def guarantee_ends_on(start_date: date, grace_days: int = 0) -> date:
    """start_date + 1 calendar month, clamped to the end of a shorter month (31 January →
    28/29 February; 15 March → 15 April), plus `grace_days`. The last day a claim is taken."""
    return start_date + relativedelta(months=1) + timedelta(days=grace_days)


def reminder_date(ends_on: date) -> date:
    """The sales owner is reminded a week before the window closes."""
    return ends_on - timedelta(days=REMINDER_DAYS_BEFORE)


def start_date_editable(start_date: date, today: date) -> bool:
    """A contract's start date can change until it has passed (the start day included)."""
    return today <= start_date


CLAIM_IN_FUTURE = "claim_in_future"
CONTRACT_TERMINATED = "contract_terminated"
GUARANTEE_ALREADY_USED = "guarantee_already_used"
NOT_FIRST_CONTRACT = "not_first_contract"
CLAIM_BEFORE_START = "claim_before_start"
GUARANTEE_WINDOW_CLOSED = "guarantee_window_closed"
BACKDATE_LIMIT_DAYS = 7


def claim_rejection(
    claimed_on: date,
    today: date,
    contract_active: bool,
    client_already_claimed: bool,
    is_first_contract: bool,
    start_date: date,
    ends_on: date,
) -> str | None:
    """None when a claim is accepted, else the first reason in the order of SPEC §4."""
    if claimed_on > today:
        return CLAIM_IN_FUTURE
    if not contract_active:
        return CONTRACT_TERMINATED
    if client_already_claimed:
        return GUARANTEE_ALREADY_USED
    if not is_first_contract:
        return NOT_FIRST_CONTRACT
    if claimed_on < start_date:
        return CLAIM_BEFORE_START
    if claimed_on > ends_on:
        return GUARANTEE_WINDOW_CLOSED
    return None


def needs_admin_to_backdate(claimed_on: date, today: date) -> bool:
    """A claim dated more than 7 days before the day it is entered needs an admin."""
    return claimed_on < today - timedelta(days=BACKDATE_LIMIT_DAYS)


def guarantee_countdown(contract, today: date) -> str:
    """ "(12 days left)", "(last day)" or "(closed)" for an active contract."""
    if contract.status.value != "active":
        return ""
    days = (contract.guarantee_ends_on - today).days
    if days < 0:
        return "(closed)"
    if days == 0:
        return "(last day)"
    if contract.start_date > today:
        return f"(starts in {(contract.start_date - today).days} days)"
    return f"({days} day{'s' if days != 1 else ''} left)"
