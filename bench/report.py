"""The results as a console table, raw JSON in bench/results/ and docs/performance.md."""

import json
import os
import platform
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

POST_TARGET_P99_MS = 100
THROUGHPUT_TARGET_SHARE = 0.5
LIST_TARGET_P95_MS = 50
SEARCH_TARGET_P95_MS = 200


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _ram_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024**2, 1)
    return 0.0


def machine() -> dict:
    """What the numbers were measured on; the load average shows a busy machine."""
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "ram_gb": _ram_gb(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
    }


def post_names(settings: dict) -> dict[str, str]:
    rate, clients = settings["rate"], settings["max_clients"]
    return {
        "hire_steady": f"POST /hire at {rate:g} req/s",
        "bare_steady": f"bare POST at {rate:g} req/s",
        "hire_max": f"POST /hire, {clients} clients flat out",
        "bare_max": f"bare POST, {clients} clients flat out",
    }


def targets(results: dict) -> list[dict]:
    """Each target with what was measured; a run with failed requests meets none of its own."""
    posts, lists = results["posts"], results["lists"]
    steady = posts["hire_steady"]
    share = results["throughput_share"]
    checks = [
        (
            f"POST /hire p99 at {results['settings']['rate']:g} req/s",
            f"≤ {POST_TARGET_P99_MS} ms",
            f"{steady['p99_ms']:g} ms",
            steady["p99_ms"] <= POST_TARGET_P99_MS and not steady["errors"],
        ),
        (
            "POST /hire throughput vs bare",
            f"≥ {THROUGHPUT_TARGET_SHARE:.0%}",
            f"{share:.1%}",
            share >= THROUGHPUT_TARGET_SHARE and not posts["hire_max"]["errors"],
        ),
    ]
    for name, summary in lists.items():
        limit = SEARCH_TARGET_P95_MS if name.startswith("search") else LIST_TARGET_P95_MS
        met = summary["p95_ms"] <= limit and not summary["errors"]
        checks.append((f"list {name} p95", f"≤ {limit} ms", f"{summary['p95_ms']:g} ms", met))
    return [
        {"target": name, "limit": limit, "measured": measured, "met": met}
        for name, limit, measured, met in checks
    ]


def _rows(results: dict) -> list[tuple[str, dict]]:
    names = post_names(results["settings"])
    rows = [(names[key], summary) for key, summary in results["posts"].items()]
    rows += [
        (f"GET /dashboard/leads {name}", summary) for name, summary in results["lists"].items()
    ]
    return rows


def _errors(summary: dict) -> str:
    return ", ".join(f"{count} × {kind}" for kind, count in summary["errors"].items()) or "0"


def table(results: dict) -> str:
    settings = results["settings"]
    lines = [
        f"{settings['leads']:,} leads on {settings['database']} (generated in "
        f"{results['generation_seconds']:.0f} s); gunicorn {settings['workers']} workers × "
        f"{settings['threads']} threads",
        "",
        f"{'scenario':<48} {'ok':>6} {'errors':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'req/s':>8}",
    ]
    failures = []
    for name, s in _rows(results):
        lines.append(
            f"{name:<48} {s['ok']:>6} {sum(s['errors'].values()):>8} {s['p50_ms']:>8} "
            f"{s['p95_ms']:>8} {s['p99_ms']:>8} {s['throughput_rps']:>8}"
        )
        if s["errors"]:
            failures.append(f"  {name}: {_errors(s)}")
    if failures:
        lines += ["", "Errors:", *failures]
    lines += ["", "Targets:"]
    for t in results["targets"]:
        mark = "met   " if t["met"] else "MISSED"
        lines.append(f"  {mark} {t['target']:<44} {t['limit']:<10} measured {t['measured']}")
    return "\n".join(lines)


