"""A million realistic leads in about a minute: the migrated schema (`flask db upgrade`, never
create_all), sales users through the real service, then rows in bulk through SQLAlchemy Core
executemany, since the ORM would take an hour. A second process makes the rows while this
one writes them."""

import multiprocessing
import random
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from application.factory import create_app
from auth.services import create_user
from core.company import company_key, free_mail_domains
from core.db import utcnow
from core.extensions import db
from core.pagination import Cursor
from leads.models import Lead, LeadSearchTerm, LeadSubmission
from leads.rules import LeadSource, LeadStatus, StartTimeline, search_terms

CHUNK = 20_000
CHUNKS_AHEAD = 3
DEEP_PAGE_DEPTH = 500_000
SALES_USERS = 6
SPREAD_DAYS = 730
RECENT_DAYS = 30
FREE_MAIL_SHARE = 0.15

FIRST_NAMES = (
    "Aaron Abigail Adam Aisha Alan Alejandro Alex Alice Amara Amir Ana Andrea Andrew Angela "
    "Anna Anthony Arjun Ashley Ben Benjamin Brandon Brian Camila Carlos Carmen Catherine "
    "Charles Chen Chloé Christopher Claire Daniel David Deborah Diego Dmitri Elena Elif Emily "
    "Emma Eric Ethan Fatima Felipe Femi Fernando Gabriel Grace Hannah Hiro Ian Ines Isabel "
    "Jack Jacob James Jane Jason Javier Jennifer Jessica Joan Joanna John Jonathan Jordan "
    "Jorge José Joseph Joshua Joy Juan Julia Justin Kai Karen Kevin Kim Laura Lena Leo Liam "
    "Linda Lucas Lucía María Mark Mateo Matthew Mei Michael Michelle Mohammed Nadia Natalie "
    "Nicole Noah Nora Oliver Olivia Omar Patrick Paul Priya Quinn Rachel Rafael Rahul Rebecca "
    "Ricardo Robert Rosa Ryan Samuel Sarah Sebastián Sofia Sophie Stephen Steven Tariq Thomas "
    "Timothy Valentina Victoria William Yuki Zoe"
).split()
LAST_NAMES = (
    "Adams Ahmed Ali Allen Anderson Baker Bauer Brown Campbell Carter Chen Clark Collins Cruz "
    "Davis Diaz Dubois Evans Fischer Flores Garcia Gómez González Green Hall Harris Hernández "
    "Hill Hughes Ito Jackson Jansen Johnson Jones Kaur Khan Kim King Kowalski Lee Lewis Li "
    "Lopez Martin Martínez Meyer Miller Mitchell Moore Morales Müller Murphy Nelson Nguyen "
    "Novak O'Brien Okafor Ortiz Park Patel Perez Phillips Ramírez Reyes Roberts Robinson "
    "Rodríguez Rossi Sánchez Schmidt Scott Silva Singh Smith Stewart Suzuki Tanaka Taylor "
    "Thomas Thompson Torres Turner Walker Wang Weber White Williams Wilson Wright Yamamoto "
    "Young Zhang"
).split()
COMPANY_WORDS = (
    "Acme Alpine Amber Apex Arrow Atlas Aurora Beacon Birch Blue Bold Bright Cedar Cloud "
    "Cobalt Comet Coral Crest Delta Echo Ember Falcon Fern Forge Fox Granite Harbor Hawk "
    "Helix Horizon Iris Iron Jade Juniper Keystone Kite Lark Lime Lotus Lumen Maple Meadow "
    "Mesa Nimbus North Nova Oak Onyx Orbit Pine Pixel Polar Prism Quartz Quill Raven Ridge "
    "River Rocket Sage Sierra Silver Slate Solar Spark Spruce Summit Swift Terra Tide Titan "
    "Vector Willow Zenith"
).split()
COMPANY_KINDS = (
    "Labs Systems Software Health Analytics Robotics Logistics Bank Media Games Energy "
    "Security Retail Insurance Cloud Data"
).split()
LEGAL_ENDINGS = ["", "", "", " Inc.", " LLC", " Ltd", " GmbH"]
TOP_LEVEL_DOMAINS = ["com", "com", "com", "io", "dev", "co", "ai", "tech"]
FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "proton.me"]
SENIORITIES = [None, "senior", "lead", "mid", "principal"]
TECH_STACKS = [None, "Python, Django, PostgreSQL", "React, TypeScript", "Go, Kubernetes", "Java"]
LOST_REASONS = ["Went with another vendor.", "Budget frozen.", "No reply after 3 follow-ups."]
ROLES = ["Back-end", "Front-end", "Full-stack", "Mobile", "QA", "DevOps", "Data"]
SOURCES = list(LeadSource)
SOURCE_TOTALS = list(accumulate([55, 10, 10, 10, 5, 4, 4, 2]))
STATUSES = list(LeadStatus)
RECENT_STATUS_TOTALS = list(accumulate([40, 30, 15, 10, 2, 3]))
OLDER_STATUS_TOTALS = list(accumulate([3, 7, 6, 4, 20, 60]))
TIMELINES = [None, *StartTimeline]
LEAD_KEYS = (
    "id status source first_name last_name company company_key email roles headcount "
    "consent_version consented_at phone job_title seniority tech_stack start_timeline "
    "marketing_opt_in client_address owner_id possible_duplicate_of submissions_count "
    "lost_reason created_at updated_at"
).split()
SUBMISSION_KEYS = ["lead_id", "source", "payload", "created_at"]
_NOT_EMAIL = re.compile(r"[^a-z0-9]")


