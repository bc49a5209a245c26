"""What may be done to an invoice, a contract and a lead in each state: one rule that the
services refuse by and the pages offer by (billing.rules, leads.rules)."""

from datetime import date

import pytest

from billing.rules import (
    ADD_INVOICE,
    CLAIM,
    END,
    PAYMENT,
    REFUND,
    START_DATE,
    VOID,
    WRITE_OFF,
    contract_actions,
    contract_refusal,
    invoice_actions,
    invoice_refusal,
)
from leads.rules import CHANGE_ATTRIBUTION, CONVERT, LeadStatus, lead_action_refusal, lead_actions

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("status", "net_paid", "allowed"),
    [
        ("issued", 0, {PAYMENT, WRITE_OFF, VOID}),
        ("issued", 5_000, {PAYMENT, REFUND, WRITE_OFF}),
        ("paid", 10_000, {REFUND}),
        ("paid", 0, {VOID}),
        ("void", 0, set()),
    ],
)
def test_invoice_actions_by_state(status, net_paid, allowed):
    assert invoice_actions(status, net_paid) == allowed


@pytest.mark.parametrize(
    ("action", "status", "net_paid", "code"),
    [
        (PAYMENT, "void", 0, "invoice_void"),
        (PAYMENT, "paid", 10_000, "overpayment"),
        (REFUND, "issued", 0, "refund_exceeds_paid"),
        (WRITE_OFF, "paid", 10_000, "illegal_transition"),
        (WRITE_OFF, "void", 0, "illegal_transition"),
        (VOID, "void", 0, "invoice_void"),
        (VOID, "issued", 1, "void_with_money_paid"),
    ],
)
def test_invoice_refusal_codes(action, status, net_paid, code):
    assert invoice_refusal(action, status, net_paid).code == code


@pytest.mark.parametrize(
    ("status", "reason", "start", "allowed"),
    [
        ("active", None, date(2026, 12, 10), {START_DATE, END, ADD_INVOICE, CLAIM}),
        ("active", None, TODAY, {START_DATE, END, ADD_INVOICE, CLAIM}),
        ("active", None, date(2026, 12, 1), {END, ADD_INVOICE, CLAIM}),
        ("terminated", "client_ended", date(2026, 1, 5), {ADD_INVOICE}),
        ("terminated", "satisfaction_guarantee", date(2026, 11, 20), set()),
    ],
)
def test_contract_actions_by_state(status, reason, start, allowed):
    assert contract_actions(status, reason, start, TODAY) == allowed


def test_a_contract_refusal_names_its_code_and_field():
    refusal = contract_refusal(START_DATE, "active", None, date(2026, 11, 1), TODAY)
    assert (refusal.code, refusal.field) == ("invalid", "start_date")
    ended = contract_refusal(END, "terminated", "non_payment", date(2026, 1, 1), TODAY)
    assert ended.code == "contract_terminated"


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (LeadStatus.NEW, {CONVERT, CHANGE_ATTRIBUTION}),
        (LeadStatus.PROPOSAL, {CONVERT, CHANGE_ATTRIBUTION}),
        (LeadStatus.LOST, {CHANGE_ATTRIBUTION}),
        (LeadStatus.WON, set()),
    ],
)
def test_lead_actions_by_status(status, allowed):
    assert lead_actions(status) == allowed
    for action in {CONVERT, CHANGE_ATTRIBUTION} - allowed:
        assert lead_action_refusal(action, status)
