"""A real Chromium for the dashboard tests: Playwright driving Debian's ``chromium``
(PLATFORM.md Infra 5; never ``playwright install``: nothing is downloaded at run time).

    with launch_chromium() as browser: ...
    outside = outside_requests(page, hub_url)    # every request that left the hub

If Chromium or the Playwright package is missing the test FAILS naming what to install.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

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
    "Browser",
    "BrowserContext",
    "Page",
    "expect",
    "launch_chromium",
    "outside_requests",
]
