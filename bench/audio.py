"""Room audio: how long the speaker→microphone loopback test takes, and where the time goes.

    .venv/bin/python bench/audio.py [--runs 10] [--chirp] [--real --speaker S --mic M]

By default it starts the simulated room (drivers/audio/simulator.py: user-mode PulseAudio,
null sink as the room) in this process and runs the readiness check's loopback test
--runs times, then prints per part: input start-up (open the microphone → first block),
pre-roll (room noise reference), play (open the speaker, the tone, the padding, drain),
tail (recording after the speaker finished), analysis, and the total — median, min and max
over the runs, plus the first (cold) run on its own. Also the measured path latency and
the time to the first live level reading. --real measures the current sound system
(e.g. on a room PC) with the named devices instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
from dataclasses import asdict

from drivers.audio import LevelMeter, LoopbackResult, loopback_test
from drivers.audio.simulator import RoomAudioSimulator

PARTS = ("input_start_s", "preroll_s", "play_s", "tail_s", "analysis_s", "total_s")


async def _runs(speaker: str, mic: str, runs: int, chirp: bool) -> list[LoopbackResult]:
    results = []
    for _ in range(runs):
        results.append(await loopback_test(speaker, mic, chirp=chirp))
    return results


async def _first_level(mic: str) -> tuple[float, float]:
    t0 = time.monotonic()
    async with LevelMeter(mic) as meter:
        opened = time.monotonic() - t0
        async with contextlib.aclosing(meter.readings(0.1)) as stream:
            async for _reading in stream:
                break
    return opened, time.monotonic() - t0


def _row(name: str, values: list[float], unit_scale: float = 1000.0) -> str:
    med = statistics.median(values) * unit_scale
    return (
        f"  {name:<16} median {med:8.1f} ms   min {min(values) * unit_scale:8.1f}   "
        f"max {max(values) * unit_scale:8.1f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--chirp", action="store_true", help="precede the tone with a chirp")
    ap.add_argument("--real", action="store_true", help="use the current sound system")
    ap.add_argument("--speaker", default="Room Speaker")
    ap.add_argument("--mic", default="Room Mic")
    args = ap.parse_args()

    sim = None
    if not args.real:
        t0 = time.monotonic()
        sim = RoomAudioSimulator()
        sim.start()
        started = time.monotonic() - t0
        sim.activate()
        print(f"simulated room: server up in {started * 1000:.0f} ms (pid {sim.pid})")
    try:
        results = asyncio.run(_runs(args.speaker, args.mic, args.runs + 1, args.chirp))
        opened, first = asyncio.run(_first_level(args.mic))
    finally:
        if sim is not None:
            sim.stop()

    cold, warm = results[0], results[1:]
    statuses = [r.status.value for r in results]
    print(f"loopback test {args.speaker!r} → {args.mic!r}, {args.runs} runs after 1 cold run")
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    print(f"  statuses: {counts}")
    print(
        "  cold run: "
        + ", ".join(f"{k[:-2]} {v * 1000:.0f} ms" for k, v in asdict(cold.timings).items())
    )
    for part in PARTS:
        print(_row(part[:-2], [getattr(r.timings, part) for r in warm]))
    latencies = [r.latency_ms for r in warm if r.latency_ms is not None]
    if latencies:
        print(
            f"  path latency     median {statistics.median(latencies):8.2f} ms   "
            f"min {min(latencies):8.2f}   max {max(latencies):8.2f}"
        )
    freqs = [r.freq_hz for r in warm if r.freq_hz is not None]
    if freqs:
        print(f"  detected freq    median {statistics.median(freqs):8.2f} Hz")
    print(
        f"level meter: open {opened * 1000:.0f} ms, first 0.1 s reading after {first * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
