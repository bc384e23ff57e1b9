"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

Playwright's own browser download cannot work here, so we launch /usr/bin/chromium (override with
ACADEMY_CHROMIUM). Without it the tests are skipped with a line that says how to install it.
Screenshots go to test-artifacts/ (ignored by git; CI keeps them).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from tests.factories import PASSWORD
from tests.live import serving

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "tests" / "browser" / "vendor" / "axe.min.js"
CHROMIUM = os.environ.get("ACADEMY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


REQUIRED = os.environ.get("ACADEMY_REQUIRE_BROWSER") == "1"  # set by CI: a skip would hide a gap


def skip_or_fail(reason: str) -> None:
    if REQUIRED:
        pytest.fail(reason + " (ACADEMY_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """When a browser test fails, what every thread of this process (the live server's among them)
    was doing at that moment, in the report: a page that never came is otherwise only a timeout."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed and call.when == "call":  # (a conftest's hook sees only the tests below it)
        report.sections.append(("threads when it failed", thread_stacks()))


def thread_stacks() -> str:
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    return "\n".join(
        f"--- {names.get(ident, ident)}\n" + "".join(traceback.format_stack(frame))
        for ident, frame in sys._current_frames().items()
    )


@pytest.fixture(scope="session")
def live_server(app: FastAPI) -> Iterator[str]:
    with serving(app) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM}: install it with `sudo apt-get install chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright is not installed: run `make test`, which installs the dev extras")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def _open_page(browser: Any, request: pytest.FixtureRequest, *, javascript: bool) -> Iterator[Any]:
    context = browser.new_context(
        java_script_enabled=javascript,
        viewport={"width": 360, "height": 780},
        locale="ru-RU",
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    yield from _open_page(browser, request, javascript=True)


@pytest.fixture
def page_without_js(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    yield from _open_page(browser, request, javascript=False)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0-2.2 A and AA rules) on the page; return the serious and critical ones."""
    if not AXE.exists():
        skip_or_fail(
            f"axe-core is missing at {AXE}: run `make test` (it fetches the pinned release with npm)"
        )
    # Evaluated through the DevTools protocol, which the page's CSP (rightly) does not let a <script> do.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def sign_in(page: Any, live_server: str, email: str, password: str = PASSWORD) -> None:
    page.goto(live_server + "/login")
    page.fill("#field-email", email)
    page.fill("#field-password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
