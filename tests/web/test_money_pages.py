"""The money side through the dashboard and the portal, as finance and a referrer meet it:
the walk-throughs of issue #4."""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from billing.models import Contract, Invoice, Refund
from commissions.models import CommissionEntry, Payout
from core.today import business_today
from notifications.models import OutboxMessage
from referrals.services import decide, record_tax_form, sign_up


@pytest.fixture
def referred_contract(client, db, make_user, make_lead):
    """A referred lead converted by sales with `start` days ago as its start date; its
    referrer's tax form is on file unless `tax_form` is false."""

    def make(days_ago: int, company: str, tax_form: bool = True):
        admin = make_user("admin")
        referrer = sign_up(
            {
                "first_name": "Rita",
                "last_name": company,
                "email": f"rita@{company}-ref.example",
                "company": "Refs",
                "relationship": "partner",
                "payout_email": f"pay@{company}-ref.example",
            }
        ).referrer
        decide(referrer.id, "approve", admin)
        if tax_form:
            record_tax_form(referrer.id, business_today(), business_today())
        lead = make_lead(
            email=f"cto@{company}.example", company=company, referral_code=referrer.code
        )
        client.post("/login", data={"email": admin.email, "password": "correct horse battery"})
        start = business_today() - timedelta(days=days_ago)
        client.post(
            f"/dashboard/leads/{lead.id}/convert",
            data={"start_date": start.isoformat(), "engineers": "1", "monthly_rate": "10000"},
        )
        client.post("/logout")
        contract = db.session.scalar(sa.select(Contract).where(Contract.lead_id == lead.id))
        return referrer, contract

    return make


