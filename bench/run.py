"""`make bench`: generate the data, serve the app and the bare endpoint with gunicorn, measure,
report. Everything it starts or creates (processes, files, databases) goes away at the end,
whatever happens."""

import argparse
import os
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import sqlalchemy as sa

from bench import bare_app, plans, report
from bench.generate import bench_app, generate
from bench.scenarios import HireForm, lead_lists, list_pages, post_paths
from bench.servers import PROJECT_ROOT, Gunicorn
from core.db import database_url
from core.extensions import db
from leads.models import Lead, QuarantinedSubmission

COMMON_PREFIX = "jo"
TWO_WORDS = "john sm"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="a PostgreSQL server (postgresql://user@host/any-db) to create fresh databases "
        "on and drop after; default: SQLite files in a temporary folder",
    )
    parser.add_argument("--rate", type=float, default=50, help="steady POST rate, req/s")
    parser.add_argument("--seconds", type=float, default=25, help="length of the steady runs")
    parser.add_argument("--max-seconds", type=float, default=10, help="length of flat-out runs")
    parser.add_argument("--max-clients", type=int, default=16, help="clients in flat-out runs")
    parser.add_argument("--workers", type=int, default=2 * len(os.sched_getaffinity(0)))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--list-requests", type=int, default=60, help="requests per list page")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/performance.md alone")
    return parser.parse_args(argv)


@contextmanager
def databases(workdir: Path, server_url: str | None) -> Iterator[tuple[str, str]]:
    """(app URL, bare URL): SQLite files in `workdir`, or fresh PostgreSQL databases that are
    dropped at the end."""
    if not server_url:
        yield f"sqlite:///{workdir}/leads.db", f"sqlite:///{workdir}/bare.db"
        return
    admin_url = sa.make_url(database_url(server_url, "")).set(database="postgres")
    names = [f"htt_bench_{secrets.token_hex(4)}_{role}" for role in ("app", "bare")]
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        app_url, bare_url = (
            admin_url.set(database=name).render_as_string(hide_password=False) for name in names
        )
        yield app_url, bare_url
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def count_bench_leads(url: str, workdir: Path, tag: str) -> tuple[int, int]:
    """(leads the bench's POSTs created, submissions quarantined): every POST must be a lead."""
    app = bench_app(url, workdir)
    with app.app_context():
        created = db.session.scalar(
            sa.select(sa.func.count()).where(Lead.email.like(f"bench-{tag}-%"))
        )
        quarantined = db.session.scalar(sa.select(sa.func.count(QuarantinedSubmission.id)))
        db.session.remove()
        db.engine.dispose()
    return created, quarantined


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so the servers and files are cleaned up."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _stop_on_sigterm()
    settings = {
        "database": "postgresql" if args.database_url else "sqlite",
        "leads": args.leads,
        "workers": args.workers,
        "threads": args.threads,
        "rate": args.rate,
        "seconds": args.seconds,
        "max_seconds": args.max_seconds,
        "max_clients": args.max_clients,
        "list_requests": args.list_requests,
    }
    results: dict = {"machine": report.machine(), "settings": settings}
    tag = secrets.token_hex(3)
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="htt-bench-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        app_url, bare_url = stack.enter_context(databases(workdir, args.database_url))
        print(f"Generating {args.leads:,} leads ({settings['database']}) …", flush=True)
        dataset = generate(app_url, workdir, args.leads)
        results["generation_seconds"] = round(dataset.seconds, 1)
        print(f"  done in {dataset.seconds:.0f} s", flush=True)
        bare_app.create_schema(bare_url)
        server_env = {
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": app_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "PUBLIC_RATE_LIMIT": "1000000/minute",
            "LOGIN_RATE_LIMIT": "1000000/minute",
            "FORM_MIN_SECONDS": "0",
        }
        sizing = {"workers": args.workers, "threads": args.threads}
        app_server = stack.enter_context(
            Gunicorn("wsgi:app", server_env, log=workdir / "app.log", **sizing)
        )
        bare_server = stack.enter_context(
            Gunicorn(
                "bench.bare_app:create_app()",
                {"BARE_DATABASE_URL": bare_url},
                log=workdir / "bare.log",
                **sizing,
            )
        )
        pages = list_pages(dataset, COMMON_PREFIX, TWO_WORDS)
        print("Lead list pages …", flush=True)
        lists = lead_lists(app_server.port, dataset, pages, args.list_requests)
        print("Hire form and bare POSTs …", flush=True)
        hire = HireForm(dataset, tag)
        posts = post_paths(
            app_server.port,
            bare_server.port,
            hire,
            rate=args.rate,
            seconds=args.seconds,
            clients=args.max_clients,
            max_seconds=args.max_seconds,
        )
        app_server.stop()
        bare_server.stop()
        created, quarantined = count_bench_leads(app_url, workdir, tag)
        print("Query plans …", flush=True)
        plan_form = HireForm(dataset, "plan").form(1)
        results["plans"] = plans.explain(app_url, workdir, pages, plan_form)
    results["posts"] = {name: result.summary() for name, result in posts.items()}
    results["lists"] = {name: result.summary() for name, result in lists.items()}
    results["throughput_share"] = round(
        posts["hire_max"].throughput / posts["bare_max"].throughput, 3
    )
    results["checks"] = {
        "hire_posts_answered_302": hire.accepted,
        "bench_leads_created": created,
        "quarantined": quarantined,
    }
    results["targets"] = report.targets(results)
    print()
    print(report.table(results))
    json_path = report.write_json(results, PROJECT_ROOT / "bench" / "results")
    print(f"\nRaw results: {json_path}")
    if not args.no_doc:
        report.write_doc(results, PROJECT_ROOT / "docs" / "performance.md")
        print("Updated docs/performance.md")
    # Errors under load are results (they fail their targets); these mean the bench did not
    # measure what it says: a thank-you page without a lead, or a list page without rows.
    if created < hire.accepted or quarantined or any(r.errors for r in lists.values()):
        print("INVALID RUN: see the list errors and the checks in the JSON.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
