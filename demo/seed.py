"""Demo data through the real services, then spread over the past weeks."""

import random
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from auth.models import Role, User
from auth.services import create_user
from billing.invoices import InvoiceInput, add_invoice, record_payment
from billing.services import ContractTerms, convert_lead
from core.db import utcnow
from core.extensions import db
from core.today import business_today
from core.unit_of_work import use_case
from leads.models import Lead, LeadEvent, LeadSubmission
from leads.rules import OPEN_STATUSES, LeadSource, LeadStatus
from leads.services import Arrival, add_note, submit_lead, update_lead
from notifications.models import OutboxMessage, OutboxStatus
from referrals.services import decide, sign_up

FIRST_NAMES = [
    "Ana",
    "Ben",
    "Chloé",
    "Dev",
    "Elif",
    "Femi",
    "Grace",
    "Hiro",
    "Ines",
    "Jon",
    "Kai",
    "Lena",
    "Mateo",
    "Nora",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
]
LAST_NAMES = [
    "Adams",
    "Brook",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jones",
    "Khan",
    "Lopez",
    "Meyer",
    "Nguyen",
    "Okafor",
    "Patel",
    "Rossi",
    "Silva",
]
COMPANIES = [
    ("Northwind Labs", "northwind.example"),
    ("Bluefin Health", "bluefin.example"),
    ("Cobalt Freight", "cobalt.example"),
    ("Driftwood Games", "driftwood.example"),
    ("Evergreen Bank", "evergreen.example"),
    ("Foxglove AI", "foxglove.example"),
    ("Granite Insurance", "granite.example"),
    ("Harbor Logistics", "harbor.example"),
    ("Ironclad Security", "ironclad.example"),
    ("Juniper Retail", "juniper.example"),
    ("Kestrel Energy", "kestrel.example"),
    ("Lumen Analytics", "lumen.example"),
    ("Maple Education", "maple.example"),
    ("Nimbus Cloud", "nimbus.example"),
]
ROLES = ["Back-end", "Front-end", "Full-stack", "Mobile", "QA", "DevOps", "Data"]
NOTES = [
    "Call booked for Thursday.",
    "Needs engineers overlapping US Eastern hours.",
    "Asked for two CVs before the call.",
    "Budget confirmed by their CTO.",
    "Sent the rate card.",
    "Wants to start with one engineer, then scale.",
]
LOST_REASONS = [
    "Chose an agency closer to home.",
    "Budget frozen until next quarter.",
    "Hired in-house.",
]
STAFF = [
    ("admin@hiretechtalent.example", Role.ADMIN),
    ("sales1@hiretechtalent.example", Role.SALES),
    ("sales2@hiretechtalent.example", Role.SALES),
    ("finance@hiretechtalent.example", Role.FINANCE),
]
LEAD_COUNT = 120


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


@use_case
def seed(rng: random.Random | None = None) -> dict[str, str]:
    """Staff accounts (returns their passwords) and leads over the past twelve weeks, in one
    transaction: a failed seed leaves the database empty."""
    rng = rng or random.Random(7)
    passwords = {}
    for email, role in STAFF:
        passwords[email] = secrets.token_urlsafe(12)
        create_user(email, role.value, passwords[email])
    admin = db.session.scalar(sa.select(User).where(User.role == Role.ADMIN))
    sales = list(db.session.scalars(sa.select(User).where(User.role == Role.SALES)))
    now = utcnow()
    referrers = _seed_referrers(admin)
    for number in range(LEAD_COUNT):
        _seed_lead(rng, number, now, sales, admin)
    _seed_clients(rng, sales[0])
    _seed_referred_clients(referrers, sales[0], admin)
    db.session.execute(
        sa.update(OutboxMessage).values(
            status=OutboxStatus.CANCELLED, last_error="Demo data: not sent."
        )
    )
    return passwords


REFERRERS = [
    ("Rita", "Okafor", "rita@brightpartners.example", "Bright Partners", "partner", "approve"),
    ("Marco", "Bianchi", "marco@gmail.com", "Independent", "individual", "approve"),
    ("Sofia", "Lind", "sofia@lindconsulting.example", "Lind Consulting", "partner", None),
]


def _seed_referrers(admin: User) -> list:
    """Two active referrers with codes and one waiting for approval."""
    active = []
    for first, last, email, company, relationship, action in REFERRERS:
        referrer = sign_up(
            {
                "first_name": first,
                "last_name": last,
                "email": email,
                "company": company,
                "relationship": relationship,
                "payout_email": email,
            }
        ).referrer
        if action:
            active.append(decide(referrer.id, action, admin))
    return active


