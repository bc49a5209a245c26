"""Money is integer cents; this only formats it for people. Pure."""

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


def parse_amount_to_cents(text: str) -> int:
    """ "8,500" / "8500.5" / "$8,500.50" → cents; at most two decimals, not negative.
    Raises ValueError with a message for people."""
    cleaned = text.strip().lstrip("$€£").replace(",", "").replace(" ", "")
    whole, dot, fraction = cleaned.partition(".")
    if not whole.isdigit() or (dot and not fraction.isdigit()) or len(fraction) > 2:
        raise ValueError("An amount such as 8500 or 8500.00.")
    cents = int(whole) * 100 + int(fraction.ljust(2, "0") or 0)
    if cents > MAX_CENTS:
        raise ValueError("That amount is larger than we can record.")
    return cents
