"""The Insights figures (SPEC §13) from rows the database has already aggregated. Pure: the
date ranges and their buckets (months `YYYY-MM`, weeks by their Monday), medians from
grouped counts, and rates that are None where there is nothing to divide.

The queries (`commissions/insight_queries.py`) group by a bucket *index*: each range is cut at
the starts of its local days, months or weeks, and the database answers which piece a
timestamp falls in, so nothing here needs the database's time-zone support."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

DEFAULT_DAYS = 90
LIABILITY_MONTHS = 12
OPEN_ORDER = ("new", "contacted", "qualified", "proposal")
FUNNEL_ORDER = (*OPEN_ORDER, "won", "lost")
RATE_DIGITS = 4


@dataclass(frozen=True)
class Bucket:
    """A piece of a range: its label and its first and last business day."""

    label: str
    first: date
    last: date


def default_range(today: date, name: str) -> tuple[date, date]:
    """The last 90 days ending today; for `liability` the 12 months ending with today's."""
    if name == "liability":
        first = today.replace(day=1) - relativedelta(months=LIABILITY_MONTHS - 1)
        return first, today
    return today - timedelta(days=DEFAULT_DAYS - 1), today


MAX_DAYS = 5 * 366
"""The longest range asked for: five years (260 weeks, 60 months of buckets)."""


def range_errors(date_from: date | None, date_to: date | None) -> dict[str, list[str]]:
    """`from` after `to`, or a range longer than five years."""
    if date_from and date_to and date_from > date_to:
        return {"to": ["On or after the start date."]}
    if date_from and date_to and (date_to - date_from).days >= MAX_DAYS:
        return {"from": ["At most five years before the end date."]}
    return {}


def months(date_from: date, date_to: date) -> list[Bucket]:
    """Every month touching the range, clipped to it."""
    buckets, first = [], date_from.replace(day=1)
    while first <= date_to:
        following = first + relativedelta(months=1)
        last = min(following - timedelta(days=1), date_to)
        buckets.append(Bucket(first.strftime("%Y-%m"), max(first, date_from), last))
        first = following
    return buckets


def weeks(date_from: date, date_to: date) -> list[Bucket]:
    """Every week (Monday to Sunday) touching the range, labelled by its Monday."""
    buckets, monday = [], date_from - timedelta(days=date_from.weekday())
    while monday <= date_to:
        last = min(monday + timedelta(days=6), date_to)
        buckets.append(Bucket(monday.isoformat(), max(monday, date_from), last))
        monday += timedelta(days=7)
    return buckets


def rate(numerator: int, denominator: int) -> float | None:
    """numerator ÷ denominator rounded to 4 places, None when the denominator is 0."""
    return None if not denominator else round(numerator / denominator, RATE_DIGITS)


