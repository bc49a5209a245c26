"""Pipeline and search rules of SPEC §2, as plain functions (no Flask, no database). Pure."""

import enum
import re
import unicodedata


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