@dataclass
class Dataset:
    """What the load phase needs to know about the generated database."""

    sales_emails: list[str]
    password: str
    company_domains: list[str]
    deep_depth: int
    deep_cursor: str
    seconds: float


@dataclass
class Plan:
    """Everything a generator process needs to make chunk k on its own, deterministically."""

    count: int
    seed: int
    owner_ids: list[int]
    companies: list[tuple[str, str]]
    newest: datetime
    dialect: sa.Dialect


class BulkInsert:
    """Core's executemany of a table's INSERT; on SQLite with the per-row work (the columns'
    own bind processors and Python-side defaults, as Core applies them) done by `rows` in the
    generator process, so the writer only hands tuples to the driver."""

    def __init__(self, table: sa.Table, keys: list[str], dialect: sa.Dialect):
        self.table = table
        self.direct = dialect.name == "sqlite"
        self.defaults = _python_defaults(table, keys)
        compiled = table.insert().compile(dialect=dialect, column_keys=[*keys, *self.defaults])
        self.sql = str(compiled)
        order = compiled.positiontup if self.direct else []
        self.processors = [(key, table.c[key].type.bind_processor(dialect)) for key in order]

    def rows(self, dicts: list[dict]) -> list:
        if not self.direct:
            return dicts
        processors = self.processors
        for row in dicts:
            row.update(self.defaults)
        return [
            tuple(process(row[key]) if process else row[key] for key, process in processors)
            for row in dicts
        ]

    def execute(self, connection: sa.Connection, rows: list) -> None:
        if self.direct:
            connection.exec_driver_sql(self.sql, rows)
        else:
            connection.execute(self.table.insert(), rows)


def bulk_inserts(dialect: sa.Dialect) -> list[BulkInsert]:
    """Leads, their search terms and their first submissions, in the order `lead_chunk` makes
    their rows."""
    return [
        BulkInsert(Lead.__table__, LEAD_KEYS, dialect),
        BulkInsert(LeadSearchTerm.__table__, ["lead_id", "term"], dialect),
        BulkInsert(LeadSubmission.__table__, SUBMISSION_KEYS, dialect),
    ]


def _python_defaults(table: sa.Table, keys: list[str]) -> dict:
    """What Core would fill in for the columns the generator leaves out."""
    defaults = {}
    for column in table.columns:
        default = column.default
        if column.key in keys or default is None:
            continue
        if default.is_scalar:
            defaults[column.key] = default.arg
        elif default.is_callable:
            defaults[column.key] = default.arg(None)
    return defaults


