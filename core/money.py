"""Money is integer cents; this formats it for people and reads what people type (dollars,
percent) back into cents and basis points, exactly. Pure."""

import re

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}


def format_cents(cents: int, currency: str = "USD") -> str:
    """12345 → "$123.45"; -5 → "-$0.05"."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    symbol = SYMBOLS.get(currency)
    amount = f"{whole:,}.{fraction:02d}"
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


def cents_as_decimal(cents: int) -> str:
    """12345 → "123.45", exact (no floating point)."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole}.{fraction:02d}"


MAX_CENTS = 10**12
"""Ten billion dollars: above any real invoice, far inside the database's BIGINT. Services
refuse amounts above it; forms cannot parse them."""


_AMOUNT = re.compile(r"(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.(?P<fraction>[0-9]*))?")


def parse_amount_to_cents(text: str) -> int:
    """Dollars as people type them → integer cents, exactly (no floating point):
    "18000" / "18,000.00" / "$18,000" / "8500.5" / ".5" → 1800000 / 1800000 / 1800000 /
    850050 / 50. A leading currency symbol and spaces are ignored; commas must group
    thousands ("1,5" is refused: it may mean 1.5). At most two decimals, never negative,
    at most MAX_CENTS. Raises ValueError with a message for people."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if cleaned.startswith(("-", "\u2212")) or cleaned[1:2] in ("-", "\u2212"):
        raise ValueError("The amount cannot be negative.")
    cleaned = cleaned.lstrip("$€£")
    match = _AMOUNT.fullmatch(cleaned)
    if not cleaned or match is None or not (match["whole"] or match["fraction"]):
        raise ValueError("Type an amount in dollars, such as 18000 or $18,000.00.")
    fraction = match["fraction"] or ""
    if len(fraction) > 2:
        raise ValueError("At most two decimals (cents).")
    digits = (match["whole"] or "0").replace(",", "")
    if len(digits) > len(str(MAX_CENTS)):
        raise ValueError(f"At most {format_cents(MAX_CENTS)}.")
    whole = int(digits)
    cents = whole * 100 + int(fraction.ljust(2, "0"))
    if cents > MAX_CENTS:
        raise ValueError(f"At most {format_cents(MAX_CENTS)}.")
    return cents


def cents_for_input(cents: int) -> str:
    """What a money input shows for a known amount: 1800000 → "18,000.00" (no symbol, so
    the field's label gives the currency); parse_amount_to_cents reads it back exactly."""
    whole, fraction = divmod(cents, 100)
    return f"{whole:,}.{fraction:02d}"


MAX_BASIS_POINTS = 10_000

_PERCENT = re.compile(r"(?P<whole>[0-9]+)?(?:\.(?P<fraction>[0-9]*))?")


def parse_percent_to_basis_points(text: str) -> int:
    """A percentage as people type it → basis points, exactly: "10" / "12.5" / "7.25 %" →
    1000 / 1250 / 725. At most two decimals (a basis point is 0.01 %), between 0 and 100 %.
    Raises ValueError with a message for people."""
    cleaned = text.strip().removesuffix("%").strip()
    if cleaned.startswith(("-", "\u2212")):
        raise ValueError("The rate cannot be negative.")
    match = _PERCENT.fullmatch(cleaned)
    if not cleaned or match is None or not (match["whole"] or match["fraction"]):
        raise ValueError("Type a percentage, such as 10 or 12.5.")
    fraction = match["fraction"] or ""
    if len(fraction) > 2:
        raise ValueError("At most two decimals (12.25 %).")
    if len(match["whole"] or "") > 3:
        raise ValueError("At most 100 %.")
    basis_points = int(match["whole"] or "0") * 100 + int(fraction.ljust(2, "0"))
    if basis_points > MAX_BASIS_POINTS:
        raise ValueError("At most 100 %.")
    return basis_points


def basis_points_as_percent(basis_points: int) -> str:
    """1000 → "10", 1250 → "12.5", 725 → "7.25": the number a percent input shows."""
    whole, fraction = divmod(basis_points, 100)
    return f"{whole}.{fraction:02d}".rstrip("0").rstrip(".") if fraction else str(whole)
