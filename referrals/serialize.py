"""The referrer resource of SPEC §8."""

from referrals.models import Referrer


def referrer_to_dict(
    referrer: Referrer,
    balance_cents: dict[str, int] | None = None,
    paid_by_year: dict[str, int] | None = None,
) -> dict:
    """With `balance_cents` and `paid_by_year` (commissions.ledger reads both) where known."""
    body = {
        "id": referrer.id,
        "status": referrer.status.value,
        "code": referrer.code,
        "first_name": referrer.first_name,
        "last_name": referrer.last_name,
        "email": referrer.email,
        "company": referrer.company,
        "relationship": referrer.relationship.value,
        "tax_form_on_file_on": on_file.isoformat()
        if (on_file := referrer.tax_form_on_file_on)
        else None,
    }
    if balance_cents is not None:
        body["balance_cents"] = balance_cents
    if paid_by_year is not None:
        body["paid_by_year"] = paid_by_year
    return body
