"""`make bench` (third part): each Insights figure (SPEC §13, ≤ 500 ms at a million leads)
timed on the generated leads, after giving them what the figures read: status events on
every lead that left `new`, utm_source and attribution on a share of them, a contract per won
lead (a tenth claimed) and commission entries (a tenth of the leads, a third approved).
Those extra rows are written with INSERT … SELECT in the database itself. Each figure is
timed through `commissions.insight_queries.figure` (statements and the pure series, without
HTTP), for the default range (90 days; liability 12 months) and for a year."""

import argparse
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.generate import bench_app, generate
from bench.report import write_insight_rows
from bench.run import databases
from commissions.insight_queries import FIGURES, figure
from commissions.insight_series import default_range
from core.extensions import db
from core.today import business_today
from referrals.models import Referrer

TARGET_MS = 500
DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "performance.md"

EVENTS = [
    ("status IN ('contacted','qualified','proposal','lost','won')", "new", "contacted", 4),
    ("status IN ('qualified','proposal')", "contacted", "qualified", 30),
    ("status = 'proposal'", "qualified", "proposal", 70),
    ("status = 'lost'", "contacted", "lost", 50),
    ("status = 'won'", "proposal", "won", 200),
]
"""(which leads, from, to, hours after creation) — one status event each."""

SQL = {
    "sqlite": {
        "later": "datetime(created_at, '+' || ({hours} + id % 48) || ' hours')",
        "day": "date(created_at, '+{days} days')",
    },
    "postgresql": {
        "later": "created_at + ({hours} + id % 48) * interval '1 hour'",
        "day": "(created_at + interval '{days} days')::date",
    },
}


def _analyze(tables: list[str]) -> None:
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("SET statement_timeout = 0")
        for table in tables:
            connection.exec_driver_sql(f"ANALYZE {table}")


def enrich(app) -> dict[str, int]:
    """The rows the figures read besides the leads; answers how many of each."""
    with app.app_context():
        dialect = db.engine.dialect.name
        later, day = SQL[dialect]["later"], SQL[dialect]["day"]
        if dialect == "postgresql":
            _analyze(["leads"])  # else the foreign-key checks take the table for empty
            db.session.execute(sa.text("SET LOCAL statement_timeout = 0"))
        referrer = Referrer(
            status="approved",
            code="BENCH1",
            first_name="Rita",
            last_name="Bench",
            email="rita@bench.example",
            company="Bench Partners",
            relationship="partner",
            payout_email="pay@bench.example",
            terms_version="bench",
            terms_accepted_at=sa.func.now(),
        )
        db.session.add(referrer)
        db.session.flush()
        run = db.session.execute
        run(
            sa.text(
                "UPDATE leads SET utm_source = CASE id % 4 WHEN 0 THEN 'newsletter' "
                "WHEN 1 THEN 'linkedin' ELSE NULL END"
            )
        )
        run(
            sa.text(
                "UPDATE leads SET attribution_status = 'attributed', referrer_id = :r "
                "WHERE id % 10 = 0"
            ),
            {"r": referrer.id},
        )
        run(
            sa.text(
                "UPDATE leads SET attribution_status = 'refused', "
                "attribution_reason = 'self_referral' WHERE id % 10 = 1"
            )
        )
        for which, source, target, hours in EVENTS:
            detail = f"Status {source} → {target}."
            run(
                sa.text(
                    "INSERT INTO lead_events (lead_id, kind, detail, created_at) "
                    f"SELECT id, 'status', :detail, {later.format(hours=hours)} "
                    f"FROM leads WHERE {which}"
                ),
                {"detail": detail},
            )
        run(
            sa.text(
                "INSERT INTO clients (name, company_key, created_at) "
                "SELECT 'Bench client ' || id, 'bench-client-' || id, created_at "
                "FROM leads WHERE status = 'won'"
            )
        )
        starts, ends = (day.format(days=n).replace("created_at", "l.created_at") for n in (7, 38))
        run(
            sa.text(
                "INSERT INTO contracts (client_id, lead_id, status, start_date, "
                "guarantee_ends_on, engineers, monthly_rate_cents, currency, created_at) "
                f"SELECT c.id, l.id, 'active', {starts}, {ends}, 1, 1000000, 'USD', "
                "l.created_at FROM leads l "
                "JOIN clients c ON c.company_key = 'bench-client-' || l.id"
            )
        )
        run(
            sa.text(
                "INSERT INTO guarantee_claims (contract_id, client_id, status, claimed_on, "
                "reason, channel, created_at) SELECT id, client_id, 'accepted', start_date, "
                "'bench', 'email', created_at FROM contracts WHERE id % 10 = 0"
            )
        )
        run(
            sa.text(
                "INSERT INTO commission_entries (referrer_id, kind, for_bonus, amount_cents, "
                "state, approved_at, created_at) "
                f"SELECT :r, 'accrual', false, 1000 + id % 500, "
                "CASE WHEN id % 3 = 0 THEN 'approved' ELSE 'pending' END, "
                f"CASE WHEN id % 3 = 0 THEN {later.format(hours=24 * 20)} END, created_at "
                "FROM leads WHERE id % 10 = 0"
            ),
            {"r": referrer.id},
        )
        db.session.commit()
        counts = {
            table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            for table in ("leads", "lead_events", "contracts", "commission_entries")
        }
        if dialect == "postgresql":
            db.session.commit()
            _analyze(["leads", "lead_events", "contracts", "commission_entries"])
        else:
            run(sa.text("ANALYZE"))
            db.session.commit()
        db.session.remove()
    return counts


