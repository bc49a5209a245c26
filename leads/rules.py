"""Pipeline and search rules of SPEC §2, as plain functions (no Flask, no database). Pure."""

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime


class LeadStatus(enum.StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    PROPOSAL = "proposal"
    WON = "won"
    LOST = "lost"


class LeadSource(enum.StrEnum):
    FORM = "form"
    API = "api"
    REFERRAL = "referral"
    OUTBOUND = "outbound"
    EVENT = "event"
    PHONE = "phone"
    PARTNER = "partner"
    OTHER = "other"


class AttributionStatus(enum.StrEnum):
    NONE = "none"
    ATTRIBUTED = "attributed"
    REFUSED = "refused"


class StartTimeline(enum.StrEnum):
    ASAP = "asap"
    WITHIN_MONTH = "within_month"
    ONE_TO_THREE_MONTHS = "one_to_three_months"
    LATER = "later"
    EXPLORING = "exploring"


LEAD_LABELS = {
    LeadStatus.NEW: "New",
    LeadStatus.CONTACTED: "Contacted",
    LeadStatus.QUALIFIED: "Qualified",
    LeadStatus.PROPOSAL: "Proposal",
    LeadStatus.WON: "Won",
    LeadStatus.LOST: "Lost",
    LeadSource.FORM: "Hire form",
    LeadSource.API: "API",
    LeadSource.REFERRAL: "Referral",
    LeadSource.OUTBOUND: "Outbound",
    LeadSource.EVENT: "Event",
    LeadSource.PHONE: "Phone",
    LeadSource.PARTNER: "Partner",
    LeadSource.OTHER: "Other",
    AttributionStatus.NONE: "None",
    AttributionStatus.ATTRIBUTED: "Attributed",
    AttributionStatus.REFUSED: "Refused",
    StartTimeline.ASAP: "As soon as possible",
    StartTimeline.WITHIN_MONTH: "Within a month",
    StartTimeline.ONE_TO_THREE_MONTHS: "In 1–3 months",
    StartTimeline.LATER: "Later",
    StartTimeline.EXPLORING: "Just exploring",
}
"""What pages show for the pipeline's codes (SPEC §13: labels, never codes)."""


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL)
CLOSED_STATUSES = (LeadStatus.WON, LeadStatus.LOST)
STAFF_SOURCES = (
    LeadSource.OUTBOUND,
    LeadSource.EVENT,
    LeadSource.PHONE,
    LeadSource.PARTNER,
    LeadSource.OTHER,
)


def is_open(status: LeadStatus) -> bool:
    return status in OPEN_STATUSES


CONVERT, CHANGE_ATTRIBUTION = "convert", "change_attribution"


def lead_action_refusal(action: str, status: LeadStatus) -> str | None:
    """Why a lead in `status` cannot be converted (only open leads) or have its attribution
    changed (final once won); None when it can."""
    if action == CONVERT and not is_open(status):
        return f"A {status.value} lead cannot be converted."
    if action == CHANGE_ATTRIBUTION and status == LeadStatus.WON:
        return "A won lead's attribution is final."
    return None


def lead_actions(status: LeadStatus) -> frozenset[str]:
    return frozenset(
        action
        for action in (CONVERT, CHANGE_ATTRIBUTION)
        if lead_action_refusal(action, status) is None
    )


def transition_error(
    current: LeadStatus, target: LeadStatus, lost_reason: str | None
) -> str | None:
    """Why `current` → `target` is not allowed, or None when it is.

    An open lead moves to any later open status, or to lost with a reason; lost reopens to
    contacted only; won is reached only by conversion."""
    if target == LeadStatus.WON:
        return "A lead becomes won only by converting it into a client."
    if current == LeadStatus.WON:
        return "A won lead is closed."
    if current == LeadStatus.LOST:
        if target == LeadStatus.CONTACTED:
            return None
        return "A lost lead can only be reopened to contacted."
    if target == LeadStatus.LOST:
        if not (lost_reason or "").strip():
            return "Say why the lead was lost."
        return None
    if OPEN_STATUSES.index(target) <= OPEN_STATUSES.index(current):
        return f"A {current.value} lead can only move forward, or to lost."
    return None


NEXT_ACTION_MAX_LENGTH = 200


