"""A payout run as CSV for the bank or the accounting system."""

from core.csv_export import csv_lines
from core.money import cents_as_decimal
from referrals.models import Payout

HEADER = ["payout_id", "as_of", "referrer_id", "name", "payout_email", "amount_cents", "amount"]


def payout_csv(payout: Payout) -> str:
    rows = (
        [
            payout.id,
            payout.as_of.isoformat(),
            line.referrer_id,
            line.referrer.full_name,
            line.referrer.payout_email,
            line.amount_cents,
            cents_as_decimal(line.amount_cents),
        ]
        for line in payout.lines
    )
    return "".join(csv_lines(HEADER, rows))