def record_invoice(client, contract, number, amount="10000", days_ago=0):
    start = contract.start_date
    response = client.post(
        f"/dashboard/contracts/{contract.id}/invoices",
        data={
            "number": number,
            "issue_date": (business_today() - timedelta(days=days_ago)).isoformat(),
            "period_start": start.isoformat(),
            "period_end": (start + timedelta(days=29)).isoformat(),
            "amount": amount,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_finance_records_an_invoice_and_a_payment_and_the_commission_is_pending(
    client, db, login_as, referred_contract
):
    referrer, contract = referred_contract(days_ago=5, company="alpha")
    login_as("finance")
    invoice_id = record_invoice(client, contract, "INV-1")
    client.post(
        f"/dashboard/invoices/{invoice_id}/payments",
        data={"amount": "10000", "paid_on": business_today().isoformat()},
    )
    page = client.get(f"/dashboard/invoices/{invoice_id}").get_data(as_text=True)
    assert "Payment recorded." in page and "(in full on" in page
    assert "Accrual · $1,000.00 · Pending" in page
    ledger = client.get("/dashboard/commissions").get_data(as_text=True)
    assert "$1,000.00" in ledger and "pending" in ledger


def test_an_overpayment_is_refused_with_a_message_and_changes_nothing(
    client, db, login_as, referred_contract
):
    _, contract = referred_contract(days_ago=5, company="beta")
    login_as("finance")
    invoice_id = record_invoice(client, contract, "INV-2", amount="100")
    client.post(
        f"/dashboard/invoices/{invoice_id}/payments",
        data={"amount": "100.01", "paid_on": business_today().isoformat()},
    )
    page = client.get(f"/dashboard/invoices/{invoice_id}").get_data(as_text=True)
    assert "Only $100.00 is still owed." in page
    db.session.expire_all()
    assert db.session.get(Invoice, int(invoice_id)).paid_cents == 0


def test_an_accepted_claim_voids_invoices_makes_refunds_due_and_reverses_commission(
    client, db, login_as, referred_contract, outbox
):
    referrer, contract = referred_contract(days_ago=5, company="gamma")
    login_as("finance")
    first = record_invoice(client, contract, "INV-G1")
    second = record_invoice(client, contract, "INV-G2", amount="5000")
    client.post(
        f"/dashboard/invoices/{first}/payments",
        data={"amount": "10000", "paid_on": business_today().isoformat()},
    )
    response = client.post(
        f"/dashboard/contracts/{contract.id}/guarantee-claims",
        data={
            "confirm": "yes",
            "claimed_on": business_today().isoformat(),
            "channel": "email",
            "reason": "The engineer missed our stand-ups.",
        },
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Claim accepted" in page and "terminated" in page
    db.session.expire_all()
    assert {db.session.get(Invoice, int(i)).status.value for i in (first, second)} == {"void"}
    [refund] = db.session.scalars(sa.select(Refund)).all()
    assert (refund.amount_cents, refund.status.value) == (1_000_000, "due")
    entries = db.session.scalars(sa.select(CommissionEntry.amount_cents)).all()
    assert sorted(entries) == [-100_000, 100_000]
    referrer_mail = outbox("claim_accepted_referrer")[0]
    assert referrer_mail.to_address == referrer.email
    assert "stand-ups" not in referrer_mail.body_text
    assert "stand-ups" in outbox("claim_accepted_sales")[0].body_text
    invoice_page = client.get(f"/dashboard/invoices/{first}").get_data(as_text=True)
    client.post(
        f"/dashboard/refunds/{refund.id}/mark-sent",
        data={"sent_on": business_today().isoformat(), "reference": "WIRE-9"},
    )
    db.session.expire_all()
    assert db.session.get(Refund, refund.id).status.value == "sent"
    assert "Record as sent" in invoice_page


def test_a_late_claim_is_kept_as_rejected_with_its_code(client, db, login_as, referred_contract):
    _, contract = referred_contract(days_ago=60, company="delta")
    login_as("admin")
    response = client.post(
        f"/dashboard/contracts/{contract.id}/guarantee-claims",
        data={
            "confirm": "yes",
            "claimed_on": business_today().isoformat(),
            "channel": "phone",
            "reason": "Too late",
        },
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Guarantee window closed" in page
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status.value == "active"


def test_approve_run_export_pay_and_a_later_refund_is_clawed_back_in_the_next_run(
    client, db, login_as, referred_contract, outbox, make_lead
):
    referrer, contract = referred_contract(days_ago=90, company="epsilon")
    login_as("finance")
    invoice_id = record_invoice(client, contract, "INV-E1", amount="20000", days_ago=80)
    paid_on = (business_today() - timedelta(days=70)).isoformat()
    client.post(
        f"/dashboard/invoices/{invoice_id}/payments", data={"amount": "20000", "paid_on": paid_on}
    )
    client.post("/dashboard/commissions/approve-due", data={"as_of": business_today().isoformat()})
    assert outbox("commission_approved")[0].to_address == referrer.email
    response = client.post(
        "/dashboard/payouts", data={"confirm": "yes", "as_of": business_today().isoformat()}
    )
    payout_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "$2,000.00" in payout_page
    payout = db.session.scalar(sa.select(Payout))
    exported = client.get(f"/dashboard/payouts/{payout.id}.csv").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert (row["referrer_id"], row["amount_cents"], row["amount"]) == (
        str(referrer.id),
        "200000",
        "2000.00",
    )
    client.post(
        f"/dashboard/payouts/{payout.id}/mark-paid",
        data={"confirm": "yes", "paid_on": business_today().isoformat(), "reference": "BATCH-1"},
    )
    assert outbox("payout_paid")[0].to_address == referrer.email
    client.post(
        f"/dashboard/invoices/{invoice_id}/refunds",
        data={"amount": "5000", "refunded_on": business_today().isoformat()},
    )
    states = dict(
        db.session.execute(sa.select(CommissionEntry.amount_cents, CommissionEntry.state)).all()
    )
    assert {k: v.value for k, v in states.items()} == {200_000: "paid", -50_000: "approved"}
    page = client.get(f"/dashboard/referrers/{referrer.id}").get_data(as_text=True)
    assert "approved, not yet paid -$500.00" in page
    assert f"Paid by calendar year: {business_today().year} $2,000.00" in page
    year = business_today().year
    referrers_page = client.get("/dashboard/referrers").get_data(as_text=True)
    assert f"/dashboard/referrers/paid-by-year.csv?year={year}" in referrers_page
    totals = client.get(f"/dashboard/referrers/paid-by-year.csv?year={year}")
    [total] = list(csv.DictReader(io.StringIO(totals.get_data(as_text=True))))
    assert (total["referrer_id"], total["paid_cents"]) == (str(referrer.id), "200000")


def test_the_portal_shows_pending_commission_with_its_expected_payable_date(
    client, db, referred_contract
):
    referrer, contract = referred_contract(days_ago=3, company="zeta")
    client.post("/login", data={"email": "nobody", "password": "x"})
    from auth.services import create_user

    create_user("fin@hiretechtalent.example", "finance", "correct horse battery")
    client.post(
        "/login", data={"email": "fin@hiretechtalent.example", "password": "correct horse battery"}
    )
    invoice_id = record_invoice(client, contract, "INV-Z1")
    client.post(
        f"/dashboard/invoices/{invoice_id}/payments",
        data={"amount": "10000", "paid_on": business_today().isoformat()},
    )
    client.post("/logout")
    client.post("/portal/sign-in", data={"email": referrer.email})

    body = db.session.scalar(
        sa.select(OutboxMessage.body_text).where(OutboxMessage.event == "portal_sign_in")
    )
    link = next(w for w in body.split() if "/portal/sign-in/" in w)
    client.post(link.replace("http://testserver.example", ""))
    page = client.get("/portal").get_data(as_text=True)
    db.session.expire_all()
    expected = (
        db.session.get(Contract, contract.id).guarantee_ends_on + timedelta(days=8)
    ).isoformat()
    assert "zeta" in page and "$1,000.00" in page and expected in page


def test_sales_read_money_pages_but_cannot_record(client, login_as, referred_contract):
    _, contract = referred_contract(days_ago=5, company="eta")
    login_as("sales")
    assert client.get(f"/dashboard/contracts/{contract.id}").status_code == 200
    assert client.get("/dashboard/commissions").status_code == 200
    assert client.get("/dashboard/payouts").status_code == 200
    response = client.post(
        f"/dashboard/contracts/{contract.id}/invoices", data={"number": "X", "amount": "1"}
    )
    assert response.status_code == 403
    assert (
        client.post(
            "/dashboard/payouts", data={"confirm": "yes", "as_of": "2026-01-01"}
        ).status_code
        == 403
    )


def test_page_titles_are_plain_text(client, login_as, referred_contract):
    referrer, contract = referred_contract(days_ago=5, company="theta")
    login_as("finance")
    for path in (
        f"/dashboard/contracts/{contract.id}",
        f"/dashboard/referrers/{referrer.id}",
        "/dashboard/commissions",
        "/dashboard/payouts",
        "/dashboard/claims",
    ):
        page = client.get(path).get_data(as_text=True)
        title = page.split("<title>")[1].split("</title>")[0]
        assert "<" not in title and title.strip(), (path, title)
        assert page.count("<h1>") == 1, path


def test_an_amount_too_large_to_record_is_refused_with_a_message(
    client, db, login_as, referred_contract
):
    _, contract = referred_contract(days_ago=5, company="iota")
    login_as("finance")
    response = client.post(
        f"/dashboard/contracts/{contract.id}/invoices",
        data={
            "number": "BIG-1",
            "issue_date": "2026-01-01",
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "amount": "99999999999999999999",
        },
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Amount: At most $10,000,000,000.00." in page
    assert db.session.scalar(sa.select(Invoice)) is None


def test_the_ledger_exports_every_matching_entry_as_csv(client, db, login_as, referred_contract):
    referrer, contract = referred_contract(days_ago=5, company="kappa")
    login_as("finance")
    invoice_id = record_invoice(client, contract, "INV-K1")
    client.post(
        f"/dashboard/invoices/{invoice_id}/payments",
        data={"amount": "10000", "paid_on": business_today().isoformat()},
    )
    client.post(
        f"/dashboard/invoices/{invoice_id}/refunds",
        data={"amount": "2500", "refunded_on": business_today().isoformat()},
    )
    exported = client.get(
        "/dashboard/commissions.csv", query_string={"referrer_id": referrer.id, "state": "pending"}
    )
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["kind"], r["amount_cents"]) for r in rows] == [
        ("reversal", "-25000"),
        ("accrual", "100000"),
    ]
    assert "commissions.csv" in client.get("/dashboard/commissions").get_data(as_text=True)


def test_the_referrer_contract_and_claim_lists_export_as_csv(client, login_as, referred_contract):
    referrer, contract = referred_contract(days_ago=60, company="lambda")
    login_as("admin")
    client.post(
        f"/dashboard/contracts/{contract.id}/guarantee-claims",
        data={
            "confirm": "yes",
            "claimed_on": business_today().isoformat(),
            "channel": "phone",
            "reason": "=cmd|late",
        },
    )
    exports = {
        path: list(csv.DictReader(io.StringIO(client.get(path).get_data(as_text=True))))
        for path in (
            "/dashboard/referrers.csv",
            "/dashboard/contracts.csv",
            "/dashboard/claims.csv",
        )
    }
    assert [r["code"] for r in exports["/dashboard/referrers.csv"]] == [referrer.code]
    assert exports["/dashboard/contracts.csv"][0]["client"] == "lambda"
    [claim] = exports["/dashboard/claims.csv"]
    assert (claim["status"], claim["rejection_code"], claim["reason"]) == (
        "rejected",
        "guarantee_window_closed",
        "'=cmd|late",
    )


def _approved_run(client, db, login_as, referred_contract, companies):
    """A payout run with a line for each company's referrer (finance signed in)."""
    made = [referred_contract(days_ago=90, company=company) for company in companies]
    login_as("finance")
    for n, (_, contract) in enumerate(made):
        invoice_id = record_invoice(client, contract, f"INV-L{n}", amount="20000", days_ago=80)
        client.post(
            f"/dashboard/invoices/{invoice_id}/payments",
            data={"amount": "20000", "paid_on": (business_today() - timedelta(days=70))},
        )
    client.post("/dashboard/commissions/approve-due", data={"as_of": business_today()})
    response = client.post("/dashboard/payouts", data={"confirm": "yes", "as_of": business_today()})
    return response.headers["Location"], [referrer for referrer, _ in made]


def test_finance_pays_one_line_and_marks_the_other_failed_on_the_payout_page(
    client, db, login_as, referred_contract, outbox
):
    page_url, (rita, sam) = _approved_run(client, db, login_as, referred_contract, ["kappa", "mu"])
    page = client.get(page_url).get_data(as_text=True)
    assert page.count("Mark this line paid") == 2 and "Cancel the run" in page
    payout = db.session.scalar(sa.select(Payout))
    response = client.post(
        f"/dashboard/payouts/{payout.id}/lines/{rita.id}/mark-paid",
        data={
            "confirm": "yes",
            f"line-{rita.id}-paid_on": business_today(),
            f"line-{rita.id}-reference": "W-1",
        },
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Line marked paid; the referrer is told." in page
    assert page.count("Mark this line paid") == 1 and "Cancel the run" not in page
    client.post(
        f"/dashboard/payouts/{payout.id}/lines/{sam.id}/mark-failed",
        data={f"line-{sam.id}-reason": "The account is closed."},
    )
    page = client.get(page_url).get_data(as_text=True)
    assert "The account is closed." in page and "Mark this line paid" not in page
    assert ">Paid</strong>" in page
    runs = client.get("/dashboard/payouts").get_data(as_text=True)
    assert '<td data-label="Lines">1 (1 failed)</td>' in runs
    assert '<td data-label="Total">$2,000.00</td>' in runs
    assert [m.to_address for m in outbox("payout_paid")] == [rita.email]
    assert [m.to_address for m in outbox("payout_failed")] == [sam.email]
    db.session.expire_all()
    states = dict(
        db.session.execute(
            sa.select(CommissionEntry.referrer_id, CommissionEntry.state).where(
                CommissionEntry.payout_id.is_(None)
            )
        ).all()
    )
    assert {k: v.value for k, v in states.items()} == {sam.id: "approved"}


def test_a_line_form_without_a_reason_changes_nothing(
    client, db, login_as, referred_contract, outbox
):
    page_url, (rita,) = _approved_run(client, db, login_as, referred_contract, ["nu"])
    payout = db.session.scalar(sa.select(Payout))
    response = client.post(
        f"/dashboard/payouts/{payout.id}/lines/{rita.id}/mark-failed",
        data={f"line-{rita.id}-reason": " "},
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Say why the payment failed." in page
    assert outbox("payout_failed") == []
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).lines[0].status.value == "open"


def test_cancelling_a_run_on_its_page_releases_its_commission(
    client, db, login_as, referred_contract
):
    page_url, (rita,) = _approved_run(client, db, login_as, referred_contract, ["xi"])
    payout = db.session.scalar(sa.select(Payout))
    response = client.post(f"/dashboard/payouts/{payout.id}/cancel")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Run cancelled; its commission is released." in page
    assert "The run was cancelled." in page and "Cancel the run" not in page
    db.session.expire_all()
    entry = db.session.scalar(sa.select(CommissionEntry))
    assert (entry.payout_id, entry.state.value) == (None, "approved")


def test_sales_see_a_run_but_are_offered_no_payment_forms(client, db, login_as, referred_contract):
    page_url, (rita,) = _approved_run(client, db, login_as, referred_contract, ["omicron"])
    payout = db.session.scalar(sa.select(Payout))
    client.post("/logout")
    login_as("sales")
    page = client.get(page_url).get_data(as_text=True)
    assert rita.full_name in page
    assert "Mark this line paid" not in page and "Cancel the run" not in page
    assert client.post(f"/dashboard/payouts/{payout.id}/cancel").status_code == 403


def test_a_run_tells_finance_whose_line_is_held_for_a_tax_form(
    client, db, login_as, referred_contract, outbox
):
    referrer, contract = referred_contract(days_ago=90, company="pi", tax_form=False)
    login_as("finance")
    invoice_id = record_invoice(client, contract, "INV-P1", amount="20000", days_ago=80)
    client.post(
        f"/dashboard/invoices/{invoice_id}/payments",
        data={"amount": "20000", "paid_on": (business_today() - timedelta(days=70))},
    )
    client.post("/dashboard/commissions/approve-due", data={"as_of": business_today()})
    response = client.post("/dashboard/payouts", data={"confirm": "yes", "as_of": business_today()})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Payout run created with 0 lines." in page
    assert f"{referrer.full_name}&#39;s $2,000.00 is held: no tax form on file." in page
    assert [m.to_address for m in outbox("tax_form_needed")] == [referrer.email]


def _portal_page(client, db, referrer) -> str:
    client.post("/logout")
    client.post("/portal/sign-in", data={"email": referrer.email})
    body = db.session.scalar(
        sa.select(OutboxMessage.body_text)
        .where(OutboxMessage.event == "portal_sign_in", OutboxMessage.to_address == referrer.email)
        .order_by(OutboxMessage.id.desc())
    )
    link = next(w for w in body.split() if "/portal/sign-in/" in w)
    client.post(link.replace("http://testserver.example", ""))
    return client.get("/portal").get_data(as_text=True)


def test_the_portal_shows_paid_failed_and_yearly_payouts_but_not_cancelled_runs(
    client, db, login_as, referred_contract
):
    page_url, (rita, sam) = _approved_run(client, db, login_as, referred_contract, ["rho", "tau"])
    payout = db.session.scalar(sa.select(Payout))
    today = business_today()
    client.post(
        f"/dashboard/payouts/{payout.id}/lines/{rita.id}/mark-paid",
        data={
            "confirm": "yes",
            f"line-{rita.id}-paid_on": today,
            f"line-{rita.id}-reference": "W-1",
        },
    )
    client.post(
        f"/dashboard/payouts/{payout.id}/lines/{sam.id}/mark-failed",
        data={f"line-{sam.id}-reason": "Account closed."},
    )
    client.post("/dashboard/payouts", data={"confirm": "yes", "as_of": today})
    second = db.session.scalars(sa.select(Payout).order_by(Payout.id.desc())).first()
    client.post(f"/dashboard/payouts/{second.id}/cancel")

    rita_page = _portal_page(client, db, rita)
    assert f"$2,000.00 · paid on {today.isoformat()}" in rita_page
    assert f"Paid by calendar year: {today.year} $2,000.00" in rita_page
    sam_page = _portal_page(client, db, sam)
    assert sam_page.count("$2,000.00 · transfer failed, will be retried") == 1
    assert "being prepared" not in sam_page and "Paid by calendar year" not in sam_page


@pytest.mark.parametrize("typed", ["18000", "18,000.00", "$18,000", " $18,000.00 "])
def test_an_invoice_amount_is_typed_in_dollars_in_any_usual_way(
    client, db, login_as, referred_contract, typed
):
    _, contract = referred_contract(days_ago=5, company="dollars")
    login_as("finance")
    invoice_id = record_invoice(client, contract, "INV-D1", amount=typed)
    invoice = db.session.get(Invoice, int(invoice_id))
    assert (invoice.amount_cents, invoice.commissionable_cents) == (1_800_000, 1_800_000)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "The amount cannot be negative."),
        ("18000.001", "At most two decimals (cents)."),
        ("lots", "Type an amount in dollars, such as 18000 or $18,000.00."),
        ("0", "At least $0.01."),
    ],
)
def test_money_that_is_not_an_amount_is_refused_and_nothing_changes(
    client, db, login_as, referred_contract, typed, message
):
    _, contract = referred_contract(days_ago=5, company="badmoney")
    login_as("finance")
    response = client.post(
        f"/dashboard/contracts/{contract.id}/invoices",
        data={
            "number": "BAD-1",
            "issue_date": business_today().isoformat(),
            "period_start": contract.start_date.isoformat(),
            "period_end": (contract.start_date + timedelta(days=29)).isoformat(),
            "amount": typed,
        },
        follow_redirects=True,
    )
    assert f"Amount: {message}" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Invoice)) is None
    invoice_id = record_invoice(client, contract, "GOOD-1", amount="100")
    refused = client.post(
        f"/dashboard/invoices/{invoice_id}/payments",
        data={"amount": typed, "paid_on": business_today().isoformat()},
        follow_redirects=True,
    )
    assert f"Amount: {message}" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Invoice, int(invoice_id)).paid_cents == 0