def _seed_clients(rng, actor: User) -> None:
    """A few open leads become clients: one starting next month, one inside its guarantee
    month, one past it."""
    today = business_today()
    starts = [today + timedelta(days=20), today - timedelta(days=10), today - timedelta(days=75)]
    candidates = db.session.scalars(
        sa.select(Lead).where(Lead.status == LeadStatus.PROPOSAL).order_by(Lead.id).limit(3)
    )
    for lead, start in zip(candidates, starts, strict=False):
        terms = ContractTerms(
            start_date=start,
            engineers=rng.choice([1, 2, 3]),
            monthly_rate_cents=rng.choice([750000, 850000, 920000]),
            currency=current_app.config["CURRENCY"],
        )
        convert_lead(lead.id, terms, actor)


REFERRED = [
    ("Quasar", "Robotics", "quasar.example", 95),
    ("Orbit", "Media", "orbit.example", 6),
    ("Tidal", "Payments", "tidal.example", None),
]


def _seed_referred_clients(referrers: list, sales_user: User, admin: User) -> None:
    """Referred companies at three points of the money story: a client past its guarantee
    with a paid invoice (approve and pay it out), a client inside its guarantee month with a
    paid invoice (pending commission; a claim is still possible), and an open referred lead
    to convert."""
    today = business_today()
    for number, (first, second, domain, started_days_ago) in enumerate(REFERRED):
        referrer = referrers[number % len(referrers)]
        lead = submit_lead(
            {
                "first_name": "Jordan",
                "last_name": second,
                "company": f"{first} {second}",
                "email": f"jordan@{domain}",
                "roles": ["Back-end"],
                "headcount": 2,
                "consent": True,
                "referral_code": referrer.code,
            },
            Arrival(source=LeadSource.FORM),
        ).lead
        update_lead(lead.id, sales_user, status="proposal")
        if started_days_ago is None:
            continue
        start = today - timedelta(days=started_days_ago)
        contract = convert_lead(lead.id, ContractTerms(start, 2, 900000, "USD"), sales_user)
        recorded = add_invoice(
            contract.id,
            InvoiceInput(
                number=f"DEMO-{number + 1:03d}",
                issue_date=start,
                period_start=start,
                period_end=start + timedelta(days=29),
                amount_cents=1_800_000,
                currency=current_app.config["CURRENCY"],
            ),
        )
        record_payment(recorded.invoice.id, 1_800_000, min(start + timedelta(days=10), today))


def _seed_lead(rng, number, now, sales, admin, code=None) -> None:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    company, domain = rng.choice(COMPANIES)
    source = rng.choices(
        list(LeadSource)[:2] + [LeadSource.OUTBOUND, LeadSource.EVENT], weights=[6, 2, 1, 1]
    )[0]
    data = {
        "first_name": first,
        "last_name": last,
        "company": company,
        "email": f"{first.lower()}.{last.lower()}{number}@{domain}",
        "roles": rng.sample(ROLES, rng.randint(1, 3)),
        "headcount": rng.choice([1, 1, 2, 3, 5, 8]),
        "consent": True,
        "message": rng.choice([None, "We need to scale our platform team this quarter."]),
        "start_timeline": rng.choice(["asap", "within_month", "one_to_three_months", None]),
        "referral_code": code,
    }
    utm = (
        {
            "utm_source": rng.choice(["google", "linkedin", "newsletter"]),
            "utm_campaign": "q4-hiring",
        }
        if rng.random() < 0.5
        else {}
    )
    lead = submit_lead(
        data,
        Arrival(
            source=source,
            utm=utm,
            actor=None if source in (LeadSource.FORM, LeadSource.API) else admin,
        ),
    ).lead
    actor = lead.owner or rng.choice(sales)
    target = rng.choices([*OPEN_STATUSES, LeadStatus.LOST], weights=[4, 3, 2, 1, 1])[0]
    if target == LeadStatus.LOST:
        update_lead(lead.id, actor, status="lost", lost_reason=rng.choice(LOST_REASONS))
    elif target != LeadStatus.NEW:
        update_lead(lead.id, actor, status=target.value)
    if rng.random() < 0.6:
        add_note(lead.id, rng.choice(NOTES), actor)
    db.session.flush()
    _backdate(lead.id, now - timedelta(days=rng.uniform(0, 84)), now, rng)


def _backdate(lead_id: int, created, now, rng) -> None:
    """Spread the lead's history forward in time from its creation, never past now."""
    db.session.execute(sa.update(Lead).where(Lead.id == lead_id).values(created_at=created))
    db.session.execute(
        sa.update(LeadSubmission)
        .where(LeadSubmission.lead_id == lead_id)
        .values(created_at=created)
    )
    moment = created
    events = db.session.scalars(
        sa.select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
    )
    for event in events:
        event.created_at = min(moment, now)
        moment += timedelta(hours=rng.uniform(1, 30))
