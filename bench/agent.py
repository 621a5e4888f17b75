"""Room agent footprint and control-API latency (DESIGN.md §7).

    .venv/bin/python bench/agent.py [--seconds 60] [--recalls 50] [--no-audio]

Starts the simulated room in this process as ``appliance agent --simulate`` does
(``SimulatedHardware``): the 2-camera VISCA chain on a pty, its bytes paced at the
configured 9600 baud (a pty alone has no line speed, PLATFORM.md Infra 1), the scene
streams, the screen (Xvfb) and TV (stand-in cec-client), and the PulseAudio room ("Room
Mic", "Room Speaker") — then ``appliance agent --config F`` as a separate process (with
the check engine, as always), and prints:

- time from spawn to READY=1 on $NOTIFY_SOCKET            target ≤ 1 s
- idle RSS and idle CPU of the agent process over --seconds   targets ≤ 60 MB, ≤ 0.5 %
- RSS after a level reading (the audio work runs in a child process) and the peak RSS
  under API load: --load requests at concurrency 20 over every read route, snapshots
  (read in a child process too, appliance/agent/video.py) and a level reading included
  (sampled every 20 ms, plus the kernel's VmHWM)  ≤ 80 MB
- RSS after a readiness check of every category but the displays, then after a full one
  (a preset reference stored first so the preset is compared with it; the frame work
  runs in the camera's video child, appliance/agent/video.py), each with the high-water
  mark during it (VmHWM, reset through /proc/PID/clear_refs just before)  ≤ 80 MB. The
  display items show the test pattern with VLC and compare a screenshot, in the display's
  player child (appliance/agent/display.py).
- a VISCA command through the agent: preset recall over HTTP → agent → VISCA → simulated
  camera, recalling the preset the head is at (no move), against DESIGN.md §7's limit:
  wire time of command + reply + the camera's own processing. At 9600 baud 8N1 the
  recall ``8x 01 04 3F 02 pp FF`` is 7 bytes, the ACK ``z0 4y FF`` and the completion
  ``z0 5y FF`` 3 bytes each; the simulated camera answers one frame (1/59.94 s) after a
  message has fully arrived and completes an instant command one frame after its ACK.
  The ACK's bytes go out while that second frame runs, so the critical path — the limit —
  is (7 + 3) bytes + 2 frames; the printed ratio is API median / limit. target ≤ 1.05
- the same recall straight through the driver (ViscaPort + ViscaCamera) for reference.

The API client is the thinnest real HTTP client — stdlib ``http.client``, one keep-alive
connection, TCP_NODELAY — in its own process, so neither the simulators' thread nor a
client library's own overhead is charged to the agent. The driver reference runs on the
simulators' event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
from report import print_rows, record

from appliance.agent.checks.model import CATEGORIES
from appliance.agent.simulate import (
    SIM_BAUD,
    SIM_MODEL,
    SimulatedHardware,
    free_loopback_port,
)

T = TypeVar("T")
BAUD = SIM_BAUD  # the simulated room's line speed (9600, as its config says)
BITS_PER_BYTE = 10  # 8N1
RECALL_BYTES = 7  # 8x 01 04 3F 02 pp FF
REPLY_BYTES = 3  # z0 4y FF (ACK) and z0 5y FF (completion)
# DESIGN.md §7: the agent's API median ≤ 1.05 × (wire + processing); footprint targets.
TARGET_RATIO = 1.05
READY_TARGET_S = 1.0
IDLE_RSS_TARGET_MB = 60.0
IDLE_CPU_TARGET_PCT = 0.5
RECALL_PATH = "/api/v1/cameras/cam1/presets/1/recall"
RSS_TARGET_MB = 80.0
LOAD_CONCURRENCY = 20
LOAD_PATHS = (
    "/status",
    "/devices",
    "/cameras",
    "/cameras/cam1",
    "/cameras/cam1/position",
    "/cameras/cam2/zoom",
    "/cameras/cam1/presets",
    "/cameras/cam1/snapshot.jpg",
    "/audio/devices",
    "/displays",
    "/checks",
    "/openapi.json",
    "/nope",
)
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 1e6


def _hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def _reset_hwm(pid: int) -> None:
    """Start the kernel's VmHWM again from the current RSS (proc(5): clear_refs 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _check(
    base: str, headers: dict[str, str], pid: int, only: list[str]
) -> tuple[float, float, str]:
    """A reference stored for cam1's preset 1, then a check of ``only`` (every category
    when empty) through the API: the RSS once it has settled after the run, the
    high-water mark during both, the run's overall."""
    _reset_hwm(pid)
    with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
        c.post("/cameras/cam1/presets/1/reference").raise_for_status()
        run_id = c.post("/checks", json={"only": only}).json()["run_id"]
        deadline = time.monotonic() + 180
        while (run := c.get(f"/checks/{run_id}").json())["status"] not in ("done", "cancelled"):
            if time.monotonic() > deadline:
                raise SystemExit(f"the check did not end: {run}")
            time.sleep(0.1)
    hwm = _hwm_mb(pid)
    time.sleep(1.0)  # settle (the audio children have exited)
    return _rss_mb(pid), max(hwm, _hwm_mb(pid)), str(run.get("overall"))


