"""Room display: render time, show → picture on screen, clock swap, CEC round trips.

    .venv/bin/python bench/display.py [--runs 10]

Runs the production VlcDisplay against a virtual screen (Xvfb 1920×1080, simulator) and
prints medians (min–max):

- render + PNG write of the bars and the slate at 1920×1080 (our code, numpy + Pillow)
- cold show: first show_pattern() of a new display (X window, libvlc instance, render,
  play) until it returns, and until the screenshot equals the rendered image exactly
- warm show: bars ↔ slate on an open display, until it returns / until on screen
- headless show (--vout=dummy) until it returns
- a bad URL (refused port) until the typed error, and a silent server until the timeout
- CEC: the real cec-client with no adapter (NOT_AVAILABLE), and the stand-in cec-client
- RSS of this process after the runs
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from drivers.display import CecDisplay, VlcDisplay, render_pattern, screenshot, write_pattern_png
from drivers.display.cec_simulator import CecClientSimulator
from drivers.display.simulator import DisplaySimulator
from drivers.display.xwindow import Geometry
from drivers.errors import DeviceError

ROOM = "Điểm cầu UBND huyện Mường Tè"
NOW = datetime(2026, 11, 22, 9, 30).astimezone()
SCREEN = Geometry(1920, 1080, 0, 0)


def _fmt(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{statistics.median(ms):7.1f} ms  ({min(ms):.1f}–{max(ms):.1f}, n={len(ms)})"


async def _until_on_screen(xdisplay: str, expected: np.ndarray, started: float) -> float:
    while time.perf_counter() - started < 10:
        shot = np.asarray(await asyncio.to_thread(screenshot, xdisplay, SCREEN))
        if np.array_equal(shot, expected):
            return time.perf_counter() - started
        await asyncio.sleep(0.01)
    raise RuntimeError("the picture never appeared")


def bench_render(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("bars", "slate"):
            times = []
            for i in range(runs):
                t = time.perf_counter()
                write_pattern_png(Path(tmp) / f"{kind}{i}.png", kind, 1920, 1080, ROOM, NOW)
                times.append(time.perf_counter() - t)
            print(f"render+PNG {kind:5s} 1920x1080     {_fmt(times)}")


async def bench_display(runs: int) -> None:
    images = {k: np.asarray(render_pattern(k, 1920, 1080, ROOM, NOW)) for k in ("bars", "slate")}
    async with DisplaySimulator() as sim:
        cold_ret, cold_screen, warm_ret, warm_screen = [], [], [], []
        for _ in range(runs):
            display = sim.make_display("bench", room_name=ROOM, clock=lambda: NOW)
            t = time.perf_counter()
            await display.show_pattern()
            cold_ret.append(time.perf_counter() - t)
            cold_screen.append(await _until_on_screen(sim.xdisplay, images["bars"], t))
            for kind in ("slate", "bars"):
                t = time.perf_counter()
                await display.show_pattern(kind)
                warm_ret.append(time.perf_counter() - t)
                warm_screen.append(await _until_on_screen(sim.xdisplay, images[kind], t))
            await display.stop()
        print(f"cold show → returned              {_fmt(cold_ret)}")
        print(f"cold show → exact on screen       {_fmt(cold_screen)}")
        print(f"warm swap → returned              {_fmt(warm_ret)}")
        print(f"warm swap → exact on screen       {_fmt(warm_screen)}")

        display = sim.make_display("bench", room_name=ROOM, open_timeout_s=1.0)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            dead = probe.getsockname()[1]
        refused = []
        for _ in range(runs):
            t = time.perf_counter()
            try:
                await display.play_url(f"http://127.0.0.1:{dead}/x.mp4")
            except DeviceError:
                refused.append(time.perf_counter() - t)
        print(f"refused URL → typed error         {_fmt(refused)}")
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            t = time.perf_counter()
            try:
                await display.play_url(f"http://127.0.0.1:{silent.getsockname()[1]}/x.mp4")
            except DeviceError:
                print(f"silent server → timeout (1 s)     {_fmt([time.perf_counter() - t])}")
        await display.stop()

    saved = os.environ.pop("DISPLAY", None)
    # Each new display would warn "no X display; VLC runs headless": expected here, say it once.
    print("no X display: the next shows run VLC headless")
    display_log = logging.getLogger("drivers.display.display")
    level = display_log.level
    display_log.setLevel(logging.ERROR)
    try:
        headless = []
        for _ in range(runs):
            display = VlcDisplay("bench", room_name=ROOM)
            t = time.perf_counter()
            await display.show_pattern()
            headless.append(time.perf_counter() - t)
            await display.stop()
        print(f"headless show → returned          {_fmt(headless)}")
    finally:
        display_log.setLevel(level)
        if saved is not None:
            os.environ["DISPLAY"] = saved


async def bench_cec(runs: int) -> None:
    real = []
    for _ in range(runs):
        t = time.perf_counter()
        status = await CecDisplay("bench").power_status()
        real.append(time.perf_counter() - t)
    print(f"cec-client, no adapter ({status})  {_fmt(real)}")
    with tempfile.TemporaryDirectory() as tmp:
        sim = CecClientSimulator(Path(tmp))
        sim.install()
        cec = CecDisplay("bench", command=sim.command)
        stub = []
        for _ in range(runs):
            t = time.perf_counter()
            await cec.power_status()
            stub.append(time.perf_counter() - t)
        print(f"stand-in cec-client, pow 0        {_fmt(stub)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))
    bench_render(args.runs)
    asyncio.run(bench_display(args.runs))
    asyncio.run(bench_cec(args.runs))
    rss_kb = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0])
    print(f"peak RSS of this process          {rss_kb / 1024:7.1f} MB")


if __name__ == "__main__":
    main()
