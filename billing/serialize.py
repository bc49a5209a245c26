"""The client and contract resources of SPEC §8."""

from billing.models import Client, Contract, GuaranteeClaim, Invoice


def client_to_dict(client: Client, referrer_id: int | None) -> dict:
    """`referrer_id`: the client's one referrer (billing.queries.client_referrer_ids)."""
    return {
        "id": client.id,
        "name": client.name,
        "domain": client.domain,
        "contacts": [
            {
                "id": contact.id,
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "email": contact.email,
                "role": contact.role.value,
            }
            for contact in client.contacts
        ],
        "contracts": [contract.id for contract in client.contracts],
        "referrer_id": referrer_id,
    }


def contract_to_dict(contract: Contract) -> dict:
    return {
        "id": contract.id,
        "client_id": contract.client_id,
        "lead_id": contract.lead_id,
        "status": contract.status.value,
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat() if contract.end_date else None,
        "termination_reason": (
            contract.termination_reason.value if contract.termination_reason else None
        ),
        "guarantee_ends_on": contract.guarantee_ends_on.isoformat(),
        "engineers": contract.engineers,
        "monthly_rate_cents": contract.monthly_rate_cents,
        "currency": contract.currency,
    }


def invoice_to_dict(invoice: Invoice) -> dict:
    return {
        "id": invoice.id,
        "contract_id": invoice.contract_id,
        "number": invoice.number,
        "status": invoice.status.value,
        "issue_date": invoice.issue_date.isoformat(),
        "period_start": invoice.period_start.isoformat(),
        "period_end": invoice.period_end.isoformat(),
        "amount_cents": invoice.amount_cents,
        "commissionable_cents": invoice.commissionable_cents,
        "paid_cents": invoice.paid_cents,
        "refunded_cents": invoice.refunded_cents,
        "written_off_cents": invoice.written_off_cents,
        "currency": invoice.currency,
        "external_id": invoice.external_id,
        "refunds": [
            {"id": refund.id, "amount_cents": refund.amount_cents, "status": refund.status.value}
            for refund in invoice.refunds
        ],
    }


def claim_to_dict(claim: GuaranteeClaim) -> dict:
    return {
        "id": claim.id,
        "contract_id": claim.contract_id,
        "status": claim.status.value,
        "claimed_on": claim.claimed_on.isoformat(),
        "reason": claim.reason,
        "channel": claim.channel.value,
        "rejection_code": claim.rejection_code,
    }
