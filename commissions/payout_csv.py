"""A payout run, and a year's totals per referrer, as CSV rows for the bank or the
accounting system."""

from collections.abc import Iterator

from commissions.models import Payout
from commissions.queries import paid_in_year
from core.money import cents_as_decimal

PAYOUT_CSV_HEADER = [
    "payout_id",
    "as_of",
    "referrer_id",
    "name",
    "payout_email",
    "amount_cents",
    "amount",
    "status",
    "paid_on",
    "reference",
    "failure_reason",
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
            line.status.value,
            line.paid_on.isoformat() if line.paid_on else "",
            line.reference or "",
            line.failure_reason or "",
        ]


PAID_BY_YEAR_CSV_HEADER = [
    "year",
    "referrer_id",
    "first_name",
    "last_name",
    "company",
    "email",
    "payout_email",
    "paid_cents",
    "paid",
]


def paid_by_year_rows(year: int) -> Iterator[list]:
    for referrer, cents in paid_in_year(year):
        yield [
            year,
            referrer.id,
            referrer.first_name,
            referrer.last_name,
            referrer.company,
            referrer.email,
            referrer.payout_email,
            cents,
            cents_as_decimal(cents),
        ]
