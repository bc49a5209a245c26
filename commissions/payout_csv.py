"""A payout run as CSV rows for the bank or the accounting system."""

from collections.abc import Iterator

from commissions.models import Payout
from core.money import cents_as_decimal

PAYOUT_CSV_HEADER = [
    "payout_id",
    "as_of",
    "referrer_id",
    "name",
    "payout_email",
    "amount_cents",
    "amount",
]


def payout_rows(payout: Payout) -> Iterator[list]:
    for line in payout.lines:
        yield [
            payout.id,
            payout.as_of.isoformat(),
            line.referrer_id,
            line.referrer.full_name,
            line.referrer.payout_email,
            line.amount_cents,
            cents_as_decimal(line.amount_cents),
        ]
