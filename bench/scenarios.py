"""What is measured: the hire-form POST (CSRF on, as a browser sends it) beside the bare
endpoint, and the staff lead list at the depths and filters a sales team uses."""

import itertools
import random
import re
import threading
from urllib.parse import urlencode

from bench.generate import Dataset
from bench.load import Client, Response, Result, closed_loop, open_loop, sequential

WARM_UP_REQUESTS = 5
_TABLE_ROW = re.compile(r"<td><a href=\"/dashboard/leads/\d+\">")


class HireForm:
    """Hire-form posts with unique emails. Each client GETs the form once for its session's
    CSRF token and signed render stamp (both stay valid for the session), so the timed
    requests are the POSTs alone, each a new lead; `accepted` counts the 302s, to check
    against the leads in the database afterwards."""

    def __init__(self, dataset: Dataset, tag: str):
        self.domains = dataset.company_domains
        self.tag = tag
        self.numbers = itertools.count(1)
        self.accepted = 0
        self._lock = threading.Lock()

    def prepare(self, client: Client) -> None:
        client.hidden_fields("/hire")

    def form(self, number: int) -> dict:
        """A complete, valid form (no CSRF fields) with a unique email."""
        rng = random.Random(number)
        return {
            "nickname": "",
            "first_name": rng.choice(["Maya", "Noah", "Iris", "Tomás", "Wei"]),
            "last_name": rng.choice(["Okoro", "Lindqvist", "Haddad", "Moreau"]),
            "company": "Bench Co",
            "email": f"bench-{self.tag}-{number}@{rng.choice(self.domains)}",
            "roles": rng.sample(["Back-end", "Front-end", "Data", "DevOps"], 2),
            "headcount": str(rng.randint(1, 12)),
            "start_timeline": "within_month",
            "consent": "y",
            "message": "Two senior engineers for a payments platform, remote is fine.",
        }

    def post(self, client: Client) -> Response:
        form = {**self.form(next(self.numbers)), **client.fields}
        response = client.request("POST", "/hire", form)
        if response.status == 302:
            with self._lock:
                self.accepted += 1
        return response


def bare_post(client: Client) -> Response:
    return client.request("POST", "/ping", {"email": "someone@example.com"})


def no_preparation(_client: Client) -> None:
    return None


def post_paths(
    app_port: int,
    bare_port: int,
    hire: HireForm,
    rate: float,
    seconds: float,
    clients: int,
    max_seconds: float,
) -> dict[str, Result]:
    """Hire POST and the bare endpoint at a steady rate, then each flat out."""
    warm = Client(app_port)
    hire.prepare(warm)
    for _ in range(WARM_UP_REQUESTS):
        answer = hire.post(warm)
        if answer.status != 302:
            raise RuntimeError(f"POST /hire answered {answer.status}:\n{answer.body[:2000]}")
    warm.close()
    return {
        "hire_steady": open_loop(app_port, hire.post, 302, rate, seconds, hire.prepare),
        "bare_steady": open_loop(bare_port, bare_post, 204, rate, seconds, no_preparation),
        "hire_max": closed_loop(app_port, hire.post, 302, max_seconds, hire.prepare, clients),
        "bare_max": closed_loop(bare_port, bare_post, 204, max_seconds, no_preparation, clients),
    }


def log_in(client: Client, email: str, password: str) -> None:
    fields = client.hidden_fields("/login")
    form = {"email": email, "password": password, "csrf_token": fields["csrf_token"]}
    answer = client.request("POST", "/login", form)
    if answer.status != 302 or "/login" in answer.headers.get("Location", ""):
        raise RuntimeError(f"login as {email} failed ({answer.status})")


def list_pages(dataset: Dataset, common_prefix: str, two_words: str) -> dict[str, str]:
    """The list URLs measured, by name."""
    return {
        "first page": "/dashboard/leads",
        f"page {dataset.deep_depth:,} rows deep": "/dashboard/leads?"
        + urlencode({"cursor": dataset.deep_cursor}),
        "status=qualified": "/dashboard/leads?status=qualified",
        f"search q={common_prefix}": "/dashboard/leads?" + urlencode({"q": common_prefix}),
        f"search q={two_words}": "/dashboard/leads?" + urlencode({"q": two_words}),
    }


def has_rows(response: Response) -> bool:
    """A list page that shows leads: a fast empty page would prove nothing."""
    return _TABLE_ROW.search(response.body) is not None


def lead_lists(port: int, dataset: Dataset, pages: dict[str, str], count: int) -> dict:
    """Each page `count` times in a row by one logged-in sales user."""
    client = Client(port)
    log_in(client, dataset.sales_emails[0], dataset.password)
    results = {}
    for name, path in pages.items():
        sequential(client, path, WARM_UP_REQUESTS, has_rows)
        results[name] = sequential(client, path, count, has_rows)
    client.close()
    return results
