"""VISCA latency through the production driver at 9600 baud (DESIGN.md §7 first row).

    .venv/bin/python bench/visca_latency.py [--samples 100] [--bursts 5] [--baud 9600]

The camera simulator runs as its own process (``appliance sim visca`` on a pty, like a
camera on its own hardware); this process talks to it through ``ViscaPort`` +
``ViscaCamera`` over ``SerialTransport``. Three measurements, each printed beside its
wire-time limit — the bytes on the line (× 10 bits / baud, 8N1) plus the simulated
camera's own processing (one video frame per message, ``profile.processing_s``;
a command's completion one more frame after its ACK) — as a ratio (target ≤ 1.10):

- inquiry, raw client: the inquiry below with a bare pyserial client — the floor the
  simulator process and the OS give, without the driver;

- preset-recall ACK: ``8x 01 04 3F 02 pp FF`` until its ACK (a recall of the preset the
  head is at, so the completion follows one frame later and nothing moves);
  limit = (7 + 3) bytes + 1 frame;
- inquiry round trip: Pan-tiltPosInq (5 bytes) and its 11-byte answer + 1 frame;
- 100-command burst: 100 ``CAM_Backlight`` commands issued at once, each awaited to
  completion; with one message awaiting its first reply the next can go after an ACK, so
  limit = 100 × (6 + 3 bytes + 1 frame) + the last completion (1 frame; its bytes
  overlap nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import serial
from report import record

from drivers.visca import messages as m
from drivers.visca.camera import ViscaCamera
from drivers.visca.models import profile_for
from drivers.visca.protocol import ViscaPort
from drivers.visca.transport import transport_from_url

MODEL = "srg-300h"
BITS_PER_BYTE = 10  # 8N1: start + 8 data + stop
TARGET_RATIO = 1.10
RECALL_BYTES = 7 + 3  # 8x 01 04 3F 02 pp FF, ACK z0 4y FF
INQUIRY_BYTES = 5 + 11  # 8x 09 06 12 FF, y0 50 0w×4 0z×4 FF
BURST_COMMAND_BYTES = 6 + 3  # 8x 01 04 33 0p FF, ACK (completion bytes overlap the next command)
BURST = 100


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def timed(
    samples: int, action: Callable[[], Awaitable[None]], pause_s: float = 0.0
) -> list[float]:
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        await action()
        out.append(time.perf_counter() - start)
        if pause_s:
            await asyncio.sleep(pause_s)
    return out


def raw_round_trips(path: str, baud: int, packet: bytes, replies: int, samples: int) -> list[float]:
    """The same exchange with a bare pyserial client: simulator + OS, no driver."""
    out = []
    with serial.Serial(path, baud, timeout=2) as line:
        for _ in range(samples):
            start = time.perf_counter()
            line.write(packet)
            for _ in range(replies):
                if not line.read_until(b"\xff").endswith(b"\xff"):
                    raise SystemExit("simulator did not answer the raw client")
            out.append(time.perf_counter() - start)
            time.sleep(0.05)  # let a completion pass before the next sample
            line.reset_input_buffer()
    return out


async def measure(
    path: str, baud: int, samples: int, bursts: int
) -> list[tuple[str, list[float], float]]:
    profile = profile_for(MODEL)
    frame = profile.processing_s
    wire = BITS_PER_BYTE / baud
    inquiry_packet = m.inq_pan_tilt_pos().to_bytes(1)
    raw_inquiry = await asyncio.to_thread(raw_round_trips, path, baud, inquiry_packet, 1, samples)
    port = ViscaPort(transport_from_url(f"serial://{path}?baud={baud}", device_id="bench"))
    await port.open()
    try:
        cam = ViscaCamera(port, 1, profile, "bench-cam")
        await cam.preset_store(0)
        recall = m.memory_recall(0, profile.preset_encoding)

        async def recall_ack() -> None:
            await port.command(1, recall, wait_completion=False)

        async def inquiry() -> None:
            await cam.position()

        async def burst() -> None:
            await asyncio.gather(*(cam.backlight(i % 2 == 0) for i in range(BURST)))

        for _ in range(5):  # warm up: first-use costs (imports, caches) out of the figures
            await inquiry()
        # After each recall ACK, leave two frames for its completion to come and go.
        recalls = await timed(samples, recall_ack, pause_s=3 * frame)
        inquiries = await timed(samples, inquiry)
        bursts_s = await timed(bursts, burst, pause_s=0.1)
    finally:
        await port.close()
    return [
        ("inquiry, raw client", raw_inquiry, INQUIRY_BYTES * wire + frame),
        ("preset-recall ACK", recalls, RECALL_BYTES * wire + frame),
        ("inquiry round trip", inquiries, INQUIRY_BYTES * wire + frame),
        (f"{BURST}-command burst", bursts_s, BURST * (BURST_COMMAND_BYTES * wire + frame) + frame),
    ]


def start_simulator(link: Path, baud: int) -> subprocess.Popen[str]:
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "appliance",
            "sim",
            "visca",
            "--model",
            MODEL,
            "--baud",
            str(baud),
            "--link",
            str(link),
            "--no-network-change",
            "--lang",
            "en",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert sim.stdout is not None
    first = sim.stdout.readline().strip()
    if first != str(link):
        sim.kill()
        raise SystemExit(
            f"simulator did not start: {first} {sim.stderr.read() if sim.stderr else ''}"
        )
    return sim


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--baud", type=int, default=9600)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="visca-bench-") as tmp:
        sim = start_simulator(Path(tmp) / "cam", args.baud)
        try:
            rows = asyncio.run(
                measure(str(Path(tmp) / "cam"), args.baud, args.samples, args.bursts)
            )
        finally:
            sim.send_signal(signal.SIGTERM)
            sim.wait(10)
    load = os.getloadavg()[0]
    print(f"VISCA through the production driver, {MODEL} simulator process, {args.baud} baud 8N1")
    print(f"load average {load:.2f} on {os.cpu_count()} cores (figures stretch under load)")
    header = f"{'measurement':<22}{'n':>5}{'median ms':>11}{'p99 ms':>9}{'limit ms':>10}{'median/limit':>14}{'p99/limit':>11}"
    print(header)
    print("-" * len(header))
    verdicts = []
    for name, values, limit in rows:
        med, p99 = statistics.median(values), percentile(values, 0.99)
        verdicts.append(med / limit <= TARGET_RATIO)
        if not name.startswith("inquiry, raw"):
            record(
                f"visca.{name}.median",
                med,
                "s",
                limit=limit,
                target_ratio=1.05,
                title=f"VISCA {name}, driver, median",
                series="visca",
            )
            record(
                f"visca.{name}.p99",
                p99,
                "s",
                limit=limit,
                target_ratio=1.10,
                title=f"VISCA {name}, driver, p99",
                series="visca",
            )
        else:
            record(
                f"visca.{name}.median",
                med,
                "s",
                limit=limit,
                title=f"VISCA {name} (the simulator's floor), median",
                series="visca",
            )
        print(
            f"{name:<22}{len(values):>5}{med * 1e3:>11.2f}{p99 * 1e3:>9.2f}{limit * 1e3:>10.2f}"
            f"{med / limit:>14.3f}{p99 / limit:>11.3f}"
        )
    print(
        f"target: median ≤ {TARGET_RATIO:.2f} × limit — {'met' if all(verdicts) else 'NOT met'}"
        f" ({time.monotonic() - started:.1f} s)"
    )


if __name__ == "__main__":
    main()
