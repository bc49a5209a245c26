"""Browser tests: Debian's chromium, driven by Playwright, against the app served by werkzeug
from a thread. They run in the SQLite pass only; without chromium they skip, except under
CI=true, where they fail."""

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from support import base_config
from werkzeug.serving import make_server

from application.factory import create_app
from core.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 5_000


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture runs, so the PostgreSQL pass creates no database for these."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("browser tests run in the SQLite pass")
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; browser tests must run under CI=true", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def _new_page(browser: Browser, **options):
    context = browser.new_context(locale="en-US", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser: Browser):
    context, page = _new_page(browser, viewport=DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Browser):
    """A phone-sized page (390x844, touch) to catch layouts that overflow sideways."""
    context, page = _new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    context.close()


@pytest.fixture
def new_page(browser: Browser):
    """Make desktop pages, each in a context of its own: one per person in a journey."""
    contexts = []

    def make() -> Page:
        context, page = _new_page(browser, viewport=DESKTOP)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def live_app(database_url_for_test, tmp_path):
    """An app of its own (not the `app` fixture, whose context is pushed in this thread),
    with CSRF on as a real browser posts the real form, and a short minimum fill time."""
    config = {
        **base_config(database_url_for_test),
        "WTF_CSRF_ENABLED": True,
        "FORM_MIN_SECONDS": 0.5,
    }
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    """The base URL of `live_app` served on a free port of 127.0.0.1."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    live_app.config["SITE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield live_app.config["SITE_URL"]
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture
def screenshot():
    """Save the page as tests/browser/screenshots/<name>.png (gitignored) to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def save(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def sideways_overflow():
    """How many CSS pixels the page is wider than its viewport (0 when nothing overflows)."""

    def measure(page: Page) -> int:
        return page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )

    return measure
