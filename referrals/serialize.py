"""The referrer resource of SPEC §8."""

from referrals.models import CommissionEntry, Payout, Referrer


def referrer_to_dict(referrer: Referrer, balance_cents: dict[str, int] | None = None) -> dict:
    body = {
        "id": referrer.id,
        "status": referrer.status.value,
        "code": referrer.code,
        "first_name": referrer.first_name,
        "last_name": referrer.last_name,
        "email": referrer.email,
        "company": referrer.company,
        "relationship": referrer.relationship.value,
    }
    if balance_cents is not None:
        body["balance_cents"] = balance_cents
    return body


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
            {"referrer_id": line.referrer_id, "amount_cents": line.amount_cents}
            for line in payout.lines
        ],
        "paid_on": payout.paid_on.isoformat() if payout.paid_on else None,
        "reference": payout.reference,
    }
