"""Several hosts (SPEC §6, §11): app processes (gunicorn) and outbox senders run as separate
processes on one database and one Redis, as they would on several machines.

The outbox test runs in the PostgreSQL pass only (SQLite is one host, one sender). The rate
limit test runs in both passes (on SQLite the two processes share one database file) and
skips when Redis is not reachable."""

import asyncio
import http.cookiejar
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
import sqlalchemy as sa
from support import PASSWORD

from core.config import DEFAULTS
from notifications.models import OutboxMessage, OutboxStatus

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/15"
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
START_TIMEOUT = 20.0
SENDER_TIMEOUT = 30.0
OVERLAP_TIMEOUT = 10.0
LEADS = 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_env(**settings: str) -> dict[str, str]:
    """The parent's environment without any app setting of its own, plus `settings`."""
    app_keys = {*DEFAULTS, "SECRET_KEY", "FLASK_DEBUG", "FLASK_APP"}
    env = {key: value for key, value in os.environ.items() if key not in app_keys}
    env.update(
        FLASK_SKIP_DOTENV="1",
        SECRET_KEY="multi-host-test-secret-of-32-characters",
        SALES_INBOX="sales@hiretechtalent.example",
        **settings,
    )
    return env


def stop(process: subprocess.Popen) -> None:
    """SIGINT (gunicorn: quick shutdown of master and worker), then SIGKILL its group."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # gunicorn: quick shutdown
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


class Recorder:
    """An SMTP handler that keeps every message and notes how many were in flight at once.
    The first message waits (up to OVERLAP_TIMEOUT) for a second one to arrive: a sender
    delivers one message at a time, so two in flight means two senders overlapped."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.overlap = asyncio.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        # Runs in the controller's event loop only, so no lock is needed.
        self.messages.append(message_from_bytes(envelope.original_content))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if self.in_flight >= 2:
            self.overlap.set()
        try:
            await asyncio.wait_for(self.overlap.wait(), OVERLAP_TIMEOUT)
        except TimeoutError:
            self.overlap.set()  # no second sender came: let the rest through at once
        finally:
            self.in_flight -= 1
        return "250 OK"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, recorder
    controller.stop()


@pytest.fixture
def app_servers(tmp_path):
    """Start gunicorn processes of `wsgi:app`; each is stopped after the test."""
    started: list[subprocess.Popen] = []

    def start(count: int, env: dict[str, str]) -> list[str]:
        launched = []
        for _ in range(count):
            port = free_port()
            log = tmp_path / f"gunicorn-{port}.log"
            command = [str(BIN / "gunicorn"), "-w", "1", "--threads", "4"]
            command += ["--graceful-timeout", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"]
            with log.open("wb") as output:
                process = subprocess.Popen(
                    command,
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            started.append(process)
            launched.append((process, f"http://127.0.0.1:{port}", log))
        for process, base_url, log in launched:
            wait_until_ready(process, base_url, log)
        return [base_url for _, base_url, _ in launched]

    yield start
    for process in started:
        stop(process)


def wait_until_ready(process: subprocess.Popen, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/api/v1/openapi.json", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"gunicorn at {base_url} not ready in {START_TIMEOUT}s:\n{log.read_text()}")


def post_lead(base_url: str, number: int, headers: dict | None = None) -> tuple[int, dict]:
    fields = {
        "first_name": "Ana",
        "last_name": f"Silva {number}",
        "company": f"Company {number}",
        "email": f"prospect{number}@company{number}.example",
        "roles": ["Back-end"],
        "headcount": 1 + number % 5,
        "consent": True,
    }
    request = urllib.request.Request(
        f"{base_url}/api/v1/leads",
        data=json.dumps(fields).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def run_senders(count: int, env: dict[str, str]) -> list[int]:
    """Start `count` one-pass senders at once; the number each reports as sent."""
    command = [str(BIN / "flask"), "--app", "wsgi", "outbox", "send"]
    processes = [
        subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for _ in range(count)
    ]
    sent = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=SENDER_TIMEOUT)
            assert process.returncode == 0, err
            assert out.startswith("sent "), out
            sent.append(int(out.split()[1].rstrip(",")))
    finally:
        for process in processes:
            stop(process)
    return sent


def outbox_rows(url: str) -> list[tuple[str, str, OutboxStatus]]:
    engine = sa.create_engine(url)
    query = sa.select(OutboxMessage.message_id, OutboxMessage.to_address, OutboxMessage.status)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(query.order_by(OutboxMessage.id))]
    finally:
        engine.dispose()


@pytest.mark.skipif(not ON_POSTGRES, reason="several senders need PostgreSQL (TEST_DATABASE_URL)")
def test_two_app_processes_and_two_senders_on_one_postgresql_database_send_every_email_once(
    database_url_for_test, smtp_server, app_servers
):
    smtp_port, recorder = smtp_server
    env = process_env(
        DATABASE_URL=database_url_for_test,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_port),
        RATELIMIT_STORAGE_URI="memory://",
        PUBLIC_RATE_LIMIT="1000/minute",
        OUTBOX_RETRY_SECONDS="1",
        FIRST_CONTACT_HOURS="0",
    )
    hosts = app_servers(2, env)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: post_lead(hosts[n % 2], n), range(LEADS)))
    assert [status for status, _ in answers] == [202] * LEADS, answers
    rows = outbox_rows(database_url_for_test)
    assert len(rows) == 3 * LEADS  # new_lead, lead_waiting (due at once here), confirmation
    assert {status for _, _, status in rows} == {OutboxStatus.PENDING}

    reported_sent = []
    deadline = time.monotonic() + 2 * SENDER_TIMEOUT
    while any(status != OutboxStatus.SENT for _, _, status in rows):
        assert time.monotonic() < deadline, Counter(status for _, _, status in rows)
        reported_sent += run_senders(2, env)
        rows = outbox_rows(database_url_for_test)

    assert recorder.most_in_flight >= 2, "the two senders never delivered at the same time"
    assert reported_sent[0] > 0 and reported_sent[1] > 0, reported_sent
    assert sum(reported_sent) == len(rows)
    received = Counter(message["Message-ID"] for message in recorder.messages)
    assert len(recorder.messages) == len(rows)
    assert received == Counter(message_id for message_id, _, _ in rows)
    assert {message["Message-ID"]: message["To"] for message in recorder.messages} == {
        message_id: to_address for message_id, to_address, _ in rows
    }


