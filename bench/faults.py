"""Fault injection against the real app: gunicorn, the outbox sender, SQLite or a private
PostgreSQL server, an SMTP peer, all on 127.0.0.1. Each scenario breaks one thing the way an
operator meets it and prints one Markdown table row of what clients were told, what the
database holds and what the SMTP peer received.

    .venv/bin/python -m bench.faults                 # every scenario (a few minutes)
    .venv/bin/python -m bench.faults --only smtp-stall

Everything started here (gunicorn, senders, SMTP peers, silent sockets, the PostgreSQL
server and its data folder, SQLite files) is stopped and removed at the end, whatever
happens. Every loop is bounded in count and in time."""

import argparse
import asyncio
import collections
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
FLASK = str(VENV_BIN / "flask")
HOST = "127.0.0.1"
HEADER = (
    "| fault | load | what clients were told | what the database holds "
    "| what the SMTP peer received | lost | doubled | recovery time |\n"
    "|---|---|---|---|---|---|---|---|"
)


# --------------------------------------------------------------------------- plumbing


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Processes:
    """Every child process we start, each in its own session so its workers go with it."""

    def __init__(self):
        self.children: list[subprocess.Popen] = []

    def start(self, command: list[str], env: dict, log_path: Path, **kwargs) -> subprocess.Popen:
        out = log_path.open("ab")
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )
        out.close()
        self.children.append(process)
        return process

    @staticmethod
    def stop(process: subprocess.Popen, sig=signal.SIGTERM, wait: float = 15) -> None:
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in reversed(self.children):
            self.stop(process)
            # Workers left behind by a SIGKILLed master stay in its session (a PID is not
            # reused while it names a live session), so these are ours.
            for pid in session_members(process.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.children.clear()


def session_members(sid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # state ppid pgrp session
            members.append(int(entry.name))
    return members


def base_env(database_url: str, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GUNICORN_", "MAIL_", "DATABASE_", "SQLITE_", "OUTBOX_"))
    }
    env.update(
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=database_url,
        RATELIMIT_STORAGE_URI="memory://",
        PUBLIC_RATE_LIMIT="100000/minute",
        FLASK_DEBUG="0",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def flask_cli(env: dict, *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [FLASK, "--app", "wsgi", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s")


def start_gunicorn(
    procs: Processes,
    env: dict,
    log_path: Path,
    *,
    workers: int = 2,
    use_conf_only: bool = False,
    probe: str | None = "/hire",
) -> tuple:
    port = free_port()
    if use_conf_only:
        # The committed gunicorn.conf.py decides everything but the bind and worker count.
        env = {**env, "GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_WORKERS": str(workers)}
        command = [str(VENV_BIN / "gunicorn"), "wsgi:app"]
    else:
        command = [
            str(VENV_BIN / "gunicorn"),
            "wsgi:app",
            f"--bind={HOST}:{port}",
            f"--workers={workers}",
            "--threads=2",
            "--graceful-timeout=5",
        ]
    process = procs.start(command, env, log_path)
    wait_for_port(port)
    if probe:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answer = request(port, "GET", probe, timeout=5)
            if isinstance(answer.status, int):
                break
            time.sleep(0.2)
    return process, port


class Answer:
    __slots__ = ("status", "body", "seconds", "started")

    def __init__(self, status, body, seconds, started):
        self.status, self.body, self.seconds, self.started = status, body, seconds, started


def request(
    port: int,
    method: str,
    path: str,
    body: dict | None = None,
    token: str | None = None,
    timeout: float = 30,
) -> Answer:
    """One request on a fresh connection; a connection error is an Answer whose status is
    the exception's class name."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.monotonic()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        try:
            parsed = (
                json.loads(raw)
                if raw and raw[:1] in b"{["
                else raw[:300].decode("utf-8", "replace")
            )
        except ValueError:
            parsed = raw[:300].decode("utf-8", "replace")
        return Answer(response.status, parsed, time.monotonic() - started, started)
    except (OSError, http.client.HTTPException) as error:
        return Answer(type(error).__name__, str(error), time.monotonic() - started, started)
    finally:
        connection.close()


def counted(answers) -> str:
    counts = collections.Counter(str(a.status) for a in answers)
    return ", ".join(f"{n}×{s}" for s, n in sorted(counts.items()))


def error_messages(answers) -> str:
    messages = collections.Counter()
    for answer in answers:
        if isinstance(answer.status, int) and answer.status < 500:
            continue
        if isinstance(answer.body, dict):
            error = answer.body.get("error", {})
            text = f"{error.get('code')}: {error.get('message')}"
        else:
            text = str(answer.body)[:80]
        messages[f"{answer.status} {text}"] += 1
    return "; ".join(f"{n}× “{m}”" for m, n in messages.most_common())


def lead_body(email: str) -> dict:
    return {
        "first_name": "Maya",
        "last_name": "Okoro",
        "company": "Fault Co",
        "email": email,
        "roles": ["Back-end"],
        "headcount": 2,
        "consent": True,
        "message": "Fault injection.",
    }


def sqlite_rows(path: Path, sql: str, params=()) -> list[tuple]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


class Scenario:
    def __init__(self, workdir: Path, procs: Processes, stack: ExitStack):
        self.workdir, self.procs, self.stack = workdir, procs, stack

    def sqlite_app(self, name: str, **extra) -> tuple[Path, dict]:
        path = self.workdir / f"{name}.db"
        env = base_env(f"sqlite:///{path}", **extra)
        flask_cli(env, "db", "upgrade")
        return path, env


# --------------------------------------------------------------------------- SMTP peers


class CountingSMTP:
    """aiosmtpd on loopback; counts each DATA by Message-ID. `delay` holds the 250 back, so
    a sender killed meanwhile has delivered a message it never heard accepted."""

    def __init__(self, delay: float = 0.0):
        from aiosmtpd.controller import Controller

        self.delay = delay
        self.received: list[str] = []
        self.lock = threading.Lock()
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                text = envelope.content.decode("utf-8", "replace")
                message_id = next(
                    (
                        line.split(":", 1)[1].strip()
                        for line in text.splitlines()
                        if line.lower().startswith("message-id:")
                    ),
                    "(none)",
                )
                with outer.lock:
                    outer.received.append(message_id)
                if outer.delay:
                    await asyncio.sleep(outer.delay)
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname=HOST, port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *_):
        self.controller.stop()

    def count(self) -> int:
        with self.lock:
            return len(self.received)


class SilentPeer:
    """Accepts TCP connections and never says a word (an SMTP server or a database host
    that hangs)."""

    def __init__(self):
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind((HOST, 0))
        self.server.listen(128)
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.held: list[socket.socket] = []
        self.accepted = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while self.running:
            try:
                connection, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted += 1
            self.held.append(connection)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.running = False
        self.thread.join(timeout=5)
        for connection in self.held:
            connection.close()
        self.server.close()


# --------------------------------------------------------------------------- scenarios


def create_public_leads(port: int, tag: str, count: int, threads: int = 4) -> list[Answer]:
    with ThreadPoolExecutor(threads) as pool:
        return list(
            pool.map(
                lambda n: request(
                    port, "POST", "/api/v1/leads", lead_body(f"{tag}-{n}@fault.example.com")
                ),
                range(count),
            )
        )


def sender_kill_9(s: Scenario) -> str:
    leads = 25
    db_path, env = s.sqlite_app("sender", PUBLIC_RATE_LIMIT="1000/minute")
    gunicorn, port = start_gunicorn(s.procs, env, s.workdir / "sender-gunicorn.log")
    answers = create_public_leads(port, "sender", leads)
    Processes.stop(gunicorn)
    queued = sqlite_rows(db_path, "SELECT count(*) FROM outbox_messages WHERE status='pending'")[0][
        0
    ]
    log(f"{counted(answers)}; {queued} messages queued")
    with CountingSMTP(delay=0.15) as smtp:
        sender_env = {**env, "MAIL_SERVER": HOST, "MAIL_PORT": str(smtp.port), "MAIL_TIMEOUT": "5"}
        command = [FLASK, "--app", "wsgi", "outbox", "send", "--loop", "--interval", "1"]
        sender = s.procs.start(command, sender_env, s.workdir / "sender-1.log")
        deadline = time.monotonic() + 60
        while smtp.count() < queued // 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        at_kill = smtp.count()
        Processes.stop(sender, signal.SIGKILL)
        sent_at_kill = sqlite_rows(
            db_path, "SELECT count(*) FROM outbox_messages WHERE status='sent'"
        )[0][0]
        log(f"SIGKILL after {at_kill} received, {sent_at_kill} marked sent")
        time.sleep(1)
        restarted = time.monotonic()
        sender = s.procs.start(command, sender_env, s.workdir / "sender-2.log")
        recovery = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            pending = sqlite_rows(
                db_path, "SELECT count(*) FROM outbox_messages WHERE status='pending'"
            )[0][0]
            if pending == 0:
                recovery = time.monotonic() - restarted
                break
            time.sleep(0.2)
        time.sleep(1)  # the last DATA's 250
        Processes.stop(sender)
        received = list(smtp.received)
    states = dict(
        sqlite_rows(db_path, "SELECT status, count(*) FROM outbox_messages GROUP BY status")
    )
    ids = {
        row[0]
        for row in sqlite_rows(
            db_path, "SELECT message_id FROM outbox_messages WHERE status='sent'"
        )
    }
    unique = set(received)
    never_arrived = {i for i in ids if f"<{i.strip('<>')}>" not in unique and i not in unique}
    lost = states.get("pending", 0) + states.get("failed", 0) + len(never_arrived)
    doubled = len(received) - len(unique)
    return (
        f"| `sender-kill-9`: `outbox send --loop` SIGKILLed mid-pass, started again "
        f"| {leads} public leads → {queued} queued emails; SMTP peer holds each 250 for 150 ms "
        f"| API: {counted(answers)}; sender killed after {at_kill} DATA received, "
        f"{sent_at_kill} marked sent "
        f"| outbox: {', '.join(f'{n} {k}' for k, n in sorted(states.items()))} "
        f"| {len(received)} messages, {len(unique)} unique Message-IDs "
        f"| {lost} | {doubled} (same Message-ID) "
        f"| outbox empty "
        f"{ms(recovery) if recovery is not None else 'NOT within 90 s'} after the restart |"
    )


def smtp_stall(s: Scenario) -> str:
    leads = 2
    db_path, env = s.sqlite_app("stall")
    gunicorn, port = start_gunicorn(s.procs, env, s.workdir / "stall-gunicorn.log")
    answers = create_public_leads(port, "stall", leads)
    if not all(a.status in (201, 202) for a in answers):
        raise RuntimeError(f"leads: {counted(answers)}")
    Processes.stop(gunicorn)
    queued = sqlite_rows(db_path, "SELECT count(*) FROM outbox_messages WHERE status='pending'")[0][
        0
    ]
    with SilentPeer() as peer:
        sender_env = {**env, "MAIL_SERVER": HOST, "MAIL_PORT": str(peer.port), "MAIL_TIMEOUT": "2"}
        started = time.monotonic()
        try:
            output = flask_cli(sender_env, "outbox", "send", timeout=120).strip().splitlines()[-1]
        except subprocess.TimeoutExpired:
            output = "did not finish in 120 s (killed)"
        took = time.monotonic() - started
        connections = peer.accepted
    rows = sqlite_rows(db_path, "SELECT status, tries, last_error FROM outbox_messages")
    summary = collections.Counter(
        f"{st}, tries={t}, last_error=“{(e or '')[:80]}”" for st, t, e in rows
    )
    held = "; ".join(f"{n}× {k}" for k, n in summary.items())
    return (
        f"| `smtp-stall`: SMTP peer accepts TCP and never answers, `MAIL_TIMEOUT=2` "
        f"| one `outbox send` pass over {queued} due emails ({leads} leads) "
        f"| the pass printed “{output}” after {took:.1f} s "
        f"({connections} SMTP connections opened) "
        f"| {held} | nothing (0 messages) | 0 (all still pending, retried later) | 0 "
        f"| pass ends in {took:.1f} s ≈ {queued} × 2 s + start-up; no hang |"
    )


def db_silent(s: Scenario) -> str:
    with SilentPeer() as peer:
        env = base_env(f"postgresql+psycopg://x@{HOST}:{peer.port}/x", DATABASE_CONNECT_TIMEOUT="2")
        gunicorn, port = start_gunicorn(s.procs, env, s.workdir / "silent-gunicorn.log", probe=None)
        time.sleep(1)
        posts = [
            request(
                port,
                "POST",
                "/api/v1/leads",
                lead_body(f"silent-{n}@fault.example.com"),
                timeout=30,
            )
            for n in range(10)
        ]
        hire = [request(port, "GET", "/hire", timeout=30) for _ in range(10)]
        Processes.stop(gunicorn)
        connections = peer.accepted

    def lat(answers):
        seconds = [a.seconds for a in answers]
        return f"max {ms(max(seconds))}, p50 {ms(statistics.median(seconds))}"

    return (
        f"| `db-silent`: `DATABASE_URL` points at a port that accepts TCP and never answers, "
        f"`DATABASE_CONNECT_TIMEOUT=2` "
        f"| 10 sequential token-less `POST /api/v1/leads`, then 10 `GET /hire` "
        f"(2 workers × 2 threads) "
        f"| POST: {counted(posts)} ({lat(posts)}) {error_messages(posts)}; "
        f"GET /hire: {counted(hire)} ({lat(hire)}) "
        f"| nothing reachable ({connections} connection attempts reached the silent port) "
        f"| — | 0 (no 2xx) | 0 | n/a: answers stay prompt while it lasts |"
    )


def staff_token(env: dict, email: str, role: str) -> str:
    """A staff account of `role` made with the CLI, and an API token of theirs."""
    flask_cli(env, "users", "create", email, "--role", role, "--password", "fault-password-123")
    return flask_cli(env, "tokens", "create", email).strip().splitlines()[-1]


def sqlite_write_lock(s: Scenario) -> str:
    db_path, env = s.sqlite_app("lock", SQLITE_BUSY_TIMEOUT="2")
    token = staff_token(env, "sales@fault.example.com", "sales")
    gunicorn, port = start_gunicorn(s.procs, env, s.workdir / "lock-gunicorn.log", workers=2)
    create_public_leads(port, "lock-seed", 5)
    hold = 10.0
    holder = sqlite3.connect(str(db_path), isolation_level=None, timeout=5, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    locked_at = time.monotonic()
    # Reads alone first, with no writer queued in the app: do they wait for the lock?
    alone = [request(port, "GET", "/api/v1/leads", token=token, timeout=30) for _ in range(5)]
    jobs = (
        [("GET", "/api/v1/leads", None, token)] * 20
        + [("GET", "/hire", None, None)] * 20
        + [
            ("POST", "/api/v1/leads", lead_body(f"lock-{n}@fault.example.com"), None)
            for n in range(5)
        ]
    )
    random.Random(7).shuffle(jobs)

    def run(job):
        method, path, body, tok = job
        return path, method, request(port, method, path, body, tok, timeout=30)

    releaser = threading.Timer(hold, lambda: holder.execute("ROLLBACK"))
    releaser.start()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(run, jobs))
    releaser.join()
    holder.close()
    after = request(port, "POST", "/api/v1/leads", lead_body("lock-after@fault.example.com"))
    Processes.stop(gunicorn)

    def group(method, path):
        return [a for p, m, a in results if p == path and m == method]

    def lat(answers):
        secs = [a.seconds for a in answers]
        return f"p50 {ms(statistics.median(secs))}, max {ms(max(secs))}"

    reads, hire, posts = (
        group("GET", "/api/v1/leads"),
        group("GET", "/hire"),
        group("POST", "/api/v1/leads"),
    )
    during = [a for a in posts if a.started - locked_at < hold]
    saved = sqlite_rows(
        db_path,
        "SELECT count(*) FROM leads WHERE email LIKE 'lock-%' "
        "AND email NOT LIKE 'lock-seed%' AND email NOT LIKE 'lock-after%'",
    )[0][0]
    ok_posts = sum(1 for a in posts if a.status in (200, 201, 202))
    return (
        f"| `sqlite-write-lock`: another connection holds `BEGIN IMMEDIATE` for {hold:.0f} s, "
        f"`SQLITE_BUSY_TIMEOUT=2` "
        f"| 20 `GET /api/v1/leads` (token) + 20 `GET /hire` + 5 token-less `POST /api/v1/leads`, "
        f"8 clients, all inside the lock "
        f"| 5 sequential GET leads alone first: {counted(alone)} ({lat(alone)}); "
        f"then mixed: GET leads: {counted(reads)} ({lat(reads)}); "
        f"GET /hire: {counted(hire)} ({lat(hire)}); "
        f"POST ({len(during)} sent while locked): {counted(posts)} ({lat(posts)}) "
        f"{error_messages(posts)} "
        f"| {saved} of the 5 posted leads ({ok_posts} answered 2xx) | — "
        f"| {max(0, ok_posts - saved)} | 0 | first POST after the release: "
        f"{after.status} in {ms(after.seconds)} |"
    )


def worker_pids(master: int) -> list[int]:
    path = Path(f"/proc/{master}/task/{master}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except (OSError, ValueError):
        return []


def worker_kill_storm(s: Scenario) -> str:
    total, clients, workers = 400, 8, 4
    db_path, env = s.sqlite_app("storm")
    gunicorn, port = start_gunicorn(
        s.procs, env, s.workdir / "storm-gunicorn.log", workers=workers, use_conf_only=True
    )
    deadline = time.monotonic() + 20
    while len(worker_pids(gunicorn.pid)) < workers and time.monotonic() < deadline:
        time.sleep(0.1)
    stop = threading.Event()
    kills = []

    def killer():
        rng = random.Random(1)
        for _ in range(200):  # bounded: at most 100 s of killing
            if stop.wait(0.5):
                return
            pids = worker_pids(gunicorn.pid)
            if pids:
                victim = rng.choice(pids)
                try:
                    os.kill(victim, signal.SIGKILL)
                    kills.append(victim)
                except ProcessLookupError:
                    pass

    thread = threading.Thread(target=killer)
    started = time.monotonic()
    thread.start()
    try:
        with ThreadPoolExecutor(clients) as pool:
            answers = list(
                pool.map(
                    lambda n: (
                        n,
                        request(
                            port,
                            "POST",
                            "/api/v1/leads",
                            lead_body(f"storm-{n}@fault.example.com"),
                            timeout=30,
                        ),
                    ),
                    range(total),
                )
            )
    finally:
        stop.set()
        thread.join()
    storm_seconds = time.monotonic() - started

    # Recovery: kill every worker at once; the first answer must come from a replacement.
    recoveries = []
    for _ in range(3):
        pids = worker_pids(gunicorn.pid)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        killed_at = time.monotonic()
        limit = killed_at + 30
        while time.monotonic() < limit:
            answer = request(port, "GET", "/hire", timeout=5)
            if answer.status == 200:
                recoveries.append(time.monotonic() - killed_at)
                break
            time.sleep(0.005)
        time.sleep(0.5)
    Processes.stop(gunicorn)

    rows = sqlite_rows(
        db_path, "SELECT email, count(*) FROM leads WHERE email LIKE 'storm-%' GROUP BY email"
    )
    in_db = {email: n for email, n in rows}
    ok = {n for n, a in answers if a.status in (200, 201, 202)}
    lost = sum(1 for n in ok if f"storm-{n}@fault.example.com" not in in_db)
    doubled = sum(1 for n in in_db.values() if n > 1)
    errored = [n for n, a in answers if not isinstance(a.status, int)]
    saved_unanswered = sum(1 for n in errored if f"storm-{n}@fault.example.com" in in_db)
    statuses = counted(a for _, a in answers)
    recovery = ", ".join(ms(r) for r in recoveries) or "no answer in 30 s"
    return (
        f"| `worker-kill-storm`: a random gunicorn worker SIGKILLed every 0.5 s "
        f"(committed `gunicorn.conf.py`, 4 workers × 2 threads, SQLite) "
        f"| {total} token-less `POST /api/v1/leads` (distinct emails), {clients} clients, "
        f"{storm_seconds:.1f} s, {len(kills)} workers killed "
        f"| {statuses} "
        f"| {len(in_db)} storm leads; {len(ok)} answered 2xx; {saved_unanswered} of the "
        f"{len(errored)} connection errors were saved anyway "
        f"| — | {lost} | {doubled} "
        f"| all 4 workers killed at once, first answer after: {recovery} |"
    )


# --------------------------------------------------------------------------- PostgreSQL


class OwnPostgres:
    """initdb + pg_ctl into a temporary folder owned by `postgres`, on a free port, trust
    authentication on loopback only. Never touches the system cluster."""

    def __init__(self, workdir: Path):
        bindir = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True
        ).stdout.strip()
        if not (Path(bindir) / "initdb").exists():
            candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
            if not candidates:
                raise RuntimeError("no initdb found")
            bindir = str(candidates[-1].parent)
        self.bindir = Path(bindir)
        self.root = Path(tempfile.mkdtemp(prefix="htt-faults-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.started = False

    def run(self, *args: str, timeout: float = 60) -> str:
        done = subprocess.run(
            [*self.as_postgres, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.root,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def pg_ctl(self, *args: str, timeout: float = 60) -> str:
        options = f"-p {self.port} -c listen_addresses={HOST} -k {self.root} -c fsync=off"
        return self.run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            *args,
            timeout=timeout,
        )

    def __enter__(self):
        self.run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-instructions",
            timeout=120,
        )
        self.pg_ctl("start")
        self.started = True
        self.run(
            str(self.bindir / "createdb"),
            "-h",
            HOST,
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "bench",
        )
        return self

    def __exit__(self, *_):
        try:
            if self.started:
                self.pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{HOST}:{self.port}/bench"

    def scalar(self, sql: str):
        import psycopg

        with psycopg.connect(
            f"host={HOST} port={self.port} user=postgres dbname=bench", connect_timeout=5
        ) as connection:
            return connection.execute(sql).fetchone()


SPREAD = 0.03
RESTART_AT = 0.25


def pg_restart_payments(s: Scenario) -> str:
    pg = s.stack.enter_context(OwnPostgres(s.workdir))
    env = base_env(pg.url())
    flask_cli(env, "db", "upgrade")
    token = staff_token(env, "finance@fault.example.com", "finance")
    sales_token = staff_token(env, "sales@fault.example.com", "sales")
    gunicorn, port = start_gunicorn(s.procs, env, s.workdir / "pg-gunicorn.log", workers=2)
    today = date.today().isoformat()
    first = date.today().replace(day=1).isoformat()
    # finance may not create leads (sales, admin), and a token-less post answers only 202.
    lead = request(port, "POST", "/api/v1/leads", lead_body("pay@fault.example.com"), sales_token)
    if lead.status not in (200, 201):
        raise RuntimeError(f"lead: {lead.status} {lead.body}")
    converted = request(
        port,
        "POST",
        f"/api/v1/leads/{lead.body['id']}/convert",
        {
            "start_date": first,
            "engineers": 2,
            "monthly_rate_cents": 2_000_000,
            "currency": "USD",
        },
        token,
    )
    if converted.status != 201:
        raise RuntimeError(f"convert: {converted.status} {converted.body}")
    contract_id = converted.body["contract"]["id"]
    invoice = request(
        port,
        "POST",
        f"/api/v1/contracts/{contract_id}/invoices",
        {
            "number": "F-1",
            "issue_date": today,
            "period_start": first,
            "period_end": today,
            "amount_cents": 2_000_000,
            "currency": "USD",
            "external_id": "fault-invoice-1",
        },
        token,
    )
    if invoice.status != 201:
        raise RuntimeError(f"invoice: {invoice.status} {invoice.body}")
    invoice_id = invoice.body["id"]
    payments = 20

    def paid_now() -> int:
        return request(port, "GET", f"/api/v1/invoices/{invoice_id}", token=token).body[
            "paid_cents"
        ]

    def one_round(with_ids: bool, tag: str):
        before = pg.scalar(f"SELECT paid_cents FROM invoices WHERE id={invoice_id}")[0]
        count_before = pg.scalar(f"SELECT count(*) FROM payments WHERE invoice_id={invoice_id}")[0]
        tries_made = collections.Counter()
        final: list[Answer] = [None] * payments
        every: list[Answer] = []
        lock = threading.Lock()
        barrier_start = time.monotonic()

        def pay(n):
            time.sleep(n * SPREAD)  # the restart lands mid-way through the 20
            body = {"amount_cents": 10_000, "paid_on": today}
            if with_ids:
                body["external_id"] = f"fault-{tag}-{n}"
            attempts = 1 + (3 if with_ids else 0)
            for attempt in range(attempts):
                answer = request(
                    port, "POST", f"/api/v1/invoices/{invoice_id}/payments", body, token, timeout=30
                )
                with lock:
                    every.append(answer)
                    tries_made[n] += 1
                final[n] = answer
                retryable = not isinstance(answer.status, int) or answer.status >= 500
                if not retryable:
                    break
                time.sleep(0.5 * 2**attempt)

        def restart():
            time.sleep(RESTART_AT)
            t = time.monotonic()
            pg.pg_ctl("restart", "-m", "fast")
            restart_times.append((t - barrier_start, time.monotonic() - t, t))

        restart_times = []
        restarter = threading.Thread(target=restart)
        restarter.start()
        with ThreadPoolExecutor(payments) as pool:
            list(pool.map(pay, range(payments)))
        restarter.join()
        # recovery: first successful read after the restart
        after = pg.scalar(f"SELECT paid_cents FROM invoices WHERE id={invoice_id}")[0]
        count_after = pg.scalar(f"SELECT count(*) FROM payments WHERE invoice_id={invoice_id}")[0]
        api_paid = paid_now()
        back = None
        if restart_times:
            began, took = restart_times[0][2], restart_times[0][1]
            ends = [
                a.started + a.seconds - began
                for a in every
                if a.status in (200, 201) and a.started + a.seconds > began + took
            ]
            back = min(ends) if ends else None
        told_201 = sum(1 for a in final if a.status == 201)
        told_200 = sum(1 for a in final if a.status == 200)
        recorded = (after - before) // 10_000
        acknowledged = told_201 + told_200
        return {
            "every": every,
            "final": final,
            "recorded": recorded,
            "told_201": told_201,
            "told_200": told_200,
            "rows": count_after - count_before,
            "api_paid": api_paid,
            "delta": after - before,
            "restart": restart_times[0] if restart_times else None,
            "retries": sum(tries_made.values()) - payments,
            "acknowledged": acknowledged,
            "back": back,
        }

    plain = one_round(False, "plain")
    log(f"round 1: {counted(plain['final'])}, recorded {plain['recorded']}")
    time.sleep(1)
    keyed = one_round(True, "keyed")
    log(f"round 2: {counted(keyed['final'])}, recorded {keyed['recorded']}")
    Processes.stop(gunicorn)

    def cell_told(r, with_ids):
        text = f"{counted(r['every'])} over all tries"
        if with_ids:
            text = (
                f"final: {counted(r['final'])}; every try: {counted(r['every'])} "
                f"({r['retries']} retries)"
            )
        messages = error_messages(r["every"])
        return f"{text}{'; ' + messages if messages else ''}"

    def cell_db(r):
        return (
            f"paid_cents +{r['delta']:,} ({r['rows']} payment rows) vs "
            f"{r['told_201']}×201 + {r['told_200']}×200 = "
            f"{r['acknowledged'] * 10_000:,} acknowledged"
        )

    def lost_doubled(r):
        # lost: acknowledged but not recorded; doubled: recorded more than sent
        lost = max(0, r["acknowledged"] - r["recorded"])
        doubled = max(0, r["recorded"] - payments)
        unknown = r["recorded"] - r["acknowledged"]
        return lost, doubled, unknown

    rows = []
    for r, with_ids, label in (
        (plain, False, "no `external_id`, no retry"),
        (keyed, True, "distinct `external_id`, ≤ 3 retries on 5xx / connection error"),
    ):
        lost, doubled, unknown = lost_doubled(r)
        at, took, _ = r["restart"] or (0, 0, 0)
        back = (
            f"first 2xx {r['back']:.1f} s after the restart began"
            if r["back"] is not None
            else "no 2xx after it"
        )
        rows.append(
            f"| `pg-restart-payments` ({label}): own PostgreSQL `pg_ctl restart -m fast` "
            f"{at:.1f} s into the round "
            f"| {payments} payments × 10,000 ¢ from {payments} clients, started "
            f"{SPREAD * 1000:.0f} ms apart; gunicorn 2 workers × 2 threads "
            f"| {cell_told(r, with_ids)} "
            f"| {cell_db(r)}{f'; {unknown} recorded without a 2xx answer' if unknown > 0 else ''} "
            f"| — | {lost} | {doubled} "
            f"| `pg_ctl restart` took {took:.1f} s; {back} |"
        )
    return "\n".join(rows)


SCENARIOS = {
    "sender-kill-9": sender_kill_9,
    "smtp-stall": smtp_stall,
    "db-silent": db_silent,
    "sqlite-write-lock": sqlite_write_lock,
    "worker-kill-storm": worker_kill_storm,
    "pg-restart-payments": pg_restart_payments,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only",
        choices=sorted(SCENARIOS),
        action="append",
        help="run only this scenario (may be repeated)",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    names = args.only or list(SCENARIOS)
    rows, failures = [], 0
    procs = Processes()
    workdir = Path(tempfile.mkdtemp(prefix="htt-faults-"))
    try:
        for name in names:
            print(f"# {name} …", file=sys.stderr, flush=True)
            started = time.monotonic()
            with ExitStack() as stack:
                try:
                    rows.append(SCENARIOS[name](Scenario(workdir, procs, stack)))
                except Exception as error:  # noqa: BLE001 - report and go on to the next
                    failures += 1
                    rows.append(
                        f"| `{name}` | — | scenario failed: {type(error).__name__}: "
                        f"{str(error)[:300]!r} | — | — | — | — | — |"
                    )
                finally:
                    procs.stop_all()
            print(f"  ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
    finally:
        procs.stop_all()
        if os.environ.get("FAULTS_KEEP"):
            print(f"logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(HEADER)
    for row in rows:
        print(row.replace("\n|", "\n|"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
