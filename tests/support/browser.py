"""A real Chromium for the dashboard tests: Playwright driving Debian's ``chromium``
(PLATFORM.md Infra 5; never ``playwright install``: nothing is downloaded at run time).

    with launch_chromium() as browser: ...
    outside = outside_requests(page, hub_url)    # every request that left the hub

If Chromium or the Playwright package is missing the test FAILS naming what to install.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page
else:
    try:
        from playwright.sync_api import Browser, BrowserContext, Page, expect
    except ImportError:  # named in launch_chromium's failure
        Browser = BrowserContext = Page = expect = None

if TYPE_CHECKING:
    from playwright.sync_api import expect

# axe-core 4.10.3 (MPL-2.0, Deque Systems), vendored for the accessibility scans: run in
# the page by the tests only, never served by the hub.
AXE_PATH = Path(__file__).resolve().parent / "vendor" / "axe-4.10.3.min.js"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]  # fmt: skip


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    if Browser is None:
        pytest.fail("the dashboard tests need Playwright: pip install playwright (make venv)")
    path = shutil.which("chromium") or CHROMIUM
    if not Path(path).exists():
        pytest.fail("the dashboard tests need Chromium: apt-get install chromium", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


LOGIN_TIMEOUT_MS = 60_000
# The screen an operator works at (issue 12: works at 1366×768).
VIEWPORT = {"width": 1366, "height": 768}


def dashboard_context(browser: Browser, hub_url: str, *, lang: str = "vi") -> BrowserContext:
    """A browser context on the hub at 1366×768 in ``lang``. bypass_csp: the tests inject
    axe-core; the hub's own pages load only their own scripts (outside_requests and the
    CSP header test check that)."""
    return browser.new_context(viewport=VIEWPORT, base_url=hub_url, locale=lang, bypass_csp=True)


def login(page: Page, user: str, password: str) -> None:
    """Log in through the login page and wait until the header names the user."""
    page.goto("/login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("button[type=submit]")
    # The answer waits for an argon2id check (~50 ms of a free core, passwords.py): with
    # the suite's other hubs, agents and browsers on the same 2 cores, Playwright's 5 s
    # default passed before it (a failed login shows no #user and still fails here).
    expect(page.locator("#user")).to_have_text(user, timeout=LOGIN_TIMEOUT_MS)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical accessibility violations axe-core finds in the page."""
    page.add_script_tag(path=str(AXE_PATH))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def artifacts_folder(tmp_path: Path) -> Path:
    """Where screenshots go: $DASHBOARD_ARTIFACTS (CI keeps them), else the test's tmp."""
    folder = Path(os.environ.get("DASHBOARD_ARTIFACTS", str(tmp_path)))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# `make docs-shots`: the guides' pictures (docs/img) come from these same tests.
DOCS_SHOTS_ENV = "APPLIANCE_DOCS_SHOTS"


def docs_shot(
    page: Page,
    name: str,
    *,
    english: str | None = None,
    ready: Callable[[Page], None] | None = None,
    full_page: bool = False,
) -> list[Path]:
    """When ``$APPLIANCE_DOCS_SHOTS`` names a folder, save the page as the test sees it
    there as ``<name>.<lang>.png`` (the page's own language, Vietnamese in these tests);
    with ``english`` (a path of the hub) also the same screen in English, opened in a
    second tab of the same session and made ready by ``ready`` (the test's page is left
    as it was; the language cookie is put back to Vietnamese). Unset: nothing happens.
    Returns the files written."""
    target = os.environ.get(DOCS_SHOTS_ENV)
    if not target:
        return []
    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    lang = page.evaluate("document.documentElement.lang") or "vi"
    written = [folder / f"{name}.{lang}.png"]
    page.screenshot(path=str(written[0]), full_page=full_page)
    if english is not None:
        context = page.context
        origin = page.evaluate("location.origin")
        context.add_cookies([{"name": "hub_lang", "value": "en", "url": f"{origin}/"}])
        other = context.new_page()
        try:
            other.goto(english)
            expect(other.locator("html")).to_have_attribute("lang", "en")
            if ready is not None:
                ready(other)
            written.append(folder / f"{name}.en.png")
            other.screenshot(path=str(written[-1]), full_page=full_page)
        finally:
            other.close()
            context.add_cookies([{"name": "hub_lang", "value": lang, "url": f"{origin}/"}])
    return written


def outside_requests(page: Page, base_url: str) -> list[str]:
    """Record every request of ``page`` that goes anywhere but the hub (data:/blob: are
    local). The returned list fills as the page runs; the test asserts it stays empty."""
    seen: list[str] = []

    def on_request(request: object) -> None:
        url = str(getattr(request, "url", ""))
        if not (url.startswith(base_url) or url.startswith(("data:", "blob:", "about:"))):
            seen.append(url)

    page.on("request", on_request)
    return seen


__all__ = [
    "AXE_PATH",
    "VIEWPORT",
    "Browser",
    "BrowserContext",
    "Page",
    "artifacts_folder",
    "axe_violations",
    "dashboard_context",
    "docs_shot",
    "expect",
    "launch_chromium",
    "login",
    "outside_requests",
]
