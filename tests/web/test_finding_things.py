"""Finding things (SPEC §13): the clients list and a client's page, the invoices list and
its CSV, refunds due, the search box's page and the contracts list, as staff meet them."""

import csv
import io
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from billing.claims import ClaimInput, file_claim
from billing.invoices import InvoiceInput, add_invoice, record_payment
from billing.models import Contract, Invoice, Refund, RefundStatus
from billing.services import ContractTerms, convert_lead
from core.today import business_today
from referrals.services import decide, sign_up


@pytest.fixture
def books(db, make_user, make_lead):
    """Clients made through the services: `client(company, email, ...)` converts a lead
    (referred when `referrer` is given) and records its invoices."""
    admin = make_user("admin")
    numbers = iter(range(1, 1000))

    def referrer(first="Rita", last="Okafor", email="rita@partners.example"):
        found = sign_up(
            {
                "first_name": first,
                "last_name": last,
                "email": email,
                "company": "Partners",
                "relationship": "partner",
                "payout_email": email,
            }
        ).referrer
        return decide(found.id, "approve", admin)

    def client(company, email, days_ago=40, referred_by=None, invoices=(), client_id=None):
        extra = {"referral_code": referred_by.code} if referred_by else {}
        lead = make_lead(company=company, email=email, **extra)
        start = business_today() - timedelta(days=days_ago)
        terms = ContractTerms(start, 1, 900_000, "USD", client_id=client_id)
        contract = convert_lead(lead.id, terms, admin)
        for amount, paid in invoices:
            number = f"INV-{next(numbers):04d}"
            period = InvoiceInput(number, start, start, start + timedelta(days=29), amount, "USD")
            invoice = add_invoice(contract.id, period).invoice
            if paid:
                record_payment(invoice.id, paid, business_today())
        return contract

    client.referrer = referrer
    client.admin = admin
    return client


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)


def test_the_clients_list_matches_the_start_of_a_word_of_the_name_or_of_the_domain(
    client, login_as, books
):
    books("Northwind Labs", "ana@northwind.example")
    books("Acme Robotics", "bo@acmerobots.example")
    login_as("sales")
    everyone = page(client, "/dashboard/clients")
    assert "2 clients" in everyone
    assert "Northwind Labs" in everyone and "Acme Robotics" in everyone
    by_word = page(client, "/dashboard/clients?q=lab")
    assert "1 client " in by_word or "1 client<" in by_word
    assert "Northwind Labs" in by_word and "Acme Robotics" not in by_word
    by_domain = page(client, "/dashboard/clients?q=acmerob")
    assert "Acme Robotics" in by_domain and "Northwind Labs" not in by_domain
    inside_a_word = page(client, "/dashboard/clients?q=wind")
    assert "Northwind Labs" not in inside_a_word
    assert "0 clients" in inside_a_word and "No clients match." in inside_a_word


def test_the_clients_list_shows_contracts_referrer_and_active_or_ended(client, db, login_as, books):
    rita = books.referrer()
    first = books("Northwind Labs", "ana@northwind.example", referred_by=rita)
    books("Northwind Labs", "cto@northwind.example", client_id=first.client_id)
    ended = books("Acme Robotics", "bo@acmerobots.example")
    login_as("finance")
    client.post(
        f"/dashboard/contracts/{ended.id}/end",
        data={"confirm": "yes", "end_date": business_today().isoformat(), "reason": "client_ended"},
    )
    text = page(client, "/dashboard/clients")
    northwind = text[text.index("Northwind Labs") :]
    row = northwind[: northwind.index("</tr>")]
    assert ">2<" in row and "Rita Okafor" in row and "Active" in row
    acme = text[text.index("Acme Robotics") :]
    row = acme[: acme.index("</tr>")]
    assert ">1<" in row and "Ended" in row and "—" in row


def test_the_clients_list_pages_with_a_cursor(client, login_as, books):
    for n in range(3):
        books(f"Company {n}", f"x@company{n}.example")
    login_as("sales")
    first = page(client, "/dashboard/clients?limit=2")
    assert "3 clients" in first and "Company 2" in first and "Company 0" not in first
    cursor = first.split("cursor=")[1].split('"')[0].split("&")[0]
    second = page(client, f"/dashboard/clients?limit=2&cursor={cursor}")
    assert "Company 0" in second and "Company 2" not in second


def test_a_bad_client_filter_shows_its_error_instead_of_failing(client, login_as):
    login_as("sales")
    text = page(client, "/dashboard/clients?cursor=nonsense&limit=0")
    assert "cursor" in text and "limit" in text