@pytest.fixture
def shared_redis():
    """Redis DB 15, or a skip; yields a maker of client addresses. The test's counters live
    under random addresses of its own, deleted afterwards (rather than a FLUSHDB), so that a
    concurrent run and this one cannot disturb each other."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        client.close()
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    addresses = []

    def new_address() -> str:
        addresses.append(f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}")
        return addresses[-1]

    yield new_address
    for address in addresses:
        for key in client.scan_iter(match=f"*/{address}/*"):
            client.delete(key)
    client.close()


def test_a_redis_rate_limit_storage_shares_the_public_budget_across_app_processes(
    database_url_for_test, shared_redis, app_servers
):
    env = process_env(
        DATABASE_URL=database_url_for_test,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        PUBLIC_RATE_LIMIT="5/minute",
        TRUSTED_PROXIES="1",
    )
    first, second = app_servers(2, env)
    # The client address as the load balancer in front of the hosts reports it.
    client = {"X-Forwarded-For": shared_redis()}

    statuses = [post_lead((first, second)[n % 2], n, client)[0] for n in range(5)]
    assert statuses == [202] * 5

    for number, host in enumerate((second, first), start=5):
        status, body = post_lead(host, number, client)
        assert status == 429
        assert body["error"]["code"] == "rate_limited"
        assert set(body["error"]) == {"code", "message", "fields"}
    assert post_lead(first, 7, {"X-Forwarded-For": shared_redis()})[0] == 202  # per address


def _csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_a_session_cookie_replayed_against_gunicorn_after_sign_out_is_refused(
    database_url_for_test, app_servers, make_user
):
    """A real browser's view: cookies over HTTP to gunicorn, CSRF on, nothing shared in
    memory with the test."""
    user = make_user("sales")
    (base_url,) = app_servers(
        1, process_env(DATABASE_URL=database_url_for_test, RATELIMIT_STORAGE_URI="memory://")
    )
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())

    def request(path: str, form: dict | None = None, cookie: str | None = None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(base_url + path, data=data)
        if cookie is not None:
            req.add_header("Cookie", f"session={cookie}")
            opener = urllib.request.build_opener(_NoRedirect())
        else:
            opener = browser
        try:
            with opener.open(req, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    _, login_page = request("/login")
    status, _ = request(
        "/login",
        {"email": user.email, "password": PASSWORD, "csrf_token": _csrf_token(login_page)},
    )
    assert status == 302
    saved = next(cookie.value for cookie in jar if cookie.name == "session")
    status, dashboard = request("/dashboard/leads")
    assert status == 200
    assert request("/dashboard/leads", cookie=saved)[0] == 200

    assert request("/logout", {"csrf_token": _csrf_token(dashboard)})[0] == 302

    assert request("/dashboard/leads", cookie=saved)[0] == 302


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
