"""Browser tests: Debian's Chromium driven by Playwright against the live test server on
PostgreSQL. Every page a test visits is checked by axe-core at phone and desktop sizes
(`Browser.visit`), and the main steps are saved as screenshots in build/screenshots.

Playwright's own browser download is never used (it fails offline): the tests launch the
system's Chromium (`apt-get install chromium`), or Google Chrome, found on PATH or in
/Applications; CHROMIUM names another binary.
"""

import importlib
import os
from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Browser as Chromium
from playwright.sync_api import sync_playwright

from tests.browser.chromium import find_chromium
from tests.browser.visitor import BROWSER_NOW, Visitor

# Playwright's synchronous API runs an event loop in the test's thread; the test's own
# database calls there are ordinary blocking calls, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker("browser")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    try:
        executable, missing = find_chromium(dict(os.environ)), ""
    except LookupError as error:
        executable, missing = None, str(error)
    if executable is None:  # failed outside the except block: the one line, no traceback
        pytest.fail(missing, pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield browser
        browser.close()


# The data migrations' rows (the public pages, the consent text, the outcome instruments)
# are lost when an earlier transactional test flushes the database: seed them again.
SEEDS = [
    ("clinic.migrations.0002_public_pages", "create_pages"),
    ("patients.migrations.0003_consent_text_and_roles", "seed_consent"),
    ("patients.migrations.0007_instruments_points_aftercare", "seed"),
    ("patients.migrations.0011_follow_up_surveys", "add_default_intervals"),
]


@pytest.fixture(autouse=True)
def _seeded(transactional_db) -> None:
    from django.apps import apps

    from clinic.models import Page

    if Page.objects.exists():
        return
    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def clock() -> Iterator[None]:
    """The server's clock, ticking from a Monday morning in winter (GMT = UTC), so every
    run sees the same week whatever day it runs on. Chromium keeps its own clock; nothing
    in the pages depends on it."""
    with time_machine.travel(BROWSER_NOW, tick=True):
        yield


@pytest.fixture
def visitor(chromium, live_server, clock, request) -> Iterator[Visitor]:
    """A visitor at desktop size with JavaScript on; `visitor.phone()` etc. change it."""
    one = Visitor.start(chromium, base_url=live_server.url, name=request.node.name)
    yield one
    one.close()


@pytest.fixture
def make_visitor(chromium, live_server, clock, request) -> Iterator[object]:
    """Open more visitors (another size, JavaScript off) in the same test."""
    opened: list[Visitor] = []

    def make(*, size: str = "desktop", javascript: bool = True) -> Visitor:
        opened.append(
            Visitor.start(
                chromium,
                base_url=live_server.url,
                name=f"{request.node.name}-{size}",
                size=size,
                javascript=javascript,
            )
        )
        return opened[-1]

    yield make
    for one in opened:
        one.close()
