"""Word-start search (SPEC §2): words of names and company, the email, its domain."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leads.rules import query_words, search_terms


def test_terms_are_every_word_the_email_and_its_domain():
    terms = search_terms("Ana María", "Silva-Lopez", "Northwind Labs, Inc.", "Ana@Northwind.io")
    assert {"ana", "maria", "silva", "lopez", "northwind", "labs", "inc"} <= terms
    assert {"ana@northwind.io", "northwind.io"} <= terms


@pytest.mark.parametrize(
    ("q", "words"),
    [
        ("Ana", ["ana"]),
        ("  ana   SILVA ", ["ana", "silva"]),
        ("ana@north", ["ana@north"]),
        ("northwind.io", ["northwind.io"]),
        ("José", ["jose"]),
        ("ana ana", ["ana"]),
        ("%!", []),
        ("<.", []),
        ("ana.silva@", ["ana.silva@"]),
    ],
)
def test_query_words_table(q, words):
    assert query_words(q) == words


NAME_TEXT = st.text(alphabet=st.characters(categories=["L"]) | st.sampled_from(" -'"), max_size=30)


@given(NAME_TEXT, st.text(max_size=30))
def test_every_query_word_from_a_name_prefixes_one_of_its_terms(first, company):
    terms = search_terms(first, "Doe", company, "x@y.example")
    for word in query_words(first):
        assert any(term.startswith(word) for term in terms)
