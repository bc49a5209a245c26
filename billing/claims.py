"""The one-month satisfaction guarantee: one service that accepts or rejects a claim and, on
acceptance, does everything SPEC §4 lists in one transaction."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from auth.models import Role, User
from billing.guarantee import claim_rejection, needs_admin_to_backdate
from billing.invoices import audit_money_event, mark_void, money_state
from billing.models import (
    ClaimChannel,
    ClaimStatus,
    Contract,
    ContractStatus,
    GuaranteeClaim,
    Invoice,
    InvoiceStatus,
    Refund,
    RefundStatus,
    TerminationReason,
)
from billing.serialize import claim_to_dict
from billing.services import (
    cancel_reminder,
    contract_event,
    contract_state,
    first_contract,
    lock_client_of,
    primary_contact,
)
from billing.signals import claim_accepted, invoice_changed
from core import audit
from core.audit import changed, created
from core.extensions import db
from core.previews import REFUNDS_DUE_CENTS, tally
from core.service_errors import ServiceError
from core.today import business_today
from core.unit_of_work import use_case
from leads.models import Lead
from notifications.services import enqueue
from notifications.webhooks import emit


@dataclass
class ClaimInput:
    claimed_on: date
    reason: str
    channel: str = ClaimChannel.EMAIL.value


def file_claim(contract_id: int, data: ClaimInput, actor: User) -> GuaranteeClaim:
    """Accept or reject; a rejected claim is kept and raised as its code (with claim_id)."""
    today = business_today()
    try:
        channel = ClaimChannel(data.channel)
    except ValueError:
        raise ServiceError(
            "invalid", "Not a channel.", {"channel": ["email, phone, letter, meeting or other."]}
        ) from None
    if not (data.reason or "").strip():
        raise ServiceError("invalid", "Say what the client said.", {"reason": ["Required."]})
    if needs_admin_to_backdate(data.claimed_on, today) and not actor.has_role(Role.ADMIN):
        raise ServiceError("forbidden", "A claim dated more than 7 days ago needs an admin.")
    claim = _record_claim(contract_id, data, channel, actor, today)
    if claim.rejection_code is not None:
        code = claim.rejection_code
        raise ServiceError(code, _REJECTION_MESSAGES[code], claim_id=claim.id)
    return claim


@use_case(retry_on_conflict=True)
def _record_claim(
    contract_id: int, data: ClaimInput, channel: ClaimChannel, actor: User, today: date
) -> GuaranteeClaim:
    """Kept either way. A concurrent claim accepted first (the one-per-client unique index)
    makes the retry keep this one as rejected."""
    lock_client_of(contract_id)
    contract = db.session.scalar(
        sa.select(Contract).where(Contract.id == contract_id).with_for_update()
    )
    if contract is None:
        raise ServiceError("not_found", "No such contract.")
    code = claim_rejection(
        data.claimed_on,
        today,
        contract.status == ContractStatus.ACTIVE,
        _client_already_claimed(contract.client_id),
        first_contract(contract.client_id).id == contract.id,
        contract.start_date,
        contract.guarantee_ends_on,
    )
    claim = GuaranteeClaim(
        contract_id=contract.id,
        client_id=contract.client_id,
        claimed_on=data.claimed_on,
        reason=data.reason.strip(),
        channel=channel,
        entered_by=actor,
        status=ClaimStatus.REJECTED if code else ClaimStatus.ACCEPTED,
        rejection_code=code,
    )
    db.session.add(claim)
    db.session.flush()
    audit.record(
        "guarantee_claim.recorded",
        "guarantee_claim",
        claim.id,
        created(
            {
                "contract_id": contract.id,
                "status": claim.status,
                "claimed_on": claim.claimed_on,
                "reason": claim.reason,
                "rejection_code": code,
            }
        ),
    )
    if code is None:
        _accept(contract, claim, actor)
    return claim


_REJECTION_MESSAGES = {
    "claim_in_future": "The claim date is in the future.",
    "contract_terminated": "The contract has already ended.",
    "guarantee_already_used": "The client already used the guarantee.",
    "not_first_contract": "Only the client's first contract carries the guarantee.",
    "claim_before_start": "The claim is dated before the contract started.",
    "guarantee_window_closed": "The guarantee window had closed on that date.",
}


def _client_already_claimed(client_id: int) -> bool:
    query = sa.select(GuaranteeClaim.id).where(
        GuaranteeClaim.client_id == client_id, GuaranteeClaim.status == ClaimStatus.ACCEPTED
    )
    return db.session.scalar(query.limit(1)) is not None


def _accept(contract: Contract, claim: GuaranteeClaim, actor: User) -> None:
    """Void every invoice (refunds due for what was paid), terminate free of charge,
    reverse the commission, cancel the reminder, tell everyone."""
    invoices = db.session.scalars(
        sa.select(Invoice)
        .where(Invoice.contract_id == contract.id)
        .order_by(Invoice.id)
        .options(selectinload(Invoice.refunds))
        .with_for_update()
    )
    for invoice in invoices:
        if invoice.status == InvoiceStatus.VOID:
            continue
        before = money_state(invoice)
        if invoice.net_paid_cents > 0:
            invoice.refunds.append(
                Refund(
                    claim_id=claim.id,
                    amount_cents=invoice.net_paid_cents,
                    status=RefundStatus.DUE,
                    reason="Satisfaction guarantee",
                )
            )
            tally(REFUNDS_DUE_CENTS, invoice.net_paid_cents)
            invoice.refunded_cents = invoice.paid_cents
        mark_void(invoice, "Satisfaction guarantee")
        audit_money_event("invoice.voided", invoice, before, claim_id=[None, claim.id])
        invoice_changed.send(invoice)
    ended = contract_state(contract)
    contract.status = ContractStatus.TERMINATED
    contract.end_date = claim.claimed_on
    contract.termination_reason = TerminationReason.SATISFACTION_GUARANTEE
    audit.record(
        "contract.ended", "contract", contract.id, changed(ended, contract_state(contract))
    )
    cancel_reminder(contract, "Cancelled by a guarantee claim.")
    contract_event(
        contract,
        f"Guarantee claim accepted on {claim.claimed_on}: contract "
        f"#{contract.id} terminated free of charge.",
        actor,
    )
    _enqueue_claim_emails(contract, claim)
    emit("guarantee_claim.accepted", lambda: claim_to_dict(claim))
    claim_accepted.send("billing", contract=contract, claim=claim)


def _enqueue_claim_emails(contract: Contract, claim: GuaranteeClaim) -> None:
    context = {"contract": contract, "client": contract.client, "claim": claim}
    contact = primary_contact(contract.client)
    if contact is not None:
        enqueue("claim_accepted_client", contact.email, {**context, "contact": contact})
    lead = db.session.get(Lead, contract.lead_id) if contract.lead_id else None
    owner = lead.owner.email if lead and lead.owner else current_app.config["SALES_INBOX"]
    enqueue("claim_accepted_sales", owner, context)
