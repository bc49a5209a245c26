"""`make bench` (second part): `flask import leads` of a 100,000-row file into a freshly
migrated database, timed for the first run (everything created) and the second (everything
unchanged). SPEC §16's target: 100,000 rows in at most 60 s on SQLite."""

import argparse
import csv
import io
import random
import secrets
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from bench.generate import FIRST_NAMES, LAST_NAMES, bench_app, companies
from bench.report import write_import_row
from core.extensions import db
from imports.leads_import import import_leads
from leads.models import Lead

TARGET_SECONDS = 60
DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
STATUSES = ["new", "new", "contacted", "qualified", "proposal", "lost"]


def leads_file(rows: int, seed: int = 7) -> str:
    """A leads CSV with every column, `rows` distinct people at distinct companies."""
    rng = random.Random(seed)
    pairs = companies(rng)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["first_name", "last_name", "email", "company", "phone", "source", "status"]
        + ["lost_reason", "created_at", "utm_source", "message"]
    )
    start = date(2025, 1, 1)
    for number in range(rows):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company, domain = pairs[number % len(pairs)]
        status = rng.choice(STATUSES)
        writer.writerow(
            [
                first,
                last,
                f"{first.lower()}.{number}@{domain}",
                company,
                f"+1 212 555 {number % 10_000:04d}",
                rng.choice(["outbound", "event", "phone", "partner", "other"]),
                status,
                "Budget frozen." if status == "lost" else "",
                (start + timedelta(days=number % 700)).isoformat(),
                rng.choice(["", "linkedin", "newsletter"]),
                "Imported from the old CRM.",
            ]
        )
    return out.getvalue()


def measure(url: str, rows: int) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        app = bench_app(
            url or f"sqlite:///{workdir}/import.db",
            Path(workdir),
            RATELIMIT_STORAGE_URI="memory://",
        )
        text = leads_file(rows)
        with app.app_context():
            upgrade()
            timings = []
            for _ in range(2):
                began = time.perf_counter()
                report = import_leads(text, "bench.csv", None)
                timings.append((time.perf_counter() - began, report))
            count = db.session.scalar(sa.select(sa.func.count()).select_from(Lead))
            dialect = db.engine.dialect.name
            db.session.remove()
            db.engine.dispose()
    (first, created), (second, again) = timings
    assert (created.created, again.unchanged, count) == (rows, rows, rows), (created, again)
    return {"rows": rows, "database": dialect, "first_s": first, "second_s": second}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/performance.md alone")
    args = parser.parse_args(argv)
    url = args.database_url
    if url:
        name = f"htt_bench_import_{secrets.token_hex(4)}"
        admin = sa.create_engine(
            sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    try:
        result = measure(url, args.rows)
    finally:
        if args.database_url:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    verdict = "ok" if result["first_s"] <= TARGET_SECONDS else "OVER TARGET"
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["database"]]
    if not args.no_doc:
        write_import_row(
            DOC_PATH,
            name,
            f"| {name} | {result['rows']:,} | {result['first_s']:.1f} s | "
            f"{result['second_s']:.1f} s | {date.today().isoformat()} |",
        )
    print(
        f"import leads, {result['rows']:,} rows on {result['database']}: "
        f"first run (all created) {result['first_s']:.1f} s, "
        f"second run (all unchanged) {result['second_s']:.1f} s "
        f"(target ≤ {TARGET_SECONDS} s: {verdict})"
    )


if __name__ == "__main__":
    main()
