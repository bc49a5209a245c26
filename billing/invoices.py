"""Invoices, payments, refunds, write-offs and voids (SPEC §4). Every event locks the
invoice row, checks the rules, updates the totals and sends `invoice_changed`, on which the
commission ledger reconciles in the same transaction. `external_id` makes retries safe: the
same body again answers the same record, another body 409."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from billing.models import (
    Contract,
    Invoice,
    InvoiceStatus,
    Payment,
    Refund,
    RefundStatus,
)
from billing.rules import ADD_INVOICE, PAYMENT, VOID, WRITE_OFF, invoice_refusal
from billing.serialize import invoice_to_dict
from billing.services import (
    check_currency,
    lock_client_of,
    raise_refusal,
    refuse_unless_allowed,
)
from billing.signals import invoice_changed
from core import audit
from core.audit import changed, created
from core.db import utcnow
from core.extensions import db
from core.money import MAX_CENTS, format_cents
from core.previews import INVOICES_VOIDED, tally
from core.service_errors import ServiceError
from core.today import business_today
from core.unit_of_work import run_in_transaction
from notifications.webhooks import emit


@dataclass
class Recorded:
    invoice: Invoice
    created: bool


def _invalid(field: str, message: str) -> ServiceError:
    return ServiceError("invalid", message, {field: [message]})


def _not_in_future(field: str, day: date) -> None:
    if day > business_today():
        raise ServiceError(
            "date_in_future",
            "That date is in the future.",
            {field: ["That date is in the future."]},
        )


def _idempotent(model, external_id: str | None, same: dict) -> object | None:
    """The earlier record of this external_id if its fields match; 409 if they differ."""
    if external_id is None:
        return None
    query = sa.select(model).where(model.external_id == external_id)
    if model is Invoice:
        query = query.options(selectinload(Invoice.refunds))
    earlier = db.session.scalar(query)
    if earlier is None:
        return None
    if any(getattr(earlier, name) != value for name, value in same.items()):
        raise ServiceError(
            "idempotency_conflict",
            "That external_id was used with other values.",
            {"external_id": ["Already used with other values."]},
        )
    return earlier


def _in_transaction(work):
    """One unit of work; a concurrent duplicate (unique constraint) is retried once, when the
    idempotency check then finds the earlier record."""
    return run_in_transaction(work, retry_on_conflict=True)


def _check_amount(amount_cents: int) -> None:
    if not 1 <= amount_cents <= MAX_CENTS:
        raise _invalid("amount_cents", f"Between 1 cent and {format_cents(MAX_CENTS)}.")


def _refuse_unless_allowed(action: str, invoice: Invoice) -> None:
    refusal = invoice_refusal(action, invoice.status.value, invoice.net_paid_cents)
    if refusal is not None:
        raise_refusal(refusal)


def lock_invoice(invoice_id: int) -> Invoice:
    """The invoice's row lock, with the refunds its answer lists (loaded inside the
    transaction: the answer is built from memory after the commit)."""
    lock_client_of(sa.select(Invoice.contract_id).where(Invoice.id == invoice_id).scalar_subquery())
    invoice = db.session.scalar(
        sa.select(Invoice)
        .where(Invoice.id == invoice_id)
        .options(selectinload(Invoice.refunds))
        .with_for_update()
    )
    if invoice is None:
        raise ServiceError("not_found", "No such invoice.")
    return invoice


def money_state(invoice: Invoice) -> dict:
    """The invoice fields (§8) that money events change, for the audit log."""
    return {
        "status": invoice.status,
        "paid_cents": invoice.paid_cents,
        "refunded_cents": invoice.refunded_cents,
        "written_off_cents": invoice.written_off_cents,
    }


def audit_money_event(action: str, invoice: Invoice, before: dict, **extra) -> None:
    audit.record(action, "invoice", invoice.id, {**changed(before, money_state(invoice)), **extra})


def get_invoice(invoice_id: int) -> Invoice | None:
    return db.session.get(Invoice, invoice_id)


@dataclass
class InvoiceInput:
    number: str
    issue_date: date
    period_start: date
    period_end: date
    amount_cents: int
    currency: str
    commissionable_cents: int | None = None
    external_id: str | None = None


def add_invoice(contract_id: int, data: InvoiceInput) -> Recorded:
    def work() -> Recorded:
        lock_client_of(contract_id)
        contract = db.session.scalar(
            sa.select(Contract).where(Contract.id == contract_id).with_for_update()
        )
        if contract is None:
            raise ServiceError("not_found", "No such contract.")
        commissionable = (
            data.amount_cents if data.commissionable_cents is None else data.commissionable_cents
        )
        same = {
            "contract_id": contract_id,
            "number": data.number,
            "issue_date": data.issue_date,
            "period_start": data.period_start,
            "period_end": data.period_end,
            "amount_cents": data.amount_cents,
            "commissionable_cents": commissionable,
            "currency": data.currency.upper(),
        }
        earlier = _idempotent(Invoice, data.external_id, same)
        if earlier is not None:
            return Recorded(earlier, created=False)
        check_currency(data.currency)
        _check_amount(data.amount_cents)
        if not 0 <= commissionable <= data.amount_cents:
            raise _invalid("commissionable_cents", "Between 0 and the amount.")
        if data.period_start > data.period_end:
            raise _invalid("period_end", "The period ends before it starts.")
        if data.period_start < contract.start_date:
            raise _invalid(
                "period_start",
                "The period starts before the contract does "
                f"({contract.start_date.isoformat()}): is this the right contract?",
            )
        refuse_unless_allowed(ADD_INVOICE, contract, business_today())
        if db.session.scalar(sa.select(Invoice.id).where(Invoice.number == data.number)):
            raise ServiceError(
                "duplicate", "An invoice with that number exists.", {"number": ["Already used."]}
            )
        invoice = Invoice(external_id=data.external_id, refunds=[], **same)
        db.session.add(invoice)
        db.session.flush()
        audit.record(
            "invoice.created",
            "invoice",
            invoice.id,
            created({**same, "status": invoice.status, "external_id": data.external_id}),
        )
        return Recorded(invoice, created=True)

    return _in_transaction(work)


def _latest_payment_date(invoice_id: int, settling_day: date) -> date:
    """An invoice is fully paid on the latest of its payment dates (and the settling one),
    whatever order they were recorded in."""
    latest = db.session.scalar(
        sa.select(sa.func.max(Payment.paid_on)).where(Payment.invoice_id == invoice_id)
    )
    return settling_day if latest is None else max(latest, settling_day)


def record_payment(
    invoice_id: int, amount_cents: int, paid_on: date, external_id: str | None = None
) -> Recorded:
    def work() -> Recorded:
        invoice = lock_invoice(invoice_id)
        same = {"invoice_id": invoice_id, "amount_cents": amount_cents, "paid_on": paid_on}
        if _idempotent(Payment, external_id, same) is not None:
            return Recorded(invoice, created=False)
        _refuse_unless_allowed(PAYMENT, invoice)
        _check_amount(amount_cents)
        _not_in_future("paid_on", paid_on)
        before = money_state(invoice)
        if amount_cents > invoice.owed_cents:
            raise ServiceError(
                "overpayment",
                f"Only {format_cents(invoice.owed_cents, invoice.currency)} is still owed.",
                {"amount_cents": [f"At most {invoice.owed_cents} cents."]},
            )
        db.session.add(
            Payment(
                invoice_id=invoice.id,
                amount_cents=amount_cents,
                paid_on=paid_on,
                external_id=external_id,
            )
        )
        invoice.paid_cents += amount_cents
        if invoice.owed_cents == 0:
            invoice.status = InvoiceStatus.PAID
            invoice.fully_paid_on = _latest_payment_date(invoice.id, paid_on)
        db.session.flush()
        if invoice.status == InvoiceStatus.PAID:
            emit("invoice.paid", lambda: invoice_to_dict(invoice))
        audit_money_event("invoice.payment_recorded", invoice, before)
        invoice_changed.send(invoice)
        return Recorded(invoice, created=True)

    return _in_transaction(work)


def record_refund(
    invoice_id: int,
    amount_cents: int,
    refunded_on: date,
    reason: str | None = None,
    external_id: str | None = None,
) -> Recorded:
    """A refund finance already sent. It never reopens the invoice."""

    def work() -> Recorded:
        invoice = lock_invoice(invoice_id)
        same = {
            "invoice_id": invoice_id,
            "amount_cents": amount_cents,
            "refunded_on": refunded_on,
            "reason": reason,
        }
        if _idempotent(Refund, external_id, same) is not None:
            return Recorded(invoice, created=False)
        _check_amount(amount_cents)
        _not_in_future("refunded_on", refunded_on)
        before = money_state(invoice)
        if amount_cents > invoice.net_paid_cents:
            raise ServiceError(
                "refund_exceeds_paid",
                f"Only {format_cents(invoice.net_paid_cents, invoice.currency)} was paid and"
                " not refunded.",
                {"amount_cents": [f"At most {invoice.net_paid_cents} cents."]},
            )
        invoice.refunds.append(
            Refund(
                amount_cents=amount_cents,
                status=RefundStatus.SENT,
                refunded_on=refunded_on,
                reason=reason,
                external_id=external_id,
            )
        )
        invoice.refunded_cents += amount_cents
        db.session.flush()
        audit_money_event("invoice.refund_recorded", invoice, before)
        invoice_changed.send(invoice)
        return Recorded(invoice, created=True)

    return _in_transaction(work)


def write_off(invoice_id: int, reason: str, written_off_on: date) -> Invoice:
    """The unpaid remainder is written off: the invoice counts as paid on that date."""

    def work() -> Invoice:
        invoice = lock_invoice(invoice_id)
        _refuse_unless_allowed(WRITE_OFF, invoice)
        if not (reason or "").strip():
            raise _invalid("reason", "Say why.")
        _not_in_future("written_off_on", written_off_on)
        before = money_state(invoice)
        invoice.written_off_cents = invoice.owed_cents
        invoice.write_off_reason = reason.strip()
        invoice.status = InvoiceStatus.PAID
        invoice.fully_paid_on = _latest_payment_date(invoice.id, written_off_on)
        db.session.flush()
        emit("invoice.paid", lambda: invoice_to_dict(invoice))
        audit_money_event(
            "invoice.written_off", invoice, before, reason=[None, invoice.write_off_reason]
        )
        invoice_changed.send(invoice)
        return invoice

    return _in_transaction(work)


def void(invoice_id: int, reason: str) -> Invoice:
    """Only with nothing net paid (a guarantee claim voids with refunds instead)."""

    def work() -> Invoice:
        invoice = lock_invoice(invoice_id)
        if invoice.status == InvoiceStatus.VOID:
            _refuse_unless_allowed(VOID, invoice)
        if not (reason or "").strip():
            raise _invalid("reason", "Say why.")
        _refuse_unless_allowed(VOID, invoice)
        before = money_state(invoice)
        mark_void(invoice, reason.strip())
        audit_money_event("invoice.voided", invoice, before, reason=[None, invoice.void_reason])
        invoice_changed.send(invoice)
        return invoice

    return _in_transaction(work)


def mark_void(invoice: Invoice, reason: str) -> None:
    invoice.status, invoice.void_reason, invoice.voided_at = InvoiceStatus.VOID, reason, utcnow()
    tally(INVOICES_VOIDED)
    db.session.flush()


def mark_refund_sent(refund_id: int, sent_on: date, reference: str) -> Invoice:
    """A refund made by a guarantee claim goes from due to sent."""

    def work() -> Invoice:
        refund = db.session.scalar(
            sa.select(Refund).where(Refund.id == refund_id).with_for_update()
        )
        if refund is None:
            raise ServiceError("not_found", "No such refund.")
        if refund.status != RefundStatus.DUE:
            raise ServiceError("illegal_transition", "That refund was already sent.")
        if not (reference or "").strip():
            raise _invalid("reference", "Give the payment reference.")
        _not_in_future("sent_on", sent_on)
        refund.status, refund.refunded_on, refund.reference = (
            RefundStatus.SENT,
            sent_on,
            reference.strip(),
        )
        audit.record(
            "refund.marked_sent",
            "refund",
            refund.id,
            {
                "status": ["due", "sent"],
                "sent_on": [None, sent_on.isoformat()],
                "reference": [None, refund.reference],
            },
        )
        return db.session.get(Invoice, refund.invoice_id)

    return _in_transaction(work)
