"""Every list's query model turns its filters back into the query string it parses (the pages'
next-page and CSV links depend on it), and treats an empty or blank argument as not given."""

import pytest

from billing.queries import ClientQuery, InvoiceQuery
from commissions.queries import LedgerQuery
from core.audit_queries import AuditFilters
from core.query_models import parse_query
from leads.queries import LeadFilters
from referrals.queries import ReferrerQuery

EVERY_FILTER = [
    (
        LeadFilters,
        {
            "status": "qualified",
            "q": "ada love",
            "owner": "rep@hiretechtalent.example",
            "source": "referral",
            "referrer_id": "7",
            "created_from": "2026-01-01",
            "created_to": "2026-02-28",
            "sort": "oldest",
        },
    ),
    (LedgerQuery, {"referrer_id": "3", "invoice_id": "9", "state": "approved", "kind": "bonus"}),
    (
        AuditFilters,
        {
            "entity_type": "invoice",
            "entity_id": "12",
            "action": "invoice.voided",
            "actor_email": "fin@hiretechtalent.example",
            "from": "2026-03-01",
            "to": "2026-03-31",
        },
    ),
    (ClientQuery, {"q": "acme"}),
    (
        InvoiceQuery,
        {
            "status": "issued",
            "overdue": "false",
            "client_id": "4",
            "contract_id": "5",
            "issued_from": "2026-01-01",
            "issued_to": "2026-12-31",
        },
    ),
    (ReferrerQuery, {"status": "active", "q": "rita"}),
]


@pytest.mark.parametrize(("model", "args"), EVERY_FILTER)
def test_the_filters_come_back_as_the_query_string_they_were_parsed_from(model, args):
    parsed, errors = parse_query(model, args)
    assert errors == {}
    assert parsed.filter_args() == args
    again, _ = parse_query(model, parsed.filter_args())
    assert again == parsed


@pytest.mark.parametrize(("model", "args"), EVERY_FILTER)
def test_empty_or_blank_arguments_are_not_given(model, args):
    blank, errors = parse_query(model, {name: " " for name in args} | {"limit": ""})
    assert errors == {}
    assert blank == model()
    assert blank.filter_args() == {}


def test_ids_and_dates_typed_with_spaces_are_read():
    parsed, errors = parse_query(AuditFilters, {"entity_id": " 12 ", "from": " 2026-03-01"})
    assert errors == {}
    assert parsed.entity_id == 12 and parsed.date_from.isoformat() == "2026-03-01"