def test_the_client_page_shows_contacts_contracts_invoices_referrer_and_commission(
    client, db, login_as, books
):
    rita = books.referrer()
    contract = books(
        "Northwind Labs",
        "ana@northwind.example",
        days_ago=10,
        referred_by=rita,
        invoices=[(1_800_000, 1_800_000), (900_000, 0)],
    )
    books("Northwind Labs", "cto@northwind.example", days_ago=5, client_id=contract.client_id)
    login_as("sales")
    text = page(client, f"/dashboard/clients/{contract.client_id}")
    assert "Northwind Labs" in text and "ana@northwind.example" in text and "Primary" in text
    assert "Invoiced</dt><dd>$27,000.00" in text
    assert "Paid</dt><dd>$18,000.00" in text
    assert "Still owed</dt><dd>$9,000.00" in text
    assert "Rita Okafor" in text
    # 10 % of $18,000.00 paid, pending until the guarantee and hold have passed.
    assert "Commission pending</dt><dd>$1,800.00" in text
    assert "INV-0001" in text and "INV-0002" in text and "Paid" in text and "Issued" in text
    assert "days left)" in text
    assert "Not covered (only the client&#39;s first contract is)" in text
    assert "$9,000.00" in text


def test_the_client_page_of_an_unknown_client_is_404(client, login_as):
    login_as("sales")
    assert client.get("/dashboard/clients/999").status_code == 404


def test_the_invoices_list_takes_the_api_filters_and_shows_dollars_and_words(
    client, login_as, books
):
    paid = books("Northwind Labs", "ana@northwind.example", invoices=[(123_456, 123_456)])
    books("Acme Robotics", "bo@acmerobots.example", invoices=[(50_000, 0)])
    login_as("finance")
    everything = page(client, "/dashboard/invoices")
    assert "2 invoices" in everything
    assert "$1,234.56" in everything and "$500.00" in everything
    assert "Paid" in everything and "Issued" in everything
    only_paid = page(client, "/dashboard/invoices?status=paid")
    assert "INV-0001" in only_paid and "INV-0002" not in only_paid
    of_client = page(client, f"/dashboard/invoices?client_id={paid.client_id + 1}")
    assert "INV-0002" in of_client and "INV-0001" not in of_client
    by_number = page(client, "/dashboard/invoices?q=inv-0002")
    assert "1 invoice" in by_number and "INV-0001" not in by_number
    bad = page(client, "/dashboard/invoices?status=lost&issued_from=yesterday")
    assert "status" in bad and "issued_from" in bad


def test_the_invoices_csv_exports_every_matching_invoice(client, login_as, books):
    books("Northwind Labs", "ana@northwind.example", invoices=[(123_456, 123_456)])
    books("Acme Robotics", "bo@acmerobots.example", invoices=[(50_000, 0), (70_000, 0)])
    login_as("sales")
    response = client.get("/dashboard/invoices.csv?status=issued&limit=1")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["number"] for row in rows] == ["INV-0003", "INV-0002"]
    assert rows[0]["client"] == "Acme Robotics" and rows[0]["amount_cents"] == "70000"
    assert rows[0]["status"] == "issued" and rows[0]["still_owed_cents"] == "70000"
    assert client.get("/dashboard/invoices.csv?overdue=maybe").status_code == 400


def _accepted_claim(books, db):
    contract = books(
        "Northwind Labs", "ana@northwind.example", days_ago=5, invoices=[(1_800_000, 1_800_000)]
    )
    file_claim(contract.id, ClaimInput(business_today(), "Not a fit."), books.admin)
    return contract


