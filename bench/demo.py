"""The demo province's acceptance figures (issue 13, DESIGN.md §7): Online time, idle
CPU, memory, and a clean Ctrl-C.

    .venv/bin/python bench/demo.py [--rooms 31] [--idle-seconds 60]

Starts ``appliance demo province --rooms N`` as ``make demo`` does — the same entry
point (``python -m appliance`` runs the ``appliance`` script's main; ``-m`` from the
checkout keeps this checkout's code first), in a process group of its own as a terminal
gives a command — and measures:

- the time from the spawn until the hub's API lists all N rooms Online (polled as the
  demo's administrator; the password is in the demo directory)      target < 60 s;
- the idle CPU of the whole process tree over ``--idle-seconds`` once the morning
  routine is over (the demo's first fleet check has a result in every room, and the
  scheduled meeting's automatic check, when it falls into the window, has run too): the
  sum of utime + stime (/proc/PID/stat) of the demo and every descendant, as a fraction
  of one core                                                        target < 1 core;
- the memory of the tree at the end of that window: the sum of PSS (smaps_rollup; shared
  pages counted once) and, for reference, of RSS                    target < 6 GB (PSS);
- Ctrl-C: SIGINT to the demo's process group, the time until the demo exits, and that no
  process of the tree (by pid and start time) nor of its session survives  target: none.

The load average is printed with the figures: on a shared machine they move with it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support, run from anywhere
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import print_rows, record

from tests.support.proctree import (
    CLOCK_TICKS_PER_S,
    PROC,
    alive,
    cpu_ticks,
    descendants,
    pss_kib,
    rss_kib,
    start_ticks,
)

ROOT = Path(__file__).resolve().parents[1]
ONLINE_TARGET_S = 60.0
IDLE_CPU_TARGET_CORES = 1.0
MEMORY_TARGET_GB = 6.0
START_TIMEOUT_S = 600.0
CHECK_TIMEOUT_S = 900.0
STOP_TIMEOUT_S = 120.0
POLL_S = 0.5
MARGIN_S = 10.0  # between the idle window and the meeting's automatic check


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def _login(hub: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=hub, timeout=30)
    answer = client.post("/api/v1/auth/login", json={"username": "admin", "password": password})
    answer.raise_for_status()
    client.headers["X-CSRF-Token"] = str(answer.json()["csrf_token"])
    return client


def _hub_url(log: Path, proc: subprocess.Popen[bytes], deadline: float) -> str:
    """The hub's address, from the demo's own line "The hub is up: URL"."""
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if "http://127.0.0.1:" in line and "/api" not in line:
                return "http://" + line.split("http://", 1)[1].split()[0].rstrip("/")
        if proc.poll() is not None:
            break
        time.sleep(POLL_S)
    raise SystemExit(f"the demo printed no hub address:\n{log.read_text(errors='replace')}")


def _wait_online(
    client: httpx.Client, rooms: int, proc: subprocess.Popen[bytes], deadline: float
) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the demo exited ({proc.returncode}) before its rooms were Online")
        with contextlib.suppress(httpx.HTTPError, ValueError):
            listed = client.get("/api/v1/rooms").json()
            if sum(1 for r in listed if r.get("online")) >= rooms:
                return
        time.sleep(POLL_S)
    raise SystemExit(f"not all {rooms} rooms Online within {START_TIMEOUT_S:g} s")


def _results(client: httpx.Client, room_ids: list[str]) -> list[int]:
    """How many readiness-check results the hub holds for each room."""
    counts = []
    for room in room_ids:
        try:
            counts.append(len(client.get(f"/api/v1/rooms/{room}/checks").json()))
        except (httpx.HTTPError, ValueError):
            counts.append(0)
    return counts


def _tree_cpu(root: int) -> dict[tuple[int, int], tuple[str, int]]:
    """(pid, start) → (kind, utime + stime ticks) of every process in the tree."""
    found = {}
    for proc in descendants(root).values():
        ticks = cpu_ticks(proc.pid)
        if ticks is not None:
            found[proc.key] = (_kind(proc.label), ticks)
    return found


def _kind(label: str) -> str:
    """Which part of the demo a process is: agents and players grouped, the rest by program."""
    for part in ("appliance agent", "display", "hub serve", "appliance demo"):
        if part in label:
            return part
    words = label.split()
    if len(words) > 2 and words[1] == "-m":  # "python -m drivers.video.child …": the module
        return words[2]
    return words[0] if words else "?"


def _by_kind(
    before: dict[tuple[int, int], tuple[str, int]],
    after: dict[tuple[int, int], tuple[str, int]],
    window: float,
) -> dict[str, tuple[float, int]]:
    """The window's CPU by kind: kind → (cores, processes); a process started during the
    window counts from its start."""
    split: dict[str, tuple[float, int]] = {}
    for key, (kind, ticks) in after.items():
        spent = (ticks - before.get(key, (kind, 0))[1]) / CLOCK_TICKS_PER_S / window
        cores, count = split.get(kind, (0.0, 0))
        split[kind] = (cores + spent, count + 1)
    return split


def _in_session(sid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and alive(int(entry.name)):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[3]) == sid:
                    found.append(int(entry.name))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=31)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    args = parser.parse_args()
    print(f"load average at the start: {_load()} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        directory = Path(tmp) / "province"
        log = Path(tmp) / "demo.log"
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
        with log.open("wb") as out:
            started = time.monotonic()
            proc = subprocess.Popen(
                [sys.executable, "-m", "appliance", "demo", "province", "--rooms", str(args.rooms),
                 "--dir", str(directory), "--lang", "en"],
                cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env=env, start_new_session=True,
            )  # fmt: skip
        try:
            return _measure(args, proc, started, directory, log)
        finally:
            if proc.poll() is None:  # a failure above: never leave the demo running
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGINT)
                try:
                    proc.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def _measure(
    args: argparse.Namespace,
    proc: subprocess.Popen[bytes],
    started: float,
    directory: Path,
    log: Path,
) -> int:
    deadline = started + START_TIMEOUT_S
    hub = _hub_url(log, proc, deadline)
    password = (directory / "hub" / "admin-password").read_text().strip()
    client = _login(hub, password)
    with contextlib.closing(client):
        _wait_online(client, args.rooms, proc, deadline)
        online_s = time.monotonic() - started
        print(f"{args.rooms} rooms Online at the hub after {online_s:.1f} s (load {_load()})")

        # The morning routine: the demo's first fleet check, and the meeting's automatic
        # check when it would fall into the idle window.
        room_ids = [r["id"] for r in client.get("/api/v1/rooms").json()]
        check_deadline = time.monotonic() + CHECK_TIMEOUT_S
        while min(_results(client, room_ids)) < 1:
            if time.monotonic() > check_deadline or proc.poll() is not None:
                raise SystemExit("the demo's first check did not finish")
            time.sleep(2.0)
        print(f"first check done in every room after {time.monotonic() - started:.0f} s")
        meetings = client.get("/api/v1/meetings").json()
        check_at = min((m["next"]["check_at"] for m in meetings if m.get("next")), default=None)
        if check_at is not None and check_at < time.time() + args.idle_seconds + MARGIN_S:
            print("the meeting's automatic check falls into the window: waiting for it first")
            while time.time() < check_at:
                time.sleep(2.0)
            while min(_results(client, room_ids)) < 2:
                if time.monotonic() > check_deadline or proc.poll() is not None:
                    raise SystemExit("the meeting's automatic check did not finish")
                time.sleep(2.0)

    # Idle: nobody at the dashboard, heartbeats only.
    before = _tree_cpu(proc.pid)
    t0 = time.monotonic()
    time.sleep(args.idle_seconds)
    after = _tree_cpu(proc.pid)
    window = time.monotonic() - t0
    by_kind = _by_kind(before, after, window)
    idle_cores = sum(cores for cores, _ in by_kind.values())
    tree = descendants(proc.pid)
    pss = sum(pss_kib(p.pid) or 0 for p in tree.values()) * 1024 / 1e9  # GB, as §7 says
    rss = sum(rss_kib(p.pid) or 0 for p in tree.values()) * 1024 / 1e9
    print(f"idle over {window:.0f} s: {idle_cores:.3f} of a core, {len(tree)} processes, "
          f"PSS {pss:.2f} GB, RSS {rss:.2f} GB (load {_load()})")  # fmt: skip
    ranked = sorted(by_kind.items(), key=lambda kv: -kv[1][0])
    split = ", ".join(f"{kind} {c:.3f} ({n})" for kind, (c, n) in ranked if c >= 0.005)
    print(f"  by process, cores (count): {split}")

    # Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group.
    stop_started = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    try:
        code = proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        code = None
    stop_s = time.monotonic() - stop_started
    left = [p.label for p in tree.values() if alive(p.pid) and start_ticks(p.pid) == p.start_ticks]
    left += [f"pid {pid} (in the demo's session)" for pid in _in_session(proc.pid)]
    print(
        f"Ctrl-C: the demo exited with {code} after {stop_s:.1f} s; left behind: {left or 'none'}"
    )

    note = f"{args.rooms} rooms, load {_load()}"
    rows = [
        record("demo.online_s", online_s, "s", target=ONLINE_TARGET_S, note=note,
               title=f"Demo province: {args.rooms} rooms Online at the hub after start"),
        record("demo.idle_cpu", idle_cores, "cores", target=IDLE_CPU_TARGET_CORES,
               note=f"{note}; {split}",
               title=f"Demo province: idle CPU of the whole tree over {window:.0f} s"),
        record("demo.memory_pss", pss, "GB", target=MEMORY_TARGET_GB, note=note,
               title="Demo province: memory of the whole tree (sum of PSS)"),
        record("demo.memory_rss", rss, "GB", target=MEMORY_TARGET_GB, note=note + "; an upper bound: RSS counts a shared page in every process mapping it",
               title="Demo province: memory of the whole tree (sum of RSS)"),
        record("demo.ctrl_c_s", stop_s, "s", note=f"exit {code}, {len(left)} process(es) left",
               title="Demo province: Ctrl-C until the demo has exited"),
    ]  # fmt: skip
    print_rows(rows)
    print(f"Ctrl-C leaves no process behind: {'yes' if not left else 'NO: ' + ', '.join(left)}")
    return 0 if code == 130 and not left else 1


if __name__ == "__main__":
    sys.exit(main())