def bench_app(url: str, instance: Path, **settings) -> Flask:
    config = {"SECRET_KEY": secrets.token_hex(16), "DATABASE_URL": url, **settings}
    return create_app(config, str(instance))


def _ascii_word(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return _NOT_EMAIL.sub("", decomposed.encode("ascii", "ignore").decode())


def companies(rng: random.Random) -> list[tuple[str, str]]:
    """About 110,000 (name, domain) pairs, each domain unique."""
    pairs = []
    for first in COMPANY_WORDS:
        for second in COMPANY_WORDS:
            if first == second:
                continue
            for kind in COMPANY_KINDS:
                name = f"{first} {second} {kind}{rng.choice(LEGAL_ENDINGS)}"
                slug = _ascii_word(first + second + kind)
                pairs.append((name, f"{slug}.{rng.choice(TOP_LEVEL_DOMAINS)}"))
    return pairs


class _Worker:
    """The generator process's state: its plan, the compiled inserts, and the newest lead of
    each company so far (chunks run in order in the one process)."""

    plan: Plan
    inserts: list[BulkInsert]
    latest_of_company: dict[str, int]


def _start_worker(plan: Plan) -> None:
    _Worker.plan = plan
    _Worker.inserts = bulk_inserts(plan.dialect)
    _Worker.latest_of_company = {}


def _timestamps(rng: random.Random, plan: Plan, first_id: int, size: int) -> list[datetime]:
    """This chunk's slice of two years, oldest first, so ids grow with time as in life."""
    span = SPREAD_DAYS * 86400
    slice_start = span * (first_id - 1) / plan.count
    slice_length = span * size / plan.count
    offsets = sorted(slice_start + rng.random() * slice_length for _ in range(size))
    oldest = plan.newest - timedelta(seconds=span)
    return [oldest + timedelta(seconds=offset) for offset in offsets]


def lead_chunk(chunk: int) -> list[list]:
    """Driver-ready rows of leads (explicit ids), search terms and first submissions."""
    plan, latest_of_company = _Worker.plan, _Worker.latest_of_company
    rng = random.Random(plan.seed * 1_000_003 + chunk)
    free_domains = free_mail_domains()
    recent_from = plan.newest - timedelta(days=RECENT_DAYS)
    first_id = chunk * CHUNK + 1
    size = min(CHUNK, plan.count - chunk * CHUNK)
    local_parts = {name: _ascii_word(name) for name in FIRST_NAMES + LAST_NAMES}
    leads, terms, submissions = [], [], []
    for lead_id, created_at in enumerate(_timestamps(rng, plan, first_id, size), first_id):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company, domain = rng.choice(plan.companies)
        if rng.random() < FREE_MAIL_SHARE:
            domain = rng.choice(FREE_MAIL)
        email = f"{local_parts[first]}.{local_parts[last]}{lead_id}@{domain}"
        source = rng.choices(SOURCES, cum_weights=SOURCE_TOTALS)[0]
        totals = RECENT_STATUS_TOTALS if created_at > recent_from else OLDER_STATUS_TOTALS
        status = rng.choices(STATUSES, cum_weights=totals)[0]
        public = source in (LeadSource.FORM, LeadSource.API)
        key = company_key(email, company, free_domains)
        leads.append(
            {
                "id": lead_id,
                "status": status,
                "source": source,
                "first_name": first,
                "last_name": last,
                "company": company,
                "company_key": key,
                "email": email,
                "roles": rng.sample(ROLES, rng.randint(1, 3)) if public else [],
                "headcount": rng.randint(1, 25) if public else None,
                "consent_version": "2026-01" if public else None,
                "consented_at": created_at if public else None,
                "phone": f"+1415555{rng.randint(0, 9999):04d}" if rng.random() < 0.4 else None,
                "job_title": rng.choice([None, "CTO", "VP Engineering", "Head of Talent"]),
                "seniority": rng.choice(SENIORITIES),
                "tech_stack": rng.choice(TECH_STACKS),
                "start_timeline": rng.choice(TIMELINES) if public else None,
                "marketing_opt_in": public and rng.random() < 0.3,
                "client_address": f"203.0.113.{rng.randint(1, 254)}" if public else None,
                "owner_id": rng.choice(plan.owner_ids) if rng.random() < 0.95 else None,
                "possible_duplicate_of": latest_of_company.get(key),
                "submissions_count": 1,
                "lost_reason": rng.choice(LOST_REASONS) if status == LeadStatus.LOST else None,
                "created_at": created_at,
                "updated_at": created_at,
            }
        )
        latest_of_company[key] = lead_id
        terms.extend(
            {"lead_id": lead_id, "term": term} for term in search_terms(first, last, company, email)
        )
        submissions.append(
            {
                "lead_id": lead_id,
                "source": source,
                "payload": {"first_name": first, "last_name": last, "email": email},
                "created_at": created_at,
            }
        )
    made = (leads, terms, submissions)
    return [insert.rows(rows) for insert, rows in zip(_Worker.inserts, made, strict=True)]


def _chunks(plan: Plan):
    """Chunks in order from one generator process, a few ahead of the writer."""
    total = -(-plan.count // CHUNK)
    context = multiprocessing.get_context("fork")
    with context.Pool(1, initializer=_start_worker, initargs=(plan,)) as pool:
        pending = [pool.apply_async(lead_chunk, (n,)) for n in range(min(CHUNKS_AHEAD, total))]
        for n in range(total):
            rows = pending.pop(0).get()
            if n + CHUNKS_AHEAD < total:
                pending.append(pool.apply_async(lead_chunk, (n + CHUNKS_AHEAD,)))
            yield rows


def _tune_for_bulk_load(connection: sa.Connection) -> None:
    """A throwaway database: trade durability for speed while loading (no journal at all;
    `_finish_bulk_load` puts WAL back before anything else opens the file)."""
    raw = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-2000000"):
            raw.execute(f"PRAGMA {pragma}")
    else:
        raw.execute("SET synchronous_commit = off")


def _finish_bulk_load(connection: sa.Connection) -> None:
    """WAL back on SQLite; on PostgreSQL the id sequence moved past the explicit ids."""
    if connection.dialect.name == "sqlite":
        connection.connection.driver_connection.execute("PRAGMA journal_mode=WAL")
    else:
        with connection.begin():
            connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('leads', 'id'), max(id)) FROM leads"
            )


