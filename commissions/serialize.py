"""The commission entry and payout resources of SPEC §8."""

from commissions.models import CommissionEntry, Payout


def entry_to_dict(entry: CommissionEntry) -> dict:
    return {
        "id": entry.id,
        "referrer_id": entry.referrer_id,
        "client_id": entry.client_id,
        "invoice_id": entry.invoice_id,
        "kind": entry.kind.value,
        "amount_cents": entry.amount_cents,
        "state": entry.state.value,
        "payout_id": entry.payout_id,
    }


def payout_to_dict(payout: Payout) -> dict:
    return {
        "id": payout.id,
        "as_of": payout.as_of.isoformat(),
        "status": payout.status.value,
        "lines": [
            {
                "referrer_id": line.referrer_id,
                "amount_cents": line.amount_cents,
                "status": line.status.value,
                "paid_on": line.paid_on.isoformat() if line.paid_on else None,
                "reference": line.reference,
                "failure_reason": line.failure_reason,
            }
            for line in payout.lines
        ],
        "paid_on": payout.paid_on.isoformat() if payout.paid_on else None,
        "reference": payout.reference,
    }