def median_of_counts(counts: Iterable[tuple[int | float, int]]) -> float | None:
    """The median of a multiset given as (value, how many times): the middle value, or the
    mean of the two middle ones for an even total; None when empty."""
    ordered = sorted((value, n) for value, n in counts if n > 0)
    total = sum(n for _, n in ordered)
    if total == 0:
        return None
    wanted = [(total - 1) // 2, total // 2]
    found, seen = [], 0
    for value, n in ordered:
        while wanted and wanted[0] < seen + n:
            found.append(value)
            wanted.pop(0)
        seen += n
    return (found[0] + found[1]) / 2


def funnel(rows: Iterable[tuple[str, int, bool, int]]) -> tuple[list[dict], float | None]:
    """Rows (status now, highest open status left per the timeline as an index of
    OPEN_ORDER, whether the timeline left `lost`, how many leads). A lead reached every open
    status up to the higher of the one it is at and the highest it left (a lost one only the
    ones it left); a won one every open status and `won`; `lost` counts those lost now or
    reopened since. Conversion rate: won ÷ leads created in the range."""
    counts = dict.fromkeys(FUNNEL_ORDER, 0)
    total = won = 0
    for status, left_rank, left_lost, n in rows:
        total += n
        if status == "won":
            reached = len(OPEN_ORDER) - 1
            won += n
        elif status == "lost":
            reached = left_rank
        else:
            reached = max(OPEN_ORDER.index(status), left_rank)
        for name in OPEN_ORDER[: reached + 1]:
            counts[name] += n
        if status == "lost" or left_lost:
            counts["lost"] += n
    counts["won"] = won
    statuses = [{"status": name, "count": counts[name]} for name in FUNNEL_ORDER]
    return statuses, rate(won, total)


def hours_as_days(hours: float | None) -> float | None:
    return None if hours is None else round(hours / 24, 2)


def sources(
    week_buckets: list[Bucket],
    rows: Iterable[tuple[int, str, bool, int]],
    won_hours: Iterable[tuple[str, int, int]],
    utm_rows: Iterable[tuple[str | None, int]],
) -> dict:
    """Rows (week index, source, won now, leads) give the weeks × source counts (weeks
    without leads left out) and per source leads / won / conversion rate; the median days
    from creation to won come from whole hours; then leads per utm_source, most first."""
    weekly: dict[tuple[int, str], int] = {}
    totals: dict[str, list[int]] = {}
    for index, source, won, n in rows:
        if index is None or not n:
            continue
        weekly[(index, source)] = weekly.get((index, source), 0) + n
        pair = totals.setdefault(source, [0, 0])
        pair[0] += n
        pair[1] += n if won else 0
    hours: dict[str, list[tuple[int, int]]] = {}
    for source, value, n in won_hours:
        hours.setdefault(source, []).append((value, n))
    by_source = [
        {
            "source": source,
            "leads": leads,
            "won": won,
            "conversion_rate": rate(won, leads),
            "median_days_to_won": hours_as_days(median_of_counts(hours.get(source, []))),
        }
        for source, (leads, won) in sorted(totals.items())
    ]
    by_utm = [
        {"utm_source": utm, "leads": n}
        for utm, n in sorted(utm_rows, key=lambda row: (-row[1], row[0] or ""))
    ]
    return {
        "weeks": [
            {"week": week_buckets[index].label, "source": source, "count": n}
            for (index, source), n in sorted(weekly.items())
        ],
        "by_source": by_source,
        "by_utm_source": by_utm,
    }


def first_contact(rows: Iterable[tuple[str, int, int]]) -> list[dict]:
    """Rows (owner email, whole hours to the first status change, how many leads)."""
    per_owner: dict[str, list[tuple[int, int]]] = {}
    for email, value, n in rows:
        per_owner.setdefault(email, []).append((value, n))
    return [
        {
            "owner_email": email,
            "leads": sum(n for _, n in counts),
            "median_hours": median_of_counts(counts),
        }
        for email, counts in sorted(per_owner.items())
    ]


def referral_months(
    buckets: list[Bucket], rows: Iterable[tuple[int, str, str | None, int, int]]
) -> list[dict]:
    """Rows (month index, attribution status, refusal reason, leads, of them won now)."""
    filled = [
        {"month": b.label, "attributed": 0, "refused": {}, "became_clients": 0} for b in buckets
    ]
    for index, status, reason, n, won in rows:
        if index is None:
            continue
        month = filled[index]
        if status == "attributed":
            month["attributed"] += n
            month["became_clients"] += won
        elif status == "refused":
            key = reason or "other"
            month["refused"][key] = month["refused"].get(key, 0) + n
    return filled


def liability(buckets: list[Bucket], rows: Iterable[tuple[int, int | None, int | None, int]]):
    """Rows (month index the entry exists from, month index approved, month index paid,
    cents); index -1 is before the range, None never (yet, or after the range). At each
    month's end an entry is pending if it exists, is not approved and not paid; approved if
    approved and not paid; paid_cents sums the entries paid during the month."""
    filled = [
        {"month": b.label, "pending_cents": 0, "approved_cents": 0, "paid_cents": 0}
        for b in buckets
    ]
    for created, approved, paid, cents in rows:
        if created is None:
            continue
        for index, month in enumerate(filled):
            if created > index or (paid is not None and paid <= index):
                continue
            if approved is not None and approved <= index:
                month["approved_cents"] += cents
            else:
                month["pending_cents"] += cents
        if paid is not None and paid >= 0:
            filled[paid]["paid_cents"] += cents
    return filled


def claim_months(buckets: list[Bucket], rows: Iterable[tuple[int, int, int]]) -> list[dict]:
    """Rows (start-month index, contracts whose window closed or was claimed, accepted
    claims); months without such contracts are left out."""
    totals: dict[int, list[int]] = {}
    for index, contracts, claims in rows:
        if index is None:
            continue
        pair = totals.setdefault(index, [0, 0])
        pair[0] += contracts
        pair[1] += claims
    return [
        {
            "month": buckets[index].label,
            "contracts": contracts,
            "claims": claims,
            "rate": rate(claims, contracts),
        }
        for index, (contracts, claims) in sorted(totals.items())
        if contracts
    ]
