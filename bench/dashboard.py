"""The operators' dashboard: state change → browser, and the fleet grid's load time.

    .venv/bin/python bench/dashboard.py [--changes 40] [--sizes 31,3000] [--quick]

A real hub process, lightweight simulated agents (real WebSocket clients speaking the
link protocol, appliance.hub.simagent, as bench/hub.py) and a real Chromium (Playwright,
Debian's chromium) logged in on the fleet grid:

- state change → browser: a simulated room's health flips (a heartbeat sent at t0); a
  MutationObserver in the page stamps the moment its tile's colour changes (Date.now(),
  the same wall clock on one machine); median and p95 against DESIGN.md §7's 1 s;
- the grid's load time at each size: from navigation until every tile is on the page
  (all rooms listed, grouped, coloured), and until the first screen's details and
  pictures are in (details load only for tiles on screen).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hub import _provision, _raise_fd_limit  # bench/hub.py: rooms + secrets in one go
from report import record

from appliance.hub.settings import DB_FILE
from appliance.hub.simagent import SimAgent
from appliance.hub.store import Store
from tests.support.hub import TEST_PASSWORD, free_port, hub_process

TARGET_S = 1.0  # DESIGN.md §7: state change → operator's browser ≤ 1 s
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
CONNECT_BATCH = 200
WATCH = """() => {
  window.__changes = {};
  new MutationObserver((records) => {
    for (const r of records) {
      const room = r.target.dataset && r.target.dataset.room;
      if (room) window.__changes[room] = Date.now() / 1000;
    }
  }).observe(document.getElementById("fleet"), {subtree: true, attributes: true, attributeFilter: ["class"]});
}"""


async def _admin(db: Path) -> None:
    store = await Store.open(f"sqlite:///{db}", upgrade=False)
    try:
        await store.create_user("bench-admin", TEST_PASSWORD, "admin")
    finally:
        await store.close()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def bench(args: argparse.Namespace) -> None:
    from playwright.async_api import async_playwright

    _raise_fd_limit()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-dash-") as tmp:
        state = Path(tmp) / "hub"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        agents: list[SimAgent] = []
        with hub_process(state, port):
            db = state / DB_FILE
            await _admin(db)
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                # bypass_csp: the bench's own probes are evaluated strings (the page's CSP
                # forbids eval for the page itself, rightly).
                context = await browser.new_context(
                    viewport={"width": 1366, "height": 768}, bypass_csp=True
                )
                page = await context.new_page()
                await page.goto(f"{base}/login")
                await page.fill("#username", "bench-admin")
                await page.fill("#password", TEST_PASSWORD)
                await page.click("button[type=submit]")
                await page.wait_for_selector("#user")
                try:
                    for size in sizes:
                        secrets = await asyncio.to_thread(_provision, db, len(agents) + 1, size)
                        new = [
                            SimAgent(r, s, f"ws://127.0.0.1:{port}/api/v1/link", heartbeat_s=1e9,
                                     ping_interval_s=None, open_timeout_s=120)
                            for r, s in secrets.items()
                        ]  # fmt: skip
                        for i in range(0, len(new), CONNECT_BATCH):
                            batch = new[i : i + CONNECT_BATCH]
                            await asyncio.gather(*(a.start(timeout_s=300) for a in batch))
                        agents.extend(new)
                        started = time.perf_counter()
                        await page.goto(f"{base}/")
                        await page.wait_for_function(
                            f"document.querySelectorAll('.tile').length === {size} && "
                            "document.getElementById('fleet').getAttribute('aria-busy') === 'false'",
                            timeout=300_000,
                        )
                        tiles_s = time.perf_counter() - started
                        await page.wait_for_function(
                            "[...document.querySelectorAll('.tile')].slice(0, 2)"
                            ".every((t) => t.querySelector('.thumb').dataset.loaded)",
                            timeout=300_000,
                        )
                        screen_s = time.perf_counter() - started
                        print(f"fleet grid, {size:5d} rooms: all tiles {tiles_s:6.2f} s, "
                              f"first screen with pictures {screen_s:6.2f} s")  # fmt: skip
                        record(f"dashboard.grid_load.{size}", tiles_s, "s",
                               title=f"Fleet grid load, {size} rooms (all tiles)",
                               series="dashboard", point=size)  # fmt: skip
                    # State change → browser, on the grid as it stands (the last size).
                    await page.evaluate(WATCH)
                    latencies: list[float] = []
                    for n in range(args.changes):
                        agent = agents[(n * 7919) % len(agents)]
                        agent.health = "error" if agent.health == "healthy" else "healthy"
                        await page.evaluate(f"delete window.__changes['{agent.room_id}']")
                        t0 = time.time()
                        await agent.heartbeat()
                        seen = await page.wait_for_function(
                            f"window.__changes['{agent.room_id}']", timeout=30_000
                        )
                        latencies.append(float(await seen.json_value()) - t0)
                    med, p95 = statistics.median(latencies), _pct(latencies, 0.95)
                    print(f"state change → browser ({len(agents)} rooms on the grid, "
                          f"{len(latencies)} changes): median {med * 1000:.0f} ms, "
                          f"p95 {p95 * 1000:.0f} ms; target ≤ {TARGET_S:.0f} s → "
                          f"ratio {med / TARGET_S:.3f} (p95 {p95 / TARGET_S:.3f})")  # fmt: skip
                    record("dashboard.change_to_browser.median", med, "s", target=TARGET_S,
                           title="State change → operator's browser, median")  # fmt: skip
                    record("dashboard.change_to_browser.p95", p95, "s", target=TARGET_S,
                           title="State change → operator's browser, p95")  # fmt: skip
                finally:
                    await browser.close()
                    for i in range(0, len(agents), CONNECT_BATCH):
                        with contextlib.suppress(Exception):
                            await asyncio.gather(*(a.stop() for a in agents[i : i + CONNECT_BATCH]))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--sizes", default="31,3000")
    parser.add_argument("--quick", action="store_true", help="31 rooms, 10 changes")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.changes = "31", 10
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
