"""Referral codes (SPEC §3): random, from an alphabet without look-alikes (no I, L, O, 0, 1),
shown upper-case, accepted in any case. Pure."""

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_code(length: int = CODE_LENGTH) -> str:
    """Random, not derived from the person: 31^8 ≈ 8.5e11 codes."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def is_well_formed(code: str) -> bool:
    return len(code) >= 6 and all(ch in ALPHABET for ch in code)