def _api_load(base: str, headers: dict[str, str], pid: int, n: int) -> tuple[float, int]:
    """``n`` requests at LOAD_CONCURRENCY over LOAD_PATHS (and a level reading); the peak
    RSS sampled meanwhile and how many answers were 5xx."""
    from concurrent.futures import ThreadPoolExecutor

    peak = _rss_mb(pid)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, _rss_mb(pid))

    sampler = threading.Thread(target=sample, name="rss-sampler")
    sampler.start()
    errors = 0
    try:
        with (
            httpx.Client(base_url=base, headers=headers, timeout=60) as c,
            ThreadPoolExecutor(LOAD_CONCURRENCY) as pool,
        ):
            paths = [LOAD_PATHS[i % len(LOAD_PATHS)] for i in range(n)]
            paths[n // 2] = "/audio/mic1/level?seconds=0.3"
            for r in pool.map(c.get, paths):
                if r.status_code >= 500:
                    errors += 1
                    print(f"  {r.status_code} {r.request.url.path}: {r.text[:160]}")
    finally:
        done.set()
        sampler.join()
    return max(peak, _rss_mb(pid)), errors


class _SimThread:
    def __init__(self, directory: Path) -> None:
        self.hw = SimulatedHardware(directory, room_id="bench")  # paced at SIM_BAUD, as --simulate
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="sim")

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    def __enter__(self) -> _SimThread:
        self.thread.start()
        self.run(self.hw.start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(self.hw.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@contextlib.contextmanager
def _room_audio(enabled: bool) -> Iterator[dict[str, str]]:
    """The PulseAudio room simulator (its env for the agent), as --simulate starts it."""
    if not enabled:
        yield {}
        return
    from drivers.audio.simulator import RoomAudioSimulator

    room = RoomAudioSimulator()
    room.start()
    try:
        yield room.env()
    finally:
        room.stop()


def _api_client(port: int, token: str, n: int) -> list[float]:
    """In the client process: ``n`` preset recalls over one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.connect()
    assert conn.sock is not None
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    headers = {"Authorization": f"Bearer {token}"}
    out = []
    try:
        for i in range(n + 1):  # the first one warms up
            t0 = time.perf_counter()
            conn.request("POST", RECALL_PATH, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"recall answered {response.status}")
            if i:
                out.append(time.perf_counter() - t0)
    finally:
        conn.close()
    return out


def _api_recalls(port: int, token: str, n: int) -> list[float]:
    run = subprocess.run(
        [sys.executable, __file__, "--client", str(port), str(n)],
        input=token,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [float(x) for x in json.loads(run.stdout)]


async def _driver_recalls(path: str, n: int) -> list[float]:
    from drivers.visca.camera import ViscaCamera
    from drivers.visca.models import profile_for
    from drivers.visca.protocol import ViscaPort
    from drivers.visca.transport import SerialTransport

    port = ViscaPort(SerialTransport(path, BAUD))
    await port.open()
    try:
        cam = ViscaCamera(port, 1, profile_for(SIM_MODEL), "cam1")
        await cam.preset_recall(1)
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            await cam.preset_recall(1)
            out.append(time.perf_counter() - t0)
        return out
    finally:
        await port.close()


def _wait_cameras(c: httpx.Client, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not all(d["state"] == "ready" for d in c.get("/devices").json() if d["kind"] == "camera"):
        if time.monotonic() > deadline:
            raise SystemExit("cameras not ready")
        time.sleep(0.05)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="idle measurement window")
    ap.add_argument("--recalls", type=int, default=50)
    ap.add_argument("--no-audio", action="store_true", help="room without the PulseAudio sim")
    ap.add_argument("--load", type=int, default=2000, help="requests of the API load (0: none)")
    ap.add_argument("--client", nargs=2, metavar=("PORT", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.client:  # the API client process (token on stdin: never on a command line)
        port, n = (int(x) for x in args.client)
        print(json.dumps(_api_client(port, sys.stdin.read().strip(), n)))
        return
    with (
        tempfile.TemporaryDirectory(prefix="bench-agent-") as tmp,
        _SimThread(Path(tmp) / "room") as sim,
        _room_audio(not args.no_audio) as audio_env,
    ):
        port = free_loopback_port()
        config = sim.hw.write_config(f"127.0.0.1:{port}")
        notify_path = Path(tmp) / "notify.sock"
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(str(notify_path))
        notify.settimeout(30)
        env = dict(os.environ, NOTIFY_SOCKET=str(notify_path), **audio_env, **sim.hw.agent_env())
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
                _wait_cameras(c)
                c.post("/cameras/cam1/presets/1/recall").raise_for_status()
                time.sleep(1.0)  # settle after start-up (the audio look-up child has exited)
                cpu0, w0 = _cpu_s(proc.pid), time.perf_counter()
                time.sleep(args.seconds)
                cpu_pct = 100 * (_cpu_s(proc.pid) - cpu0) / (time.perf_counter() - w0)
                rss = _rss_mb(proc.pid)
                devices = {d["id"]: d["state"] for d in c.get("/devices").json()}
            api = _api_recalls(port, token, args.recalls)
            with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
                rss_audio = None
                if not args.no_audio:  # what an audio operation (or check) leaves behind
                    c.get("/audio/mic1/level", params={"seconds": 0.3}).raise_for_status()
                    time.sleep(1.0)
                    rss_audio = _rss_mb(proc.pid)
            load_peak, load_5xx = (
                _api_load(base, headers, proc.pid, args.load) if args.load else (None, 0)
            )
            hwm = _hwm_mb(proc.pid)
            no_display = [c for c in CATEGORIES if c != "display"]
            part = _check(base, headers, proc.pid, no_display)
            full = _check(base, headers, proc.pid, [])
        finally:
            proc.send_signal(signal.SIGTERM)
            t_stop = time.perf_counter()
            proc.wait(15)
            stop_s = time.perf_counter() - t_stop
            notify.close()
            log.close()
        path = sim.hw.visca.path if sim.hw.visca else ""
        driver = sim.run(_driver_recalls(path, args.recalls))
        frame_s = sim.hw.visca.profile.processing_s if sim.hw.visca else 1 / 59.94
    wire_s = (RECALL_BYTES + REPLY_BYTES) * BITS_PER_BYTE / BAUD
    limit_ms = 1000 * (wire_s + 2 * frame_s)
    api_ms, drv_ms = 1000 * statistics.median(api), 1000 * statistics.median(driver)
    p95 = 1000 * sorted(api)[int(0.95 * (len(api) - 1))]
    print(f"room: {devices}")
    print(
        f"limit: wire + processing {limit_ms:.1f} ms: (7 + 3) bytes at {BAUD} baud "
        f"{1000 * wire_s:.1f} ms + 2 frames {2000 * frame_s:.1f} ms; preset recall through "
        f"the driver {drv_ms:.1f} ms (median of {len(driver)}, no move), through the API "
        f"{api_ms:.1f} ms (median of {len(api)}; p95 {p95:.1f} ms), API / driver "
        f"{api_ms / drv_ms:.3f}"
    )
    peaks = [("idle", rss), ("after the API load", load_peak), ("VmHWM before the checks", hwm)]
    peaks += [("a level reading", rss_audio)]
    for what, (after, high, _overall) in (("check w/o display", part), ("full check", full)):
        peaks += [(f"after a {what}", after), (f"VmHWM during a {what}", high)]
    worst_what, worst = max(((w, v) for w, v in peaks if v is not None), key=lambda x: x[1])
    rows = [
        record("agent.ready_s", ready_s, "s", target=READY_TARGET_S,
               title="Agent: spawn → READY=1 (sd_notify)"),
        record("agent.idle_rss", rss, "MB", target=IDLE_RSS_TARGET_MB,
               title="Agent: idle RSS (simulated room, audio and cameras linked)"),
        record("agent.max_rss", worst, "MB", target=RSS_TARGET_MB,
               note=f"the largest of {len(peaks)} readings: {worst_what}; "
                    f"{args.load} API requests at concurrency {LOAD_CONCURRENCY}, "
                    f"{load_5xx} answered 5xx; checks {part[2]} / {full[2]}",
               title="Agent: RSS at all times (after audio, under API load, through checks)"),
        record("agent.idle_cpu", cpu_pct, "% of a core", target=IDLE_CPU_TARGET_PCT,
               title=f"Agent: idle CPU over {args.seconds:.0f} s"),
        record("agent.recall_api", api_ms / 1000, "s", limit=limit_ms / 1000,
               target_ratio=TARGET_RATIO, series="visca",
               note="preset recall over HTTP → agent → VISCA at 9600 baud (no move)",
               title="VISCA command through the agent's API, median"),
        record("agent.recall_driver", drv_ms / 1000, "s", limit=limit_ms / 1000,
               note="the same recall straight through ViscaPort + ViscaCamera",
               title="VISCA command through the driver (the agent bench's reference), median"),
        record("agent.stop_s", stop_s, "s", title="Agent: SIGTERM → exited"),
    ]  # fmt: skip
    print_rows(rows, width=72)


if __name__ == "__main__":
    main()
