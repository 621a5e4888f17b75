"""Camera video figures: frame checks, preset verification, the simulator, the watchdog.

    .venv/bin/python bench/frames.py [--runs 200] [--stalls 5]

Prints, each with median and p99 over --runs and the ratio to its target:

- the full frame-check set (FrameAnalyzer.analyze: gray, histogram → black/exposure,
  Laplacian on a 960-wide copy → focus, absdiff → frozen) on a 1920×1080 frame of the
  simulated room                                      target ≤ 10 ms (DESIGN.md §7)
- preset verification on 1920×1080 frames: aligned SSIM (the default) and ORB
                                                      reference: PLATFORM.md Media 3
                                                      (SSIM 3.5 ms, ORB at 960 px 14.8 ms)
- the simulator: scene redraw, noise-only frame, JPEG encode (1920×1080 and 1280×720)
- the capture path: open → first frame of the simulator's MJPEG stream, and how long
  our watchdog takes to report a stalled stream (limit 0.5 s here)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
from collections.abc import Callable

from report import record

from drivers.video import (
    Fault,
    FrameAnalyzer,
    ManualCamera,
    SceneRenderer,
    VideoSimulator,
    VideoSource,
    verify_preset,
)
from drivers.video._cv import encode_jpeg

FRAME_CHECKS_TARGET_MS = 10.0
SSIM_REFERENCE_MS = 3.5
ORB_REFERENCE_MS = 14.8
STALL_LIMIT_S = 0.5


def _stats(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def _time(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm up (first call allocates)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return _stats(samples)


def _row(
    name: str, stats: tuple[float, float], target: float | None = None, what: str = "target"
) -> None:
    median, p99 = stats
    ratio = f"  {median / target:5.2f} × {what} {target:g} ms" if target else ""
    print(f"  {name:<44} median {median:7.2f} ms   p99 {p99:7.2f} ms{ratio}")


def bench_checks(runs: int) -> None:
    r = SceneRenderer(1920, 1080)
    frames = [r.render(-25.0, -15.0, 3.0) for _ in range(4)]  # distinct sensor noise
    analyzer = FrameAnalyzer()
    i = 0

    def one() -> None:
        nonlocal i
        analyzer.analyze(frames[i % len(frames)])
        i += 1

    print("frame checks, 1920×1080 BGR")
    stats = _time(one, runs)
    _row("full set (black, frozen, focus, exposure)", stats, FRAME_CHECKS_TARGET_MS)
    record(
        "frames.full_set.median",
        stats[0] / 1000,
        "s",
        target=FRAME_CHECKS_TARGET_MS / 1000,
        title="Frame analysis 1920×1080, full check set, median",
    )
    ref = r.render(-25.0, -15.0, 3.0)
    live = r.render(-24.9, -15.0, 3.0)  # 0.1° off: a realistic recall
    print("preset verification, 1920×1080 BGR")
    _row(
        "aligned SSIM 320×180",
        _time(lambda: verify_preset(live, ref), runs),
        SSIM_REFERENCE_MS,
        "PLATFORM",
    )
    _row("ORB 500 @ 960 px", _time(lambda: verify_preset(live, ref, method="orb"), max(20, runs // 4)),
         ORB_REFERENCE_MS, "PLATFORM")  # fmt: skip


def bench_simulator(runs: int) -> None:
    print("simulator")
    for w, h in ((1920, 1080), (1280, 720)):
        r = SceneRenderer(w, h)

        def redraw(r: SceneRenderer = r, pan: list[float] = [0.0]) -> None:  # noqa: B006 - a counter
            pan[0] += 0.01  # a moving camera: no cache hit
            r.render(pan[0], -5.0, 2.0)

        frame = r.render(0.0, -5.0, 2.0)
        _row(f"scene redraw {w}×{h}", _time(redraw, max(20, runs // 4)))
        _row(
            f"noise-only frame {w}×{h} (camera still)",
            _time(lambda r=r: r.render(0.0, -5.0, 2.0), runs),
        )
        _row(f"JPEG q80 {w}×{h}", _time(lambda f=frame: encode_jpeg(f, 80), max(20, runs // 4)))


async def bench_capture(stalls: int) -> None:
    print("capture (simulator MJPEG stream 640×360 @ 25 fps on loopback)")
    async with VideoSimulator(ManualCamera(), width=640, height=360, fps=25.0) as sim:
        opens, detects = [], []
        for _ in range(stalls):
            await sim.set_fault(Fault.NONE)
            start = time.perf_counter()
            source = VideoSource(sim.url, stall_timeout_s=STALL_LIMIT_S)
            await source.start()
            opens.append((time.perf_counter() - start) * 1000)
            await source.next_frame()
            stalled = time.perf_counter()
            await sim.set_fault(Fault.STALLED)
            await source.wait_lost()
            detects.append((time.perf_counter() - stalled) * 1000)
            await sim.set_fault(Fault.NO_SIGNAL)  # closes the connection: the reader returns
            await source.stop()
        _row("open → first frame", _stats(opens))
        _row(
            f"stall reported (limit {STALL_LIMIT_S} s)",
            _stats(detects),
            STALL_LIMIT_S * 1000,
            "limit",
        )
        print("  (OpenCV's own read blocks 9–60 s on a stalled stream, PLATFORM.md 3b)")


def main() -> None:
    logging.basicConfig(level=logging.ERROR)  # the watchdog's stall warnings are expected here
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--stalls", type=int, default=5)
    args = p.parse_args()
    bench_checks(args.runs)
    bench_simulator(args.runs)
    asyncio.run(bench_capture(args.stalls))


if __name__ == "__main__":
    main()