def test_zero_service_fees_are_zero_not_the_whole_amount(client, db, login_as, referred_contract):
    _, contract = referred_contract(days_ago=5, company="nofees")
    login_as("finance")
    response = client.post(
        f"/dashboard/contracts/{contract.id}/invoices",
        data={
            "number": "FEES-0",
            "issue_date": business_today().isoformat(),
            "period_start": contract.start_date.isoformat(),
            "period_end": (contract.start_date + timedelta(days=29)).isoformat(),
            "amount": "1,000",
            "commissionable": "0",
        },
    )
    assert response.status_code == 302
    invoice = db.session.scalar(sa.select(Invoice))
    assert (invoice.amount_cents, invoice.commissionable_cents) == (100_000, 0)


def test_the_payment_form_starts_with_the_balance_still_owed_in_dollars(
    client, login_as, referred_contract
):
    _, contract = referred_contract(days_ago=5, company="owed")
    login_as("finance")
    invoice_id = record_invoice(client, contract, "INV-O1", amount="25,500")
    client.post(
        f"/dashboard/invoices/{invoice_id}/payments",
        data={"amount": "500", "paid_on": business_today().isoformat()},
    )
    page = client.get(f"/dashboard/invoices/{invoice_id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="payment_amount"[^>]*value="25,000.00"', page)
    refused = client.post(
        f"/dashboard/invoices/{invoice_id}/payments",
        data={"amount": "25000.01", "paid_on": business_today().isoformat()},
        follow_redirects=True,
    )
    assert "Only $25,000.00 is still owed." in refused.get_data(as_text=True)


def test_a_payable_date_that_has_passed_reads_as_the_next_approval_in_the_portal(
    client, db, login_as, referred_contract
):
    referrer, contract = referred_contract(days_ago=60, company="overdue")
    login_as("finance")
    invoice_id = record_invoice(client, contract, "INV-P1")
    client.post(
        f"/dashboard/invoices/{invoice_id}/payments",
        data={"amount": "10000", "paid_on": (business_today() - timedelta(days=2)).isoformat()},
    )
    client.post("/logout")
    client.post("/portal/sign-in", data={"email": referrer.email})
    body = db.session.scalar(
        sa.select(OutboxMessage.body_text).where(OutboxMessage.event == "portal_sign_in")
    )
    link = next(w for w in body.split() if "/portal/sign-in/" in w)
    client.post(link.replace("http://testserver.example", ""))
    page = client.get("/portal").get_data(as_text=True)
    db.session.expire_all()
    passed = db.session.get(Contract, contract.id).guarantee_ends_on + timedelta(days=8)
    assert "with the next approval" in page and passed.isoformat() not in page
    assert "Pending" in page and ">pending<" not in page
