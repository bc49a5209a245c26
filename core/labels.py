"""The words pages show for stored codes (SPEC §13: labels, never codes): statuses, sources,
reasons. A code without an entry reads as its words ("non_payment" → "Non payment")."""

import enum

LABELS = {
    "active": "Active",
    "terminated": "Ended",
    "client_ended": "Ended by the client",
    "non_payment": "Non-payment",
    "satisfaction_guarantee": "Satisfaction guarantee claim",
    "api": "API",
    "form": "Hire form",
    "due": "Due",
    "sent": "Sent",
}


def register(labels: dict[str, str]) -> None:
    """A package's labels for its codes (`leads.rules.LEAD_LABELS`, ...): core knows no
    feature, so the factory adds them here."""
    LABELS.update(labels)


def label(code: enum.Enum | str | None) -> str:
    """The label of a code or enum member; empty for none."""
    if code is None:
        return ""
    text = code.value if isinstance(code, enum.Enum) else str(code)
    return LABELS.get(text) or text.replace("_", " ").capitalize()
