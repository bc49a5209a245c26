"""The lists of SPEC §13 through the API: GET /clients, /clients/{id}, /invoices and
/referrers — newest first on cursor pages, their filters, and 422 for a bad argument."""

from datetime import timedelta

import pytest
from money_support import Books, error_of

from core.today import business_today


@pytest.fixture
def books(client, bearer):
    return Books(client, bearer, business_today())


def items(books, path: str) -> list[dict]:
    response = books.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["items"]


def ids(rows: list[dict]) -> list[int]:
    return [row["id"] for row in rows]


def test_clients_list_newest_first_with_contracts_and_their_one_referrer(books):
    referrer_id, code = books.referrer()
    referred = books.contract(start_days_ago=40, code=code, company=1)
    plain = books.contract(company=2)
    second = books.contract(start_days_ago=3, company=1)

    clients = items(books, "/clients")

    assert ids(clients) == [plain["client_id"], referred["client_id"]]
    by_id = {client["id"]: client for client in clients}
    first_client = by_id[referred["client_id"]]
    assert first_client["contracts"] == [referred["id"], second["id"]]
    assert first_client["referrer_id"] == referrer_id
    assert first_client["name"] == "Client Company 1"
    assert [contact["email"] for contact in first_client["contacts"]] == [
        "buyer2@client1.example",
        "buyer4@client1.example",
    ]
    assert by_id[plain["client_id"]]["referrer_id"] is None
    assert books.get(f"/clients/{referred['client_id']}").get_json() == first_client


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("company 2", [2]),
        ("compan", [2, 1]),
        ("2", [2]),
        ("CLIENT", [2, 1]),
        ("client1.ex", [1]),
        ("ent", []),
        ("%", []),
    ],
)
def test_clients_q_matches_the_start_of_a_name_word_or_of_the_domain(books, q, found):
    made = {n: books.contract(company=n)["client_id"] for n in (1, 2)}
    assert ids(items(books, f"/clients?q={q}")) == [made[n] for n in found]


def test_a_client_that_does_not_exist_is_404(books):
    assert error_of(books.get("/clients/999999"), 404)["code"] == "not_found"


def test_the_conversion_answers_the_client_with_its_contracts(books):
    referrer_id, code = books.referrer()
    contract = books.contract(code=code)
    client = books.get(f"/clients/{contract['client_id']}").get_json()
    assert client["contracts"] == [contract["id"]]
    assert client["referrer_id"] == referrer_id


def test_lists_walk_their_cursor_pages_to_the_end(books):
    made = [books.contract(company=n)["client_id"] for n in range(1, 6)]
    seen, path = [], "/clients?limit=2"
    while True:
        body = books.get(path).get_json()
        seen.extend(ids(body["items"]))
        if body["next_cursor"] is None:
            break
        path = f"/clients?limit=2&cursor={body['next_cursor']}"
    assert seen == list(reversed(made))


def test_invoices_filter_by_status_overdue_client_contract_and_issue_dates(books):
    today = books.today
    first = books.contract(start_days_ago=60, company=1)
    other = books.contract(start_days_ago=60, company=2)
    old = books.invoice(first, issue_date=(today - timedelta(days=45)).isoformat())
    recent = books.invoice(first, issue_date=(today - timedelta(days=10)).isoformat())
    paid_old = books.invoice(other, issue_date=(today - timedelta(days=50)).isoformat())
    assert books.pay(paid_old, paid_old["amount_cents"]).status_code == 201

    assert ids(items(books, "/invoices")) == [paid_old["id"], recent["id"], old["id"]]
    assert ids(items(books, "/invoices?status=paid")) == [paid_old["id"]]
    assert ids(items(books, "/invoices?overdue=true")) == [old["id"]]
    assert ids(items(books, "/invoices?overdue=false")) == [paid_old["id"], recent["id"]]
    assert ids(items(books, f"/invoices?client_id={first['client_id']}")) == [
        recent["id"],
        old["id"],
    ]
    assert ids(items(books, f"/invoices?contract_id={other['id']}")) == [paid_old["id"]]
    since = (today - timedelta(days=45)).isoformat()
    until = (today - timedelta(days=11)).isoformat()
    assert ids(items(books, f"/invoices?issued_from={since}&issued_to={until}")) == [old["id"]]


def test_overdue_counts_from_invoice_overdue_days(app, books):
    contract = books.contract(start_days_ago=60)
    invoice = books.invoice(contract, issue_date=(books.today - timedelta(days=20)).isoformat())
    assert items(books, "/invoices?overdue=true") == []
    app.config["INVOICE_OVERDUE_DAYS"] = 19
    assert ids(items(books, "/invoices?overdue=true")) == [invoice["id"]]


def test_referrers_filter_by_status_and_a_word_of_name_email_or_code(books):
    approved_id, code = books.referrer()
    pending = {
        "first_name": "Maria Luisa",
        "last_name": "Okafor",
        "email": "ml@agency.example",
        "company": "Agency",
        "relationship": "partner",
        "payout_email": "pay@agency.example",
        "accept_terms": True,
    }
    pending_id = books.post("/referrers", pending).get_json()["id"]

    everyone = items(books, "/referrers")
    assert ids(everyone) == [pending_id, approved_id]
    assert everyone[0]["balance_cents"] == {"pending": 0, "approved": 0, "paid": 0}
    assert ids(items(books, "/referrers?status=pending")) == [pending_id]
    assert ids(items(books, "/referrers?q=luisa")) == [pending_id]
    assert ids(items(books, "/referrers?q=oka")) == [pending_id]
    assert ids(items(books, "/referrers?q=ML@")) == [pending_id]
    assert ids(items(books, f"/referrers?q={code[:4].lower()}")) == [approved_id]
    assert ids(items(books, "/referrers?q=gency")) == []


@pytest.mark.parametrize("q", ["émile", "ÉMILE", "ørsted", "Ørs"])
def test_searches_fold_accented_letters_in_any_case(books, q):
    sign_up = {
        "first_name": "Émile",
        "last_name": "Ørsted",
        "email": "emile@agence.example",
        "company": "Agence",
        "relationship": "partner",
        "payout_email": "pay@agence.example",
        "accept_terms": True,
    }
    referrer_id = books.post("/referrers", sign_up).get_json()["id"]
    assert ids(items(books, f"/referrers?q={q}")) == [referrer_id]


def test_a_nul_in_any_query_string_is_422_naming_it(books):
    response = books.get("/invoices/1?note=a%00b")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == ["note"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/invoices?issued_from=20260101", "issued_from"),
        ("/invoices?issued_to=2026-W01-1", "issued_to"),
        ("/invoices?status=open", "status"),
        ("/invoices?overdue=yes", "overdue"),
        ("/invoices?client_id=0", "client_id"),
        ("/invoices?contract_id=99999999999", "contract_id"),
        ("/clients?limit=0", "limit"),
        ("/clients?cursor=not-a-cursor", "cursor"),
        ("/referrers?status=gone", "status"),
        ("/leads?created_from=20260101", "created_from"),
    ],
)
def test_a_bad_query_argument_answers_422_naming_it(books, path, field):
    error = error_of(books.get(path), 422)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]


def test_a_limit_above_200_is_taken_as_200_and_empty_arguments_are_ignored(books):
    books.contract()
    assert len(items(books, "/clients?limit=5000&q=&cursor=")) == 1
