"""What a company is (SPEC §1): its email domain, unless that is a free-mail domain, else its
normalised name. Pure: no Flask, no database."""

import re
import unicodedata
from functools import cache
from pathlib import Path

LEGAL_SUFFIXES = frozenset(
    {
        "inc",
        "incorporated",
        "llc",
        "llp",
        "ltd",
        "limited",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ag",
        "sa",
        "sarl",
        "bv",
        "nv",
        "plc",
        "pty",
        "pte",
        "oy",
        "ab",
        "as",
        "srl",
        "spa",
    }
)
_NON_WORD = re.compile(r"[^\w\s]", re.UNICODE)


@cache
def free_mail_domains() -> frozenset[str]:
    text = (Path(__file__).with_name("free_mail_domains.txt")).read_text()
    lines = (line.strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def is_free_mail(domain: str, free_domains: frozenset[str]) -> bool:
    return domain.lower() in free_domains


def normalise_company_name(name: str) -> str:
    """Case-folded, accents and punctuation removed, trailing legal suffixes dropped:
    "Acme, Inc." and "ACME inc" are the same company."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words = _NON_WORD.sub(" ", plain).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


COMPANY_KEY_LENGTH = 260
"""The column's width. Normalising can lengthen a name ("ß" becomes "ss", one U+FDFA
eighteen letters), so the key is cut to fit: names alike over 250 letters are one company."""


def company_key(email: str, company_name: str, free_domains: frozenset[str]) -> str:
    """`domain:<domain>` for a business address, else `name:<normalised name>`."""
    domain = email_domain(email)
    if domain and not is_free_mail(domain, free_domains):
        return f"domain:{domain}"[:COMPANY_KEY_LENGTH]
    return f"name:{normalise_company_name(company_name)}"[:COMPANY_KEY_LENGTH]
