"""Evidence next to the timings: the SQL the app runs for each list page and for a hire-form
POST, how the database plans it, and how long it takes alone (in-process, no HTTP)."""

import re
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from bench.generate import bench_app
from bench.load import HIDDEN_FIELD
from core.extensions import db
from leads.queries import page_of_leads, parse_filters

TIMED_RUNS = 5
_FIRST_TABLE = re.compile(r"\bFROM\s+(\w+)")


@contextmanager
def statements(keep: Callable[[str], bool]) -> Iterator[list[tuple[str, object]]]:
    """The statements (with their driver parameters) the app sends meanwhile."""
    seen: list[tuple[str, object]] = []

    def catch(_conn, _cursor, statement, parameters, _context, _executemany):
        if keep(statement):
            seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", catch)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", catch)


def _plan(statement: str, parameters) -> list[str]:
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return [row[-1] for row in rows]
    rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
    return [row[0] for row in rows]


def _median_ms(work: Callable[[], object]) -> float:
    timings = []
    for _ in range(TIMED_RUNS):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return round(statistics.median(timings), 1)


def _evidence(statement: str, parameters, work: Callable[[], object]) -> dict:
    evidence = {
        "query_ms": _median_ms(work),
        "sql": statement,
        "parameters": repr(parameters),
        "plan": _plan(statement, parameters),
    }
    db.session.rollback()
    return evidence


def list_pages(pages: dict[str, str]) -> dict[str, dict]:
    """Per page: its list query, timed through page_of_leads (everything it asks)."""
    evidence = {}
    for name, path in pages.items():
        filters, _errors = parse_filters(MultiDict(parse_qsl(urlsplit(path).query)))
        with statements(lambda sql: "FROM leads" in sql and "ORDER BY" in sql) as seen:
            page_of_leads(filters)
        db.session.rollback()
        statement, parameters = seen[-1]
        evidence[name] = _evidence(statement, parameters, partial(page_of_leads, filters))
    return evidence


def hire_post_reads(app, form: dict) -> dict[str, dict]:
    """Every SELECT one hire-form POST runs (through the test client: the real view, CSRF
    included), each timed alone."""
    client = app.test_client()
    page = client.get("/hire").get_data(as_text=True)
    with statements(lambda sql: sql.lstrip().upper().startswith("SELECT")) as seen:
        answer = client.post("/hire", data={**form, **dict(HIDDEN_FIELD.findall(page))})
    if answer.status_code != 302:
        raise RuntimeError(f"in-process POST /hire answered {answer.status_code}")
    evidence = {}
    for number, (statement, parameters) in enumerate(seen, 1):
        table = _FIRST_TABLE.search(statement).group(1)
        run = partial(_fetch, statement, parameters)
        evidence[f"{number}. {table}"] = _evidence(statement, parameters, run)
    return evidence


def _fetch(statement: str, parameters) -> list:
    return db.session.connection().exec_driver_sql(statement, parameters).all()


def explain(url: str, instance: Path, pages: dict[str, str], form: dict) -> dict[str, dict]:
    app = bench_app(url, instance, FORM_MIN_SECONDS=0)
    with app.app_context():
        evidence = {"list pages": list_pages(pages), "hire POST reads": hire_post_reads(app, form)}
        db.session.remove()
        db.engine.dispose()
    return evidence
