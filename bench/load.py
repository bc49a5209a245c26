"""A small load generator on the standard library: keep-alive connections with cookie jars
(one per simulated browser), open-loop pacing for latency and closed loops for throughput."""

import http.client
import queue
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

LATE_LIMIT_SECONDS = 10
HIDDEN_FIELD = re.compile(r'<input[^>]*name="(csrf_token|rendered_at)"[^>]*value="([^"]*)"')


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str


class Client:
    """One browser: a keep-alive connection to the server and its cookies."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.fields: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> Response:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            raw = self.connection.getresponse()
            text = raw.read().decode()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            raise
        for header in raw.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Response(raw.status, raw.headers, text)

    def hidden_fields(self, path: str) -> dict[str, str]:
        """GET a form page and keep its CSRF token (and render stamp) for the posts that
        follow, as the session cookie is kept."""
        page = self.request("GET", path)
        if page.status != 200:
            raise RuntimeError(f"GET {path} answered {page.status}")
        self.fields = dict(HIDDEN_FIELD.findall(page.body))
        return self.fields

    def close(self) -> None:
        self.connection.close()


@dataclass
class Result:
    """Latencies in seconds of the requests that answered as expected, and what went wrong."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest rank, in milliseconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        rank = max(1, round(p / 100 * len(ordered) + 0.5))
        return ordered[min(rank, len(ordered)) - 1] * 1000

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "ok": len(self.latencies),
            "errors": dict(self.errors),
            "seconds": round(self.seconds, 2),
            "throughput_rps": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "max_ms": round(self.percentile(100), 1),
        }


Action = Callable[[Client], Response]


def _attempt(client: Client, action: Action, expected: int, result: Result, lock) -> bool:
    """One request; a wrong status or a broken connection is counted as an error."""
    try:
        status = action(client).status
    except (http.client.HTTPException, OSError) as error:
        status = type(error).__name__
    if status == expected:
        return True
    with lock:
        result.errors[str(status)] += 1
    return False


def _run_clients(port: int, concurrency: int, prepare: Callable[[Client], None], body) -> float:
    """Start `concurrency` clients, let each `prepare` (log in, fetch a form), then run
    `body(client, start)` in all of them from the same start time; returns that time."""
    start: list[float] = []
    failures: list[Exception] = []
    ready = threading.Barrier(concurrency, action=lambda: start.append(time.perf_counter()))

    def client_thread() -> None:
        client = Client(port)
        try:
            prepare(client)
        except Exception as error:  # raised in the main thread below
            failures.append(error)
        ready.wait()
        if not failures:
            body(client, start[0])
        client.close()

    threads = [threading.Thread(target=client_thread, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"a client could not get ready: {failures[0]}") from failures[0]
    return start[0]


def open_loop(
    port: int,
    action: Action,
    expected: int,
    rate: float,
    seconds: float,
    prepare: Callable[[Client], None],
    concurrency: int = 32,
) -> Result:
    """Requests start on a fixed schedule whatever the server does; latency is counted from the
    scheduled start, so a server that falls behind shows it (no coordinated omission). A
    server far behind does not stretch the run: what is still unsent LATE_LIMIT_SECONDS after
    the schedule ends is counted as an error instead."""
    work: queue.SimpleQueue = queue.SimpleQueue()
    for index in range(int(rate * seconds)):
        work.put(index)
    for _ in range(concurrency):
        work.put(None)
    result, lock = Result(), threading.Lock()

    def body(client: Client, start: float) -> None:
        while (index := work.get()) is not None:
            due = start + index / rate
            if time.perf_counter() > start + seconds + LATE_LIMIT_SECONDS:
                with lock:
                    result.errors["not sent, too late"] += 1
                continue
            time.sleep(max(0.0, due - time.perf_counter()))
            if _attempt(client, action, expected, result, lock):
                latency = time.perf_counter() - due
                with lock:
                    result.latencies.append(latency)

    start = _run_clients(port, concurrency, prepare, body)
    result.seconds = time.perf_counter() - start
    return result


def closed_loop(
    port: int,
    action: Action,
    expected: int,
    seconds: float,
    prepare: Callable[[Client], None],
    concurrency: int,
) -> Result:
    """Each client sends its next request as soon as the last one answers: the throughput the
    server can sustain with `concurrency` requests in flight."""
    result, lock = Result(), threading.Lock()

    def body(client: Client, start: float) -> None:
        while time.perf_counter() - start < seconds:
            sent = time.perf_counter()
            if _attempt(client, action, expected, result, lock):
                latency = time.perf_counter() - sent
                with lock:
                    result.latencies.append(latency)

    start = _run_clients(port, concurrency, prepare, body)
    result.seconds = time.perf_counter() - start
    return result


def sequential(client: Client, path: str, count: int, check: Callable[[Response], bool]) -> Result:
    """One request at a time, as one person paging through a list."""
    result = Result()
    started = time.perf_counter()
    for _ in range(count):
        sent = time.perf_counter()
        try:
            response = client.request("GET", path)
        except (http.client.HTTPException, OSError) as error:
            result.errors[type(error).__name__] += 1
            continue
        latency = time.perf_counter() - sent
        if response.status != 200:
            result.errors[str(response.status)] += 1
        elif not check(response):
            result.errors["200 without rows"] += 1
        else:
            result.latencies.append(latency)
    result.seconds = time.perf_counter() - started
    return result
