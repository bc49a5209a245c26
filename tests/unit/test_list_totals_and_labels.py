"""How a list's total and a stored code read on a page."""

import pytest

from billing.models import ContractStatus, InvoiceStatus, TerminationReason
from core.keyset import Total
from core.labels import label


@pytest.mark.parametrize(
    ("total", "words"),
    [
        (Total(0), "0 clients"),
        (Total(1), "1 client"),
        (Total(1234), "1,234 clients"),
        (Total(10_000, more=True), "10,000+ clients"),
    ],
)
def test_a_total_reads_as_a_count_of_things(total, words):
    assert total.of("client") == words


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (InvoiceStatus.ISSUED, "Issued"),
        (InvoiceStatus.VOID, "Void"),
        (ContractStatus.TERMINATED, "Ended"),
        (TerminationReason.NON_PAYMENT, "Non-payment"),
        ("some_new_code", "Some new code"),
        (None, ""),
    ],
)
def test_a_code_reads_as_its_label(code, words):
    assert label(code) == words
