"""SPEC §1: a company is its email domain, unless free-mail, else its normalised name."""

import pytest

from core.company import company_key, free_mail_domains, normalise_company_name

FREE = free_mail_domains()


@pytest.mark.parametrize(
    ("email", "company", "key"),
    [
        ("ana@acme.io", "Acme", "domain:acme.io"),
        ("Bob@ACME.io", "Something else", "domain:acme.io"),
        ("ana@gmail.com", "Acme, Inc.", "name:acme"),
        ("ana@outlook.com", "ACME inc", "name:acme"),
        ("ana@yahoo.com", "Acme LLC", "name:acme"),
        ("ana@gmail.com", "Müller GmbH", "name:muller"),
        ("ana@gmail.com", "Foo & Bar Ltd.", "name:foo bar"),
        ("ana@hotmail.com", "Inc", "name:inc"),
    ],
)
def test_company_key_table(email, company, key):
    assert company_key(email, company, FREE) == key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme, Inc.", "acme inc"),
        ("ACME LLC", "Acme"),
        ("Acme Co. Ltd", "acme"),
        ("Zeta-Labs", "zeta labs"),
    ],
)
def test_the_same_company_written_differently_normalises_alike(a, b):
    assert normalise_company_name(a) == normalise_company_name(b)


def test_the_free_mail_list_holds_the_big_providers():
    assert {"gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com"} <= FREE