def next_action_errors(
    status: LeadStatus, on: date | None, text: str | None, today: date
) -> dict[str, list[str]]:
    """What is wrong with a next action (SPEC §13), by field: only an open lead has one, its
    day is today or later, its text at most 200 characters. Empty when it is fine."""
    errors: dict[str, list[str]] = {}
    if (on is not None or text) and not is_open(status):
        errors["next_action"] = [f"A {status.value} lead has no next action."]
        return errors
    if on is not None and on < today:
        errors["next_action_on"] = ["Choose today or a later day."]
    if text is not None and len(text) > NEXT_ACTION_MAX_LENGTH:
        errors["next_action"] = [f"At most {NEXT_ACTION_MAX_LENGTH} characters."]
    return errors


class WorkBucket(enum.IntEnum):
    """My work's order (SPEC §13): overdue next actions, those due today, new leads without
    a next action, then the rest."""

    OVERDUE = 0
    DUE_TODAY = 1
    NEW_WITHOUT_ACTION = 2
    LATER = 3


def work_bucket(status: LeadStatus, next_action_on: date | None, today: date) -> WorkBucket:
    """Where an open lead stands in its owner's day."""
    if next_action_on is not None and next_action_on < today:
        return WorkBucket.OVERDUE
    if next_action_on == today:
        return WorkBucket.DUE_TODAY
    if next_action_on is None and status == LeadStatus.NEW:
        return WorkBucket.NEW_WITHOUT_ACTION
    return WorkBucket.LATER


@dataclass(frozen=True)
class Wait:
    """How long a `new` lead has waited for its first contact, and whether that is longer
    than FIRST_CONTACT_HOURS."""

    hours: int
    late: bool


def first_contact_wait(
    created_at: datetime, now: datetime, status: LeadStatus, first_contact_hours: float
) -> Wait | None:
    """Whole hours waited by a lead still `new` (None once it has left `new`)."""
    if status != LeadStatus.NEW:
        return None
    seconds = max(0.0, (now - created_at).total_seconds())
    return Wait(int(seconds // 3600), seconds >= first_contact_hours * 3600)


def status_moves(current: LeadStatus) -> tuple[LeadStatus, ...]:
    """The statuses a person may pick for a lead in `current` (transition_error allows them,
    lost with its reason): none once won, only contacted once lost."""
    return tuple(
        target
        for target in LeadStatus
        if target != current and transition_error(current, target, "a reason") is None
    )


_WORD = re.compile(r"\w+", re.UNICODE)
_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$", re.UNICODE)
_LEADING_PUNCTUATION = re.compile(r"^\W+", re.UNICODE)
_DOTTED = re.compile(r"^[\w+-]+(\.[\w+-]+)+$", re.UNICODE)


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for search."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def search_terms(first_name: str, last_name: str, company: str, email: str) -> set[str]:
    """What a search word may be a prefix of: every word of the names and the company, the
    whole email, and its domain."""
    terms = set()
    for text in (first_name, last_name, company):
        terms.update(_WORD.findall(fold(text)))
    email = email.strip().lower()
    terms.add(email)
    if "@" in email:
        terms.add(email.rsplit("@", 1)[1])
    return {term[:200] for term in terms if term}


def query_words(q: str) -> list[str]:
    """The words of a search box; each must prefix some term of a matching lead.
    Emails and dotted names stay whole (`ana@acme`, `acme.io`, `ana.silva`): they
    match the start of an email or of its domain."""
    words = []
    for chunk in fold(q).split():
        if "@" in chunk:
            words.append(_LEADING_PUNCTUATION.sub("", chunk))
        elif _DOTTED.match(trimmed := _EDGE_PUNCTUATION.sub("", chunk)):
            words.append(trimmed)
        else:
            words.extend(_WORD.findall(chunk))
    return [word[:200] for word in dict.fromkeys(words) if word]


REFERRAL_CODE_LENGTH = 50
"""The column's width: upper-casing can lengthen text ("ß" becomes "SS"), so the stored
code is cut to fit (no real code is that long; a cut one stays unknown)."""


def normalise_referral_code(raw: str | None) -> str | None:
    """A referral code as stored on a lead: trimmed and upper-cased; None for nothing at all."""
    code = (raw or "").strip().upper()[:REFERRAL_CODE_LENGTH]
    return code or None
