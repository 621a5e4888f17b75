"""What PortAudio costs in resident memory, and what ``drivers.audio`` gives back after use.

    .venv/bin/python bench/audio_memory.py [--readings 5]

Starts the simulated PulseAudio room in this process and prints this process's RSS
(/proc/self/status VmRSS) at each stage: drivers.audio imported (numpy loaded), with a
microphone stream open (PortAudio loaded and initialised), after that reading (the last
stream closed: PortAudio terminated and unloaded), after a loopback test, after more
readings (nothing accumulates), and whether libportaudio is still mapped. The agent's
figure is bench/agent.py's "RSS after a level reading" (DESIGN.md §7: idle ≤ 80 MB).
What stays after the release: numpy (once imported, never unloaded) and libpulse with its
libraries, which are linked NODELETE (``readelf -d libpulse.so.0``: FLAGS_1 NODELETE).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from drivers.audio import LevelMeter, loopback_test, measure_level
from drivers.audio.simulator import RoomAudioSimulator


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _portaudio_mapped() -> bool:
    return "libportaudio" in Path("/proc/self/maps").read_text()


async def _stages(readings: int) -> list[tuple[str, float, bool]]:
    import drivers.audio.levels  # numpy and the audio modules, no PortAudio yet

    assert drivers.audio.levels
    rows = [("drivers.audio imported (numpy)", _rss_mb(), _portaudio_mapped())]
    async with LevelMeter("Room Mic") as meter:
        await meter.read(0.3)
        rows.append(("microphone stream open", _rss_mb(), _portaudio_mapped()))
    rows.append(("after the reading (released)", _rss_mb(), _portaudio_mapped()))
    await loopback_test("Room Speaker", "Room Mic")
    rows.append(("after a loopback test", _rss_mb(), _portaudio_mapped()))
    for _ in range(readings):
        await measure_level("Room Mic", 0.2)
    rows.append((f"after {readings} more readings", _rss_mb(), _portaudio_mapped()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=5)
    args = parser.parse_args()
    with RoomAudioSimulator():
        rows = asyncio.run(_stages(args.readings))
    base = rows[0][1]
    for stage, rss, mapped in rows:
        print(f"{stage:34s} {rss:6.1f} MB  ({rss - base:+5.1f})  libportaudio mapped: {mapped}")
    loaded, released = rows[1][1], rows[2][1]
    print(f"given back by the release          {loaded - released:6.1f} MB")


if __name__ == "__main__":
    main()