def time_figures(app, repeat: int) -> list[dict]:
    rows = []
    with app.app_context():
        today = business_today()
        for span in ("default", "a year"):
            for name in FIGURES:
                if span == "default":
                    date_from, date_to = default_range(today, name)
                else:
                    date_from, date_to = today - timedelta(days=364), today
                timings = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    figure(name, date_from, date_to, today)
                    timings.append((time.perf_counter() - started) * 1000)
                    db.session.rollback()
                rows.append(
                    {
                        "figure": name,
                        "range": f"{span} ({(date_to - date_from).days + 1} days)",
                        "median_ms": round(statistics.median(timings), 1),
                        "max_ms": round(max(timings), 1),
                    }
                )
        db.session.remove()
        db.engine.dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.insights", description=__doc__)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-doc", action="store_true", help="leave docs/performance.md alone")
    args = parser.parse_args(argv)
    os.environ.setdefault("RATELIMIT_STORAGE_URI", "memory://")  # no server here
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: drop the databases
    database = "postgresql" if args.database_url else "sqlite"
    workdir = Path(tempfile.mkdtemp(prefix="htt-bench-insights-"))
    try:
        with databases(workdir, args.database_url) as (app_url, _bare_url):
            print(f"Generating {args.leads:,} leads ({database}) …", flush=True)
            generate(app_url, workdir, args.leads)
            app = bench_app(app_url, workdir)
            started = time.perf_counter()
            counts = enrich(app)
            print(f"  events, contracts, ledger: {time.perf_counter() - started:.0f} s {counts}")
            rows = time_figures(bench_app(app_url, workdir), args.repeat)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n| figure | range | median ms | max ms | ≤ {TARGET_MS} ms |")
    for row in rows:
        ok = "yes" if row["max_ms"] <= TARGET_MS else "no"
        print(f"| {row['figure']} | {row['range']} | {row['median_ms']} | {row['max_ms']} | {ok} |")
    if not args.no_doc:
        measured = f"{date.today().isoformat()}, {platform.machine()}"
        write_insight_rows(DOC_PATH, database, args.leads, counts, rows, measured, TARGET_MS)
        print("Updated docs/performance.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
