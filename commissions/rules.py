"""Commission rules of SPEC §5 as plain functions of integers and dates. Pure."""

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from billing.rules import Refusal


def commission_cents(commissionable: int, net_paid: int, amount: int, rate_bp: int) -> int:
    """Half up to the cent, in one integer step on the invoice's totals:
    commissionable × net_paid × rate_bp / (amount × 10 000)."""
    if amount <= 0 or net_paid <= 0:
        return 0
    denominator = amount * 10_000
    return (2 * commissionable * net_paid * rate_bp + denominator) // (2 * denominator)


def invoice_earns(period_start: date, first_contract_start: date, months: int) -> bool:
    """Invoices whose period starts before first start + `months` calendar months earn
    (start 1 Feb 2026, 12 months: a period starting 31 Jan 2027 earns, 1 Feb 2027 does not)."""
    return period_start < first_contract_start + relativedelta(months=months)


@dataclass(frozen=True)
class InvoiceState:
    """What the ledger needs of an invoice, after whatever happened to it."""

    amount_cents: int
    commissionable_cents: int
    paid_cents: int
    refunded_cents: int
    is_void: bool
    is_fully_paid: bool
    period_start: date


@dataclass(frozen=True)
class CopiedTerms:
    """The terms copied onto the referred lead at attribution."""

    rate_bp: int
    months: int
    bonus_cents: int
    cap_cents: int | None = None


def accrual_owed(invoice: InvoiceState, terms: CopiedTerms, first_contract_start: date) -> int:
    """What the commission on this invoice should total now (voided invoices earn nothing)."""
    if invoice.is_void or not invoice_earns(
        invoice.period_start, first_contract_start, terms.months
    ):
        return 0
    net_paid = invoice.paid_cents - invoice.refunded_cents
    return commission_cents(
        invoice.commissionable_cents, net_paid, invoice.amount_cents, terms.rate_bp
    )


def bonus_owed(invoice: InvoiceState, terms: CopiedTerms, holds_the_bonus: bool) -> int:
    """The flat bonus rides on the client's first fully paid invoice, and is taken back if
    that invoice is voided or refunded in full."""
    if not holds_the_bonus or invoice.is_void:
        return 0
    if invoice.paid_cents > 0 and invoice.refunded_cents >= invoice.paid_cents:
        return 0
    return terms.bonus_cents


def payable_from(guarantee_ends_on: date, hold_days: int) -> date:
    """The first business date on which approve-due approves an entry of that contract
    (its rule is guarantee end + hold days < as_of)."""
    return guarantee_ends_on + timedelta(days=hold_days + 1)


def expected_payable_on(
    fully_paid_on: date | None, guarantee_ends_on: date, hold_days: int
) -> date:
    """When a pending entry should become payable: the day after guarantee end + hold, or
    the day its invoice was fully paid if that is later."""
    earliest = payable_from(guarantee_ends_on, hold_days)
    return max(earliest, fully_paid_on) if fully_paid_on is not None else earliest


@dataclass(frozen=True)
class PayableEstimate:
    """What the portal says about when a pending entry becomes payable."""

    on: date
    """Never before `today`: a date that has passed while approve-due has not run yet reads
    as today."""
    due_now: bool
    """The date has come: the entry waits only for the next approval (or, unpaid, only for
    the payment)."""
    awaiting_payment: bool
    """The invoice is not fully paid yet, so `on` is the earliest it can be."""


def payable_estimate(
    fully_paid_on: date | None, guarantee_ends_on: date, hold_days: int, today: date
) -> PayableEstimate:
    """expected_payable_on, clamped to `today` (SPEC §3: the portal shows when each pending
    entry is expected to become payable, and a past date would promise what has not
    happened)."""
    expected = expected_payable_on(fully_paid_on, guarantee_ends_on, hold_days)
    return PayableEstimate(
        on=max(expected, today), due_now=expected <= today, awaiting_payment=fully_paid_on is None
    )


def approvable(
    fully_paid_on: date | None,
    guarantee_ends_on: date,
    hold_days: int,
    referrer_suspended: bool,
    as_of: date,
) -> bool:
    """approve-due: the invoice fully paid on or before `as_of`, the guarantee plus the hold
    over before `as_of`, and the referrer not suspended."""
    return (
        fully_paid_on is not None
        and fully_paid_on <= as_of
        and guarantee_ends_on + timedelta(days=hold_days) < as_of
        and not referrer_suspended
    )


def run_status(line_statuses: list[str], cancelled: bool) -> str:
    """A payout run (SPEC §16): `cancelled` when cancelled or when every line failed; `open`
    while a line is open (or, uncancelled, it has no line); otherwise `paid`."""
    if cancelled:
        return "cancelled"
    if not line_statuses or "open" in line_statuses:
        return "open"
    return "paid" if "paid" in line_statuses else "cancelled"


PAY_RUN, CANCEL_RUN = "pay_run", "cancel_run"
"""What can be done to a whole run: mark every open line paid; cancel it."""


def line_refusal(run: str, line: str) -> Refusal | None:
    """Why a line cannot be marked paid or failed (None: it can)."""
    if run != "open":
        return Refusal("illegal_transition", f"The payout is already {run}.")
    if line != "open":
        return Refusal("illegal_transition", f"That line is already {line}.")
    return None


def run_refusal(action: str, run: str, line_statuses: list[str]) -> Refusal | None:
    """Why a run cannot be marked paid or cancelled (None: it can)."""
    if run != "open":
        return Refusal("illegal_transition", f"The payout is already {run}.")
    if action == PAY_RUN and "open" not in line_statuses:
        return Refusal("illegal_transition", "This run has no line to pay; cancel it.")
    if action == CANCEL_RUN and "paid" in line_statuses:
        return Refusal(
            "illegal_transition", "A line of this run is paid; mark the other lines failed."
        )
    return None


def run_actions(run: str, line_statuses: list[str]) -> frozenset[str]:
    return frozenset(
        action
        for action in (PAY_RUN, CANCEL_RUN)
        if run_refusal(action, run, line_statuses) is None
    )


def held_for_tax_form(
    year_cents: int, line_cents: int, tax_form_on_file: bool, threshold_cents: int
) -> bool:
    """SPEC §16: a line is held when its referrer has no tax form on file and the year's
    total (lines paid in the run's year, lines still open in runs of that year) plus this
    line reaches the reporting threshold."""
    return not tax_form_on_file and year_cents + line_cents >= threshold_cents


def capped(owed: list[int], cap_cents: int | None) -> list[int]:
    """SPEC §16's commission cap per client: `owed` holds what each share would earn
    uncapped, in the client's order (invoices by issue date and id; on each its commission,
    then its bonus); each share earns what the cap leaves, so the one that crosses it earns
    only the rest and those after it nothing. No cap: `owed` as it is."""
    if cap_cents is None:
        return list(owed)
    left, shares = cap_cents, []
    for amount in owed:
        share = min(amount, max(left, 0))
        shares.append(share)
        left -= share
    return shares