def write_json(results: dict, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = results["machine"]["date"].replace(":", "").replace("+0000", "Z")
    path = folder / f"bench-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return path


def _markdown_results(results: dict) -> str:
    lines = [
        "| scenario | ok | errors | p50 ms | p95 ms | p99 ms | req/s |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for name, s in _rows(results):
        lines.append(
            f"| {name} | {s['ok']} | {_errors(s)} | {s['p50_ms']} | {s['p95_ms']} | "
            f"{s['p99_ms']} | {s['throughput_rps']} |"
        )
    return "\n".join(lines)


def _markdown_targets(results: dict) -> str:
    lines = ["| target | limit | measured | |", "|---|---|--:|---|"]
    for t in results["targets"]:
        lines.append(
            f"| {t['target']} | {t['limit']} | {t['measured']} | "
            f"{'met' if t['met'] else '**missed**'} |"
        )
    return "\n".join(lines)


def _markdown_queries(evidence: dict[str, dict], what: str) -> str:
    lines = [f"| {what} | alone, median ms | plan |", "|---|--:|---|"]
    for name, found in evidence.items():
        plan = "<br>".join(step.replace("|", "\\|") for step in found["plan"])
        lines.append(f"| {name} | {found['query_ms']} | `{plan}` |")
    return "\n".join(lines)


DOC = """# Performance

`make bench` checks that the hire form and the staff lead list stay fast with a million leads.
It needs nothing but the repository (a fresh clone is fine: the target installs first) and
takes about five minutes. It prints a table, writes the raw numbers as JSON to
`bench/results/` (not committed) and rewrites this page with them.

## What is measured

1. **Data.** A temporary SQLite file, migrated with `flask db upgrade`, gets {leads:,} leads
   in bulk (executemany of the INSERTs SQLAlchemy compiles from the models' tables, rows made
   by a second process while the first writes): sales owners
   created through `auth.services.create_user`, creation times over two years, realistic
   statuses and sources, the company key and search terms computed by the app's own
   `company_key` and `search_terms`, one submission per lead.
2. **Hire form POST.** The app runs under gunicorn on loopback ({workers} workers ×
   {threads} threads, `gthread`), CSRF on, the rate limit raised out of the way and
   `FORM_MIN_SECONDS=0`. Each client GETs `/hire` once (session cookie, CSRF token, signed
   render stamp, all valid for the session) and then POSTs complete forms with unique
   emails; every POST must answer 302, and after the run the bench checks that each one
   became a lead and none was quarantined. First at a steady {rate:g} requests/s for
   {seconds:g} s, open loop (requests start on schedule whatever the server does; latency
   counts from the scheduled start), then {clients} clients flat out for {max_seconds:g} s.
3. **Bare endpoint.** `bench/bare_app.py`: a minimal Flask + Flask-SQLAlchemy app whose POST
   inserts one row into a small table of its own SQLite file (same WAL settings), served by
   gunicorn with the same settings and measured the same way. "Throughput vs bare" is the
   hire form's flat-out rate over the bare one's.
4. **Lead list.** A sales user logs in (POST `/login` with its CSRF token) and requests, one
   at a time, {list_requests} times each after a short warm-up: the first page, a page
   500,000 rows deep (through the cursor of the 500,000th newest lead, as a "next" link
   carries it), `status=qualified`, a search for a common first-name prefix and a two-word
   search. Each page must show rows. The query of each page is also timed alone in-process
   and its plan recorded.
5. **Lead import** (`bench/imports.py`, run after the rest by `make bench`). A 100,000-row
   leads file with every column (distinct people at distinct companies, statuses and dates
   over two years) is imported into a freshly migrated database through
   `imports.leads_import`, the code `flask import leads` runs, twice: the first run creates
   every lead, the second finds every row unchanged. `python -m bench.imports
   --database-url postgresql+psycopg://…` runs it on a fresh PostgreSQL database (dropped
   after); each run rewrites its own row of the table below.

The load generator is the standard library (`http.client`, threads) on the same machine, so
it competes with the servers for the CPU in the flat-out runs; both apps pay that equally.

Run it with `make bench`. Options (`.venv/bin/python -m bench.run --help`): `--leads`,
`--rate`, `--seconds`, `--workers`, `--threads`, and `--database-url` (or
`BENCH_DATABASE_URL`) to run against a PostgreSQL server instead, where the bench creates
fresh databases and drops them at the end.

## Targets

- Hire form POST: p99 ≤ {post_p99} ms at {rate:g} requests/s, and at least
  {share:.0%} of the bare endpoint's throughput.
- Lead list: p95 ≤ {list_p95} ms at any depth and with filters; search p95 ≤ {search_p95} ms.
- Lead import: 100,000 rows in ≤ 60 s on SQLite (SPEC §16).

## Latest results

{machine_line}

{results_table}

{targets_table}

What the database does for each list page (its query, timed through `page_of_leads`, without
HTTP and templates), and for the reads of one hire-form POST (each statement alone; the full
SQL is in the JSON):

{list_queries}

{hire_queries}

### Lead import

{import_results}

### Insights

`python -m bench.insights` (the last step of `make bench`): the generated leads get status
events (every lead that left `new`), `utm_source` and attribution on a share, a contract per
won lead (a tenth claimed) and a ledger entry per tenth lead, written by INSERT … SELECT;
then each figure is timed five times through `commissions.insight_queries.figure` (its
statements and the pure series, without HTTP) for its default range and for a year. Target:
≤ 500 ms per figure at a million leads (SPEC §13).

{insight_results}

## Notes

- Numbers from a shared machine move with its load: the load average when the run started
  is above. Compare runs on the same machine.
- The rate limit and the minimum fill time are switched off only so that one client address
  can send thousands of forms; CSRF, validation, duplicate detection, round-robin, the
  outbox emails and the search terms all run as in production.
- A missed target, and errors under load (5xx, time-outs, requests the schedule could no
  longer send), are results: they show in the tables and the bench exits 0. It exits 1 when
  the run measured the wrong thing: a POST answered 302 without becoming a lead, a quarantined
  submission, or a list page that answered without rows.
- On PostgreSQL the rows go through Core's ordinary executemany, so generating a million leads
  takes several minutes; the bench's own time limit is meant for SQLite.
- On a fresh PostgreSQL database the import refreshes the `leads` statistics after its first
  chunk: until then the planner takes the table for empty, the foreign-key checks of the
  search terms scan it, and the same 100,000 rows took 390 s.
"""

IMPORT_START, IMPORT_END = "<!-- import results -->", "<!-- /import results -->"
IMPORT_HEADER = (
    "| database | rows | first run (all created) | second run (all unchanged) | measured |\n"
    "|---|--:|--:|--:|---|"
)


def import_results(path: Path) -> str:
    """The lead-import table as the page holds it (bench/imports.py writes its rows)."""
    text = path.read_text() if path.exists() else ""
    if IMPORT_START in text and IMPORT_END in text:
        return text[text.index(IMPORT_START) : text.index(IMPORT_END) + len(IMPORT_END)]
    return f"{IMPORT_START}\n{IMPORT_HEADER}\n{IMPORT_END}"


def write_import_row(path: Path, database: str, row: str) -> None:
    """Put `row` in the lead-import table in place of the database's previous one."""
    text = path.read_text()
    section = import_results(path)
    rows = [line for line in section.splitlines()[3:-1] if not line.startswith(f"| {database} |")]
    updated = "\n".join([IMPORT_START, IMPORT_HEADER, *sorted([*rows, row]), IMPORT_END])
    if section in text:
        text = text.replace(section, updated)
    else:
        text = text.replace("### Lead import\n", f"### Lead import\n\n{updated}\n", 1)
    path.write_text(text)


INSIGHTS_START, INSIGHTS_END = "<!-- insight results -->", "<!-- /insight results -->"


def insight_results(path: Path) -> str:
    """The Insights section as the page holds it (bench/insights.py writes it)."""
    text = path.read_text() if path.exists() else ""
    if INSIGHTS_START in text and INSIGHTS_END in text:
        return text[text.index(INSIGHTS_START) : text.index(INSIGHTS_END) + len(INSIGHTS_END)]
    return f"{INSIGHTS_START}\n{INSIGHTS_END}"


def write_insight_rows(
    path: Path,
    database: str,
    leads: int,
    counts: dict,
    rows: list[dict],
    measured: str,
    target_ms: int,
) -> None:
    """Replace the database's block in the Insights section with this run's table."""
    text = path.read_text()
    section = insight_results(path)
    blocks = [b for b in section.split("\n\n#### ")[1:] if not b.startswith(database + " ")]
    table = [
        f"{database} · {leads:,} leads, {counts.get('lead_events', 0):,} status events, "
        f"{counts.get('contracts', 0):,} contracts, {counts.get('commission_entries', 0):,} "
        f"ledger entries; measured {measured}",
        "",
        f"| figure | range | median ms | max ms | ≤ {target_ms} ms |",
        "|---|---|--:|--:|---|",
        *[
            f"| {r['figure']} | {r['range']} | {r['median_ms']} | {r['max_ms']} | "
            f"{'yes' if r['max_ms'] <= target_ms else 'no'} |"
            for r in rows
        ],
    ]
    blocks = sorted([*[b.removesuffix("\n" + INSIGHTS_END) for b in blocks], "\n".join(table)])
    updated = INSIGHTS_START + "".join(f"\n\n#### {b}" for b in blocks) + "\n" + INSIGHTS_END
    if section in text:
        text = text.replace(section, updated)
    else:
        text = text.replace("## Notes\n", f"### Insights\n\n{updated}\n\n## Notes\n", 1)
    path.write_text(text)


def write_doc(results: dict, path: Path) -> None:
    settings, box = results["settings"], results["machine"]
    machine_line = (
        f"Measured {box['date']} on {box['nproc']} × {box['cpu']}, {box['ram_gb']} GB RAM, "
        f"{box['os']}, Python {box['python']}, SQLite {box['sqlite']}, database "
        f"{settings['database']}; load average at start {box['load_average_at_start']}; "
        f"{settings['leads']:,} leads generated in {results['generation_seconds']:.0f} s."
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    kept_import_results = import_results(path)
    kept_insight_results = insight_results(path)
    path.write_text(
        DOC.format(
            leads=settings["leads"],
            workers=settings["workers"],
            threads=settings["threads"],
            rate=settings["rate"],
            seconds=settings["seconds"],
            clients=settings["max_clients"],
            max_seconds=settings["max_seconds"],
            list_requests=settings["list_requests"],
            post_p99=POST_TARGET_P99_MS,
            share=THROUGHPUT_TARGET_SHARE,
            list_p95=LIST_TARGET_P95_MS,
            search_p95=SEARCH_TARGET_P95_MS,
            machine_line=machine_line,
            results_table=_markdown_results(results),
            targets_table=_markdown_targets(results),
            list_queries=_markdown_queries(results["plans"]["list pages"], "list page"),
            hire_queries=_markdown_queries(results["plans"]["hire POST reads"], "hire POST read"),
            import_results=kept_import_results,
            insight_results=kept_insight_results,
        )
    )
