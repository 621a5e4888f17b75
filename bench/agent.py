"""Room agent footprint and control-API latency (DESIGN.md §7).

    .venv/bin/python bench/agent.py [--seconds 60] [--recalls 50]

Starts the simulated room (2-camera VISCA chain on a pty at 9600 baud, scene streams)
in this process, then ``appliance agent --config F`` as a separate process, and prints:

- time from spawn to READY=1 on $NOTIFY_SOCKET            target ≤ 2 s
- idle RSS and idle CPU of the agent process over --seconds   targets ≤ 80 MB, ≤ 1 %
- preset recall through the control API (HTTP → agent → VISCA → simulated camera),
  recalling the preset the head is already at (no move), vs the same recall straight
  through the driver (ViscaPort + ViscaCamera in this process) and vs the bare wire time
  of command + ACK + completion at 9600 baud.                target ≤ 1.10 × driver
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from appliance.agent.simulate import SimulatedHardware, free_loopback_port

BAUD = 9600
BITS_PER_BYTE = 10  # 8N1
RECALL_BYTES = 7 + 3 + 3  # 8x 01 04 3F 02 pp FF, ACK z0 4y FF, completion z0 5y FF
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 1e6


class _SimThread:
    def __init__(self, directory: Path) -> None:
        self.hw = SimulatedHardware(directory, room_id="bench")
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="sim")

    def run(self, coro: object) -> object:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)  # type: ignore[arg-type]

    def __enter__(self) -> _SimThread:
        self.thread.start()
        self.run(self.hw.start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(self.hw.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


async def _driver_recalls(path: str, n: int) -> list[float]:
    from drivers.visca.camera import ViscaCamera
    from drivers.visca.models import profile_for
    from drivers.visca.protocol import ViscaPort
    from drivers.visca.transport_serial import SerialTransport

    port = ViscaPort(SerialTransport(path, BAUD))
    await port.open()
    try:
        cam = ViscaCamera(port, 1, profile_for("srg-300h"), "cam1")
        await cam.preset_recall(1)
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            await cam.preset_recall(1)
            out.append(time.perf_counter() - t0)
        return out
    finally:
        await port.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="idle measurement window")
    ap.add_argument("--recalls", type=int, default=50)
    args = ap.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="bench-agent-") as tmp,
        _SimThread(Path(tmp) / "room") as sim,
    ):
        port = free_loopback_port()
        config = sim.hw.write_config(f"127.0.0.1:{port}")
        notify_path = Path(tmp) / "notify.sock"
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(str(notify_path))
        notify.settimeout(30)
        env = dict(os.environ, NOTIFY_SOCKET=str(notify_path))
        env.pop("WATCHDOG_USEC", None)
        log = (Path(tmp) / "agent.log").open("wb")
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "appliance", "agent", "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            while b"READY=1" not in notify.recv(4096):
                pass
            ready_s = time.perf_counter() - t0
            token = (sim.hw.directory / "state" / "api-token").read_text().strip()
            headers = {"Authorization": f"Bearer {token}"}
            base = f"http://127.0.0.1:{port}/api/v1"
            with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
                deadline = time.monotonic() + 10
                while not all(
                    d["state"] == "ready" for d in c.get("/devices").json() if d["kind"] == "camera"
                ):
                    if time.monotonic() > deadline:
                        raise SystemExit("cameras not ready")
                    time.sleep(0.05)
                c.post("/cameras/cam1/presets/1/recall").raise_for_status()
                time.sleep(1.0)  # settle after start-up
                cpu0, w0 = _cpu_s(proc.pid), time.perf_counter()
                time.sleep(args.seconds)
                cpu_pct = 100 * (_cpu_s(proc.pid) - cpu0) / (time.perf_counter() - w0)
                rss = _rss_mb(proc.pid)
                api = []
                for _ in range(args.recalls):
                    t = time.perf_counter()
                    c.post("/cameras/cam1/presets/1/recall").raise_for_status()
                    api.append(time.perf_counter() - t)
        finally:
            proc.send_signal(signal.SIGTERM)
            t_stop = time.perf_counter()
            proc.wait(15)
            stop_s = time.perf_counter() - t_stop
            notify.close()
            log.close()
        driver = sim.run(_driver_recalls(sim.hw.visca.path if sim.hw.visca else "", args.recalls))
    assert isinstance(driver, list)
    wire_ms = 1000 * RECALL_BYTES * BITS_PER_BYTE / BAUD
    api_ms, drv_ms = 1000 * statistics.median(api), 1000 * statistics.median(driver)
    print(
        f"ready after start          {ready_s:7.2f} s    target ≤ 2 s     ratio {ready_s / 2:.2f}"
    )
    print(f"idle RSS                   {rss:7.1f} MB   target ≤ 80 MB   ratio {rss / 80:.2f}")
    print(
        f"idle CPU ({args.seconds:.0f} s)            {cpu_pct:7.2f} %    target ≤ 1 %     ratio {cpu_pct / 1:.2f}"
    )
    print(f"stop after SIGTERM         {stop_s:7.2f} s    target ≤ 5 s     ratio {stop_s / 5:.2f}")
    print(f"VISCA wire time (recall)   {wire_ms:7.1f} ms   command+ACK+completion at {BAUD} baud")
    print(f"preset recall, driver      {drv_ms:7.1f} ms   median of {len(driver)} (no move)")
    print(
        f"preset recall, API         {api_ms:7.1f} ms   median of {len(api)}; p95 "
        f"{1000 * sorted(api)[int(0.95 * (len(api) - 1))]:.1f} ms"
    )
    print(f"API / driver               {api_ms / drv_ms:7.2f}      target ≤ 1.10")
    print(
        f"API / wire                 {api_ms / wire_ms:7.2f}      (the camera's frame-paced answers add to the wire time)"
    )


if __name__ == "__main__":
    main()
