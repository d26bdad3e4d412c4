"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Chromium is not downloaded by Playwright; the system one at /usr/bin/chromium is used. Where it is
missing the tests skip on a developer machine and fail with ATELIER_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from tests.conftest import missing_service, seed_demo_reusing_art

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BLOCKING_IMPACTS = {"serious", "critical"}
EXPECTED_CONSOLE_ERRORS = ("Failed to load resource", "htmx:afterRequest, ", "htmx:afterOnLoad, ", "htmx:sendAbort, ",
                           "Framing ")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        missing_service(f"Chromium: {CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in the test thread, which makes Django's
    # async-safety check refuse every ORM call the tests make (seeding, a superuser, lookups).
    # Nothing is actually asynchronous, so the check is off exactly while Playwright runs.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class _InFlight:
    """WSGI wrapper that counts the requests being served (the response body included), so that a
    test waits for the last one before its tables are flushed: a flush (TRUNCATE) that meets a
    request still writing deadlocks with it."""

    def __init__(self) -> None:
        self.app = None
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.count += 1
        try:
            result = self.app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            with self.changed:
                self.count -= 1
                self.changed.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count == 0, timeout)


class _OneRequestAtATime:
    """WSGI wrapper that serves one request at a time, the response body included.

    With SQLite in memory, every thread of the live server shares the test's one connection, and
    a browser loading several previews at once makes them collide ("cannot open savepoint - SQL
    statements in progress"). That is an artefact of the shared test connection, not of the site.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            result = self.app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                if hasattr(result, "close"):
                    result.close()


@pytest.fixture(scope="session")
def live_server(request, django_db_setup):
    """pytest-django's live server (static files from the finders, threaded), made safe for a
    shared in-memory SQLite connection by serving one request at a time."""
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    server = LiveServer(addr, start=False)
    static_handler = server.thread.static_handler
    one_at_a_time = bool(server.thread.connections_override)
    server.in_flight = _InFlight()

    def handler(app):
        app = static_handler(app)
        server.in_flight.app = _OneRequestAtATime(app) if one_at_a_time else app
        return server.in_flight

    server.thread.static_handler = handler
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _in_process_tasks(settings):
    """The live server runs its tasks in this process. Beside a real worker (.ci/run starts one
    for the worker tests, and it lives to the end of the session) a task a browser test queued
    could still be running against the test's tables while they are flushed after it, and the
    flush then deadlocks with it. The worker itself is proven by the tests that start it and by
    the fault scripts."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def demo_catalog(transactional_db, settings, demo_layer_cache):
    """The seeded demo catalog (city car, sneaker, trench coat) in this test's database and media."""
    return seed_demo_reusing_art(settings.MEDIA_ROOT, demo_layer_cache)


@pytest.fixture
def browser_problems() -> list[str]:
    """HTTP errors, uncaught page errors and console errors seen by any context of the test."""
    return []


@pytest.fixture
def new_context(browser, live_server, browser_problems):
    """Opens fresh browser contexts (own cookies, like a separate visitor) on the live server."""
    contexts = []

    def on_response(response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            browser_problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def on_console(message) -> None:
        # Anything logged as an error (htmx's own complaints, a Content Security Policy refusal)
        # is a problem, except what is reported otherwise or on purpose: a failed load (reported
        # above with its status), a request htmx aborts by design (hx-sync replaces a request in
        # flight, and htmx logs that as an error) and a page refusing to be framed (test_sharing
        # frames one to prove it).
        if message.type == "error" and not message.text.startswith(EXPECTED_CONSOLE_ERRORS):
            browser_problems.append(f"console error: {message.text}")

    def open_context(**options):
        options = {"base_url": live_server.url, "locale": "en-GB", "viewport": {"width": 1280, "height": 900}, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        context.on("response", on_response)
        context.on("weberror", lambda error: browser_problems.append(f"page error: {error.error}"))
        context.on("console", on_console)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
    # Before the test's tables are flushed: the live server's last requests are answered and the
    # clicks' events they left in the write-behind buffer are written (the writer thread stops,
    # and starts again with the next click).
    live_server.in_flight.wait_idle()
    from personalization.writebehind import buffer

    buffer.stop()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


class Screenshots:
    """Saves numbered full-page screenshots: <ATELIER_ARTIFACTS>/screenshots/NN-step-name.png,
    numbered across the session so the files read in the order the steps ran."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, page, name: str) -> Path:
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def screenshot() -> Screenshots:
    folder = Path(os.environ.get("ATELIER_ARTIFACTS", "artifacts")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("[0-9][0-9]-*.png"):  # from an earlier run; the numbering restarts
        stale.unlink()
    return Screenshots(folder)


def _describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """Runs axe-core on the page; fails on any serious or critical violation, listing them all."""

    def check(page, where: str) -> list[dict]:
        violations = axe.run(page).response["violations"]
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"axe found serious/critical violations on {where}:\n{_describe(blocking)}"
        return violations

    return check


def open_step(page, step: str) -> None:
    """Opens a step of the studio's stepper (its tab: one step is open at a time), unless it is
    open already; with JavaScript off the tab is a link to the page with that step open."""
    if page.locator(f"#panel-{step}").is_hidden():
        page.locator(f"#tab-{step}").click()
        page.locator(f"#panel-{step}").wait_for(state="visible")


def htmx_clicked(response) -> bool:
    return "/configure/" in response.url and response.request.headers.get("hx-request") == "true"


def htmx_answered(page, act) -> None:
    """Does `act` (which sends one htmx request from the studio) and waits until htmx has swapped
    its answer into the page: the response arrives before the page shows it, so a test that reads
    the page right after the response can read the page from before the click."""
    page.evaluate("""() => { window.htmxSettled = false; document.body.addEventListener(
        'htmx:afterSettle', () => { window.htmxSettled = true; }, {once: true}); }""")
    with page.expect_response(htmx_clicked):
        act()
    page.wait_for_function("() => window.htmxSettled")
