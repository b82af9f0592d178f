"""The board in a real browser: Debian's Chromium driven by Playwright, against live_server.

live_server runs the board in a thread of this process, so the settings fixture (and
tests/conftest.py's autouse board_settings) applies to the pages the browser loads. Screenshots
go to test-artifacts/screenshots/. Without Chromium or the playwright package every test here
is skipped, and the run says so in one line.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parent.parent / "test-artifacts" / "screenshots"
AXE = HERE / "vendor" / "axe.min.js"
CHROMIUM = os.environ.get("BOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
]
# pytest-django's live server listens here (its default is "localhost").
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Every wait is bounded: a page that never answers fails the test instead of hanging the run.
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 20_000


def has_playwright() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


HAS_PLAYWRIGHT = has_playwright()
if not HAS_PLAYWRIGHT:
    SKIP_REASON = (
        "browser tests skipped: install the test extras (pip install -e '.[test]') "
        "and Chromium (apt-get install chromium) to run them"
    )
elif not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
    SKIP_REASON = (
        "browser tests skipped: install Chromium (apt-get install chromium) to run them, "
        f"or point BOARD_CHROMIUM at a Chromium binary (looked for {CHROMIUM})"
    )
else:
    SKIP_REASON = None
# The test modules import Playwright: without it they are not even collected.
collect_ignore_glob = [] if HAS_PLAYWRIGHT else ["test_*.py"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
            if SKIP_REASON:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    # One line for the whole folder, however many tests it skipped.
    if SKIP_REASON:
        terminalreporter.write_line(SKIP_REASON, yellow=True)


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread between calls, which
    # Django would take for async code: the tests' ORM calls are plain synchronous code. The
    # package scope stops the loop (and this allowance) once the browser tests are done.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def emptying_statements(ops, tables) -> list[str]:
    # Django's FKs are deferrable: inside one transaction the tables empty in any order.
    return ["SET CONSTRAINTS ALL DEFERRED", *(f"DELETE FROM {ops.quote_name(t)}" for t in tables)]


@pytest.fixture(scope="package", autouse=True)
def flush_by_delete():
    """The live server's tests end by flushing every table (pytest-django's transactional_db).
    Django flushes PostgreSQL with one TRUNCATE of a hundred tables, which creates new files
    for each and took seconds per test on a busy disk; the tables here hold a few rows, so a
    DELETE of each, in the flush's one transaction, empties them in a fraction of that. Same
    result: empty tables, sequences left as they are (the flush resets none here either)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return emptying_statements(self, tables)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


class Tab:
    """A browser page plus what the tests need around it: console errors and screenshots."""

    def __init__(self, page, name: str, base_url: str):
        self.page = page
        self.base_url = base_url
        self.name = name
        self.step = 0
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message):
        url = message.location.get("url", "")
        if url.endswith("/favicon.ico") and "/admin/" in self.page.url:
            return  # Django's admin templates name no icon; the board's pages do
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def snap(self, label: str) -> None:
        """Keeps a full-page screenshot at desktop and at phone width, and checks that the
        page does not scroll sideways on a phone."""
        self.step += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        stem = f"{self.name}-{self.step:02d}-{slug}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page = self.page
        page.screenshot(path=SCREENSHOTS / f"{stem}-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        try:
            page.screenshot(path=SCREENSHOTS / f"{stem}-phone.png", full_page=True)
            fits = page.evaluate(
                "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
            )
            assert fits, f"{label}: the page scrolls sideways at {PHONE['width']} px ({stem})"
        finally:
            page.set_viewport_size(DESKTOP)


def open_tab(browser, live_server, request, **context_options):
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, **context_options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    request.addfinalizer(context.close)
    name = request.node.name.removeprefix("test_")
    name = re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-")
    return Tab(context.new_page(), name, live_server.url)


@pytest.fixture
def tab(browser, live_server, request):
    """A fresh browser (its own cookies) on the live board; fails the test on console errors,
    such as a script or style the Content-Security-Policy blocks."""
    opened = open_tab(browser, live_server, request)
    yield opened
    assert not opened.errors, "\n".join(opened.errors)


@pytest.fixture
def second_tab(browser, live_server, request):
    """Another browser with cookies of its own, for a second person (a moderator)."""
    opened = open_tab(browser, live_server, request)
    opened.name += "-second"
    yield opened
    assert not opened.errors, "\n".join(opened.errors)


@pytest.fixture
def axe_tab(browser, live_server, request):
    """A browser that lets the test inject axe-core, which the board's CSP (rightly) forbids."""
    return open_tab(browser, live_server, request, bypass_csp=True)


@pytest.fixture
def board(transactional_db):
    """The shipped sample thread, loaded into the database the live server reads."""
    from django.core.management import call_command

    call_command("loaddata", "sample_thread", verbosity=0)


def copy_rows() -> dict[str, bytes]:
    """Every row of the board's tables, as PostgreSQL's binary COPY of each table that has
    any (generated columns, such as the search vectors, are left out and recomputed on load)."""
    from django.db import connection

    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(only_existing=True):
            name = connection.ops.quote_name(table)
            with cursor.cursor.copy(f"COPY {name} TO STDOUT (FORMAT binary)") as copy:
                data = b"".join(bytes(block) for block in copy)
            cursor.execute(f"SELECT EXISTS (SELECT FROM {name})")
            if cursor.fetchone()[0]:
                rows[table] = data
    return rows


def put_back_rows(rows: dict[str, bytes]) -> None:
    """Makes the database hold exactly `rows` (from copy_rows) again, in one transaction: the
    foreign keys are deferred, so the tables empty and load in any order. Sequences stay ahead,
    so new rows never take a copied row's id."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    tables = connection.introspection.django_table_names(only_existing=True)
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in emptying_statements(connection.ops, tables):  # as flush_by_delete
            cursor.execute(statement)
        for table, data in rows.items():
            name = connection.ops.quote_name(table)
            with cursor.cursor.copy(f"COPY {name} FROM STDIN (FORMAT binary)") as copy:
                copy.write(data)
    # The flush before re-created the content types under new ids, and this process (the
    # live server's threads too) may have cached those.
    ContentType.objects.clear_cache()


def log_in(tab: Tab, user) -> None:
    """Starts a session for `user` in the tab's browser without going through the form
    (the registration test goes through the form)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    tab.page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": tab.base_url}])
