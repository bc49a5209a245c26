"""Dry runs (SPEC §13 "Safe actions"): an action runs through its own service inside a
transaction that is then rolled back. The services tally what they do as they do it (an
email queued, an invoice voided, a refund made due, commission reversed); the dry run reads
the tallies' growth across the action. The API answers it as `{"preview", "effects"}`, the
pages as the sentence of a confirmation step."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from core.extensions import db
from core.money import format_cents
from core.unit_of_work import preview

T = TypeVar("T")

EMAILS = "emails"
INVOICES_VOIDED = "invoices_voided"
REFUNDS_DUE_CENTS = "refunds_due_cents"
COMMISSION_REVERSED_CENTS = "commission_reversed_cents"
_TALLIES = "tallies"
_BY_KEY = "tallies_by_key"

_namers: dict[str, Callable[[list[int]], dict[int, str]]] = {}


def register_namer(tally_name: str, namer: Callable[[list[int]], dict[int, str]]) -> None:
    """How a tally's keys read for people (referrer ids → names): core knows no feature, so
    the factory adds it."""
    _namers[tally_name] = namer


def tally(name: str, amount: int = 1, key: int | None = None) -> None:
    """Count what a service just did, in this session (rolled back or not)."""
    tallies = db.session.info.setdefault(_TALLIES, {})
    tallies[name] = tallies.get(name, 0) + amount
    if key is not None:
        by_key = db.session.info.setdefault(_BY_KEY, {}).setdefault(name, {})
        by_key[key] = by_key.get(key, 0) + amount


def _snapshot() -> tuple[dict[str, int], dict[str, dict[int, int]]]:
    tallies = dict(db.session.info.get(_TALLIES, {}))
    by_key = {name: dict(keys) for name, keys in db.session.info.get(_BY_KEY, {}).items()}
    return tallies, by_key


@dataclass
class Effects:
    """What a previewed action would do. `commission_reversed_cents` is a positive amount;
    `counts` are the action's own figures (a payout run's lines)."""

    tallies: dict[str, int] = field(default_factory=dict)
    named: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def get(self, name: str) -> int:
        return self.counts[name] if name in self.counts else self.tallies.get(name, 0)

    def as_dict(self, *names: str) -> dict[str, int]:
        """The named effects, always with `emails`."""
        return {name: self.get(name) for name in (*names, EMAILS)}

    def sentence(self, currency: str = "USD", leaving_out: tuple[str, ...] = ()) -> list[str]:
        """The confirmation step's words: "voids 2 invoices", "$18,000.00 of refunds become
        due", "−$1,800.00 commission for Rita Okafor", "3 emails" (`leaving_out` what the
        page already says in its own words)."""
        words = []
        voided = 0 if INVOICES_VOIDED in leaving_out else self.get(INVOICES_VOIDED)
        if voided:
            words.append(f"voids {voided} invoice{'s' if voided != 1 else ''}")
        if self.get(REFUNDS_DUE_CENTS):
            amount = format_cents(self.get(REFUNDS_DUE_CENTS), currency)
            words.append(f"{amount} of refunds become due")
        for name, cents in self.named.get(COMMISSION_REVERSED_CENTS, []):
            words.append(f"−{format_cents(cents, currency)} commission for {name}")
        emails = self.get(EMAILS)
        words.append(f"{emails} email{'s' if emails != 1 else ''}")
        return words


def dry_run(
    action: Callable[[], T],
    answer: Callable[[T], dict],
    *,
    counts: Callable[[T], dict[str, int]] | None = None,
) -> tuple[dict, Effects]:
    """Run `action`, read its `answer` and its effects, and undo it. A refusal raises as it
    would for the real action; nothing is kept either way."""

    def work() -> tuple[dict, Effects]:
        tallies_before, keys_before = _snapshot()
        result = action()
        body = answer(result)
        db.session.flush()
        tallies_after, keys_after = _snapshot()
        grown = {name: value - tallies_before.get(name, 0) for name, value in tallies_after.items()}
        named = {}
        for name, keys in keys_after.items():
            before = keys_before.get(name, {})
            amounts = {key: value - before.get(key, 0) for key, value in keys.items()}
            amounts = {key: value for key, value in amounts.items() if value}
            names = _namers.get(name, lambda ids: {})(sorted(amounts))
            named[name] = sorted(
                (names.get(key, f"#{key}"), value) for key, value in amounts.items()
            )
        return body, Effects(grown, named, counts(result) if counts else {})

    return preview(work)