def load(plan: Plan) -> None:
    """Write the chunks as they come, one transaction each."""
    inserts = bulk_inserts(plan.dialect)
    with db.engine.connect() as connection:
        _tune_for_bulk_load(connection)
        for chunk in _chunks(plan):
            with connection.begin():
                for insert, rows in zip(inserts, chunk, strict=True):
                    insert.execute(connection, rows)
        _finish_bulk_load(connection)


def deep_cursor(depth: int) -> str:
    """The cursor after the `depth`-th newest lead, as the list's own "next" link would carry."""
    row = db.session.execute(
        sa.select(Lead.created_at, Lead.id)
        .order_by(Lead.created_at.desc(), Lead.id.desc())
        .offset(depth - 1)
        .limit(1)
    ).one()
    return Cursor(row.created_at, row.id).encode()


def generate(url: str, instance: Path, count: int, seed: int = 2026) -> Dataset:
    started = time.perf_counter()
    rng = random.Random(seed)
    password = secrets.token_urlsafe(12)
    sales = [f"sales{n}@hiretechtalent.example" for n in range(1, SALES_USERS + 1)]
    app = bench_app(url, instance)
    with app.app_context():
        upgrade()
        owner_ids = [create_user(email, "sales", password).id for email in sales]
        db.session.remove()
        newest = utcnow() - timedelta(hours=1)
        plan = Plan(count, seed, owner_ids, companies(rng), newest, db.engine.dialect)
        load(plan)
        depth = min(DEEP_PAGE_DEPTH, count // 2)
        cursor = deep_cursor(depth)
        db.session.remove()
        db.engine.dispose()
    return Dataset(
        sales_emails=sales,
        password=password,
        company_domains=[domain for _name, domain in plan.companies],
        deep_depth=depth,
        deep_cursor=cursor,
        seconds=time.perf_counter() - started,
    )