def test_refunds_due_lists_each_refund_with_the_total_and_marks_it_sent(
    client, db, login_as, books
):
    _accepted_claim(books, db)
    login_as("finance")
    text = page(client, "/dashboard/refunds")
    assert "1 refund to send, $18,000.00 in all." in text
    assert "Northwind Labs" in text and "Mark refund sent" in text
    refund = db.session.scalar(sa.select(Refund))
    response = client.post(
        f"/dashboard/refunds/{refund.id}/mark-sent",
        data={"sent_on": business_today().isoformat(), "reference": "WIRE-9", "back": "refunds"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard/refunds")
    db.session.expire_all()
    assert db.session.get(Refund, refund.id).status == RefundStatus.SENT
    assert "No refunds are due." in page(client, "/dashboard/refunds")


def test_sales_see_refunds_due_without_the_form(client, db, login_as, books):
    _accepted_claim(books, db)
    login_as("sales")
    text = page(client, "/dashboard/refunds")
    assert "$18,000.00" in text and '<form method="post"' not in text.split("<main")[1]


def test_search_groups_leads_clients_referrers_and_invoices(client, login_as, books, make_lead):
    rita = books.referrer(first="Nora", last="Northcott", email="nora@partners.example")
    books("Northwind Labs", "ana@northwind.example", referred_by=rita, invoices=[(10_000, 0)])
    make_lead(company="Northstar Analytics", email="li@northstar.example")
    make_lead(company="Southwind", email="zed@southwind.example")
    login_as("sales")
    text = page(client, "/dashboard/search?q=north")
    leads = text.index('id="found-leads"')
    clients = text.index('id="found-clients"')
    referrers = text.index('id="found-referrers"')
    assert leads < clients < referrers
    assert "Northstar Analytics" in text[leads:clients] and "Southwind" not in text
    assert "Northwind Labs" in text[clients:referrers]
    assert "Nora Northcott" in text[referrers:]
    assert 'id="found-invoices"' not in text
    by_number = page(client, "/dashboard/search?q=INV-00")
    assert 'id="found-invoices"' in by_number and "INV-0001" in by_number
    assert "$100.00" in by_number
    by_code = page(client, f"/dashboard/search?q={rita.code.lower()}")
    assert "Nora Northcott" in by_code
    by_email = page(client, "/dashboard/search?q=zed@south")
    assert "Southwind" in by_email


def test_search_shows_a_few_per_kind_with_a_link_to_the_full_list(client, login_as, make_lead):
    for n in range(12):
        make_lead(company=f"Globex {n}", email=f"p{n}@globex{n}.example")
    login_as("sales")
    text = page(client, "/dashboard/search?q=globex")
    section = text[text.index('id="found-leads"') :]
    assert section.count("/dashboard/leads/") == 10
    assert "/dashboard/leads?q=globex" in text


def test_search_with_nothing_typed_shows_just_the_form(client, login_as, make_lead):
    make_lead()
    login_as("sales")
    text = page(client, "/dashboard/search")
    assert 'name="q"' in text and "found-" not in text and "Nothing matches" not in text


@pytest.mark.parametrize("q", ["%", "_", "!!!", "'; drop table leads; --", "a" * 500, "é\u0301"])
def test_search_never_fails_on_odd_input(client, login_as, make_lead, q):
    make_lead()
    login_as("sales")
    text = page(client, "/dashboard/search?" + urlencode({"q": q}))
    assert "Company 1" not in text


def test_search_is_for_staff_only(client):
    response = client.get("/dashboard/search?q=x")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_contracts_list_is_newest_first_and_searched_by_client_name(client, login_as, books):
    books("Northwind Labs", "ana@northwind.example", days_ago=5)
    books("Acme Robotics", "bo@acmerobots.example", days_ago=90)
    login_as("finance")
    text = page(client, "/dashboard/contracts")
    assert text.index("Acme Robotics") < text.index("Northwind Labs")
    found = page(client, "/dashboard/contracts?q=robo")
    assert "Acme Robotics" in found and "Northwind Labs" not in found
    response = client.get("/dashboard/contracts.csv?q=north")
    assert "Northwind Labs" in response.get_data(as_text=True)
    assert "Acme Robotics" not in response.get_data(as_text=True)


def test_an_invoice_for_a_period_before_the_contract_starts_is_refused(client, db, login_as, books):
    contract = books("Northwind Labs", "ana@northwind.example", days_ago=5)
    login_as("finance")
    start = contract.start_date
    response = client.post(
        f"/dashboard/contracts/{contract.id}/invoices",
        data={
            "number": "INV-EARLY",
            "issue_date": business_today().isoformat(),
            "period_start": (start - timedelta(days=1)).isoformat(),
            "period_end": (start + timedelta(days=28)).isoformat(),
            "amount": "9,000",
        },
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "The period starts before the contract does" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 0
    assert db.session.get(Contract, contract.id) is not None


def _statements(client, db, path: str) -> int:
    """The statements of one request that starts cold (nothing left in the session)."""
    from flask import g

    db.session.remove()
    g.pop("_login_user", None)
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_client_page_and_refunds_due_cost_the_same_statements_with_more_rows(
    client, db, login_as, books
):
    rita = books.referrer()
    first = books(
        "Northwind Labs",
        "ana@northwind.example",
        days_ago=5,
        referred_by=rita,
        invoices=[(1_800_000, 1_800_000)],
    )
    file_claim(first.id, ClaimInput(business_today(), "Not a fit."), books.admin)
    client_id = first.client_id
    login_as("finance")
    paths = [f"/dashboard/clients/{client_id}", "/dashboard/refunds"]
    page(client, "/dashboard/refunds")  # the session's first use is noted once: not counted
    before = [_statements(client, db, path) for path in paths]
    for n in range(4):
        books(
            "Northwind Labs",
            f"p{n}@northwind.example",
            days_ago=2,
            invoices=[(10_000, 10_000), (20_000, 0)],
            client_id=client_id,
        )
        other = books(f"Other {n}", f"x@other{n}.example", days_ago=5, invoices=[(1_000, 1_000)])
        file_claim(other.id, ClaimInput(business_today(), "Not a fit."), books.admin)
    assert "5 refunds to send" in page(client, "/dashboard/refunds")
    assert [_statements(client, db, path) for path in paths] == before


def test_the_referrers_list_is_searched_by_every_word_of_the_name(client, login_as, books):
    books.referrer()
    books.referrer(first="Sam", last="Lee", email="sam@lee.example")
    login_as("sales")
    text = page(client, "/dashboard/referrers?q=rita+oka")
    assert "Rita Okafor" in text and "Sam Lee" not in text
    assert "No referrers match." in page(client, "/dashboard/referrers?q=rita+lee")


def test_the_api_invoice_list_takes_the_same_number_search(client, make_user, books):
    from auth.services import create_token

    books("Northwind Labs", "ana@northwind.example", invoices=[(10_000, 0), (20_000, 0)])
    user = make_user("finance")
    headers = {"Authorization": f"Bearer {create_token(user.email)}"}
    answer = client.get("/api/v1/invoices?q=inv-0002", headers=headers).get_json()
    assert [item["number"] for item in answer["items"]] == ["INV-0002"]
