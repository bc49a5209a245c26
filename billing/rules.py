"""What may be done to an invoice or a contract in its current state (SPEC §4), written once:
the services refuse with these codes, the pages offer only what is allowed. Pure."""

from dataclasses import dataclass
from datetime import date

from billing.guarantee import start_date_editable

PAYMENT, REFUND, WRITE_OFF, VOID = "payment", "refund", "write_off", "void"
INVOICE_ACTIONS = (PAYMENT, REFUND, WRITE_OFF, VOID)

START_DATE, END, ADD_INVOICE, CLAIM = "start_date", "end", "add_invoice", "claim"
CONTRACT_ACTIONS = (START_DATE, END, ADD_INVOICE, CLAIM)


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    field: str | None = None
    """The input field the refusal is about, when there is one."""


def invoice_refusal(action: str, status: str, net_paid_cents: int) -> Refusal | None:
    """Why `action` cannot be done to an invoice with this status and money net paid
    (None: it can). The amount checks (overpayment, refund above paid) come after."""
    if action == PAYMENT:
        if status == "void":
            return Refusal("invoice_void", "The invoice is void.")
        if status != "issued":
            return Refusal("overpayment", "The invoice is paid in full.", "amount_cents")
    if action == REFUND and net_paid_cents <= 0:
        return Refusal(
            "refund_exceeds_paid", "Nothing was paid that is not refunded.", "amount_cents"
        )
    if action == WRITE_OFF and status != "issued":
        return Refusal("illegal_transition", f"A {status} invoice has nothing to write off.")
    if action == VOID:
        if status == "void":
            return Refusal("invoice_void", "The invoice is already void.")
        if net_paid_cents > 0:
            return Refusal(
                "void_with_money_paid", "Money was paid on this invoice; refund it first."
            )
    return None


def invoice_actions(status: str, net_paid_cents: int) -> frozenset[str]:
    return frozenset(
        action
        for action in INVOICE_ACTIONS
        if invoice_refusal(action, status, net_paid_cents) is None
    )


def contract_refusal(
    action: str,
    status: str,
    termination_reason: str | None,
    start_date: date,
    today: date,
) -> Refusal | None:
    """Why `action` cannot be done to a contract in this state (None: it can). A claim on an
    ended contract is still recorded, as rejected (billing.guarantee decides a claim); pages
    offer the claim form only while the contract is active."""
    if action == ADD_INVOICE:
        if termination_reason == "satisfaction_guarantee":
            return Refusal(
                "contract_terminated", "The contract ended under the satisfaction guarantee."
            )
        return None
    if status != "active":
        return Refusal("contract_terminated", "The contract has already ended.")
    if action == START_DATE and not start_date_editable(start_date, today):
        return Refusal(
            "invalid", "The start date has passed and can no longer change.", "start_date"
        )
    return None


def contract_actions(
    status: str, termination_reason: str | None, start_date: date, today: date
) -> frozenset[str]:
    return frozenset(
        action
        for action in CONTRACT_ACTIONS
        if contract_refusal(action, status, termination_reason, start_date, today) is None
    )
