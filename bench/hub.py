"""Hub capacity: simulated agents (real WebSocket clients, appliance.hub.simagent) against a
real ``appliance hub serve`` process on loopback.

    .venv/bin/python bench/hub.py                          31, 300, 3,000, 10,000 rooms
    .venv/bin/python bench/hub.py --sizes 31,300 --seconds 5
    .venv/bin/python bench/hub.py --two-replicas         one hub vs two replicas (PostgreSQL)

For each fleet size: the time to link every room, the hub's RSS when idle, then heartbeats
offered at the rooms' natural rate (one per room every 15 s) and at fixed rates
(default 2,000/s and 4,000/s more, driven round-robin over the rooms): heartbeats/s the hub handled, the handling lag p50/p99
(hub clock when handled − the agent's sent_at; one host, one clock), the hub's CPU
(% of one core: it is one process with one event loop), its RSS, and "1 core": the
heartbeats/s one whole core would handle at the CPU the hub spent per heartbeat; and the
hub's garbage-collector passes in the phase (appliance/hub/gcwatch.py): GC2 the number of
full passes, "GC ms" the time all passes stopped its event loop, "GC2 max" the longest full
pass since the hub started. On a
machine whose cores are busy with other work the lag measures that contention (the hub
waits for a core), which is why the CPU-based figure is printed beside it. Then a preset recall
through the public API (a scene) fanned out to 31 rooms against the same recall in one
room, with the agents answering after a simulated camera move (``--recall-s``) and
instantly (the hub's own overhead).

Targets (DESIGN.md §7): ≥ 2,000 heartbeats/s on one core at p99 ≤ 100 ms; the fan-out
≤ 1.5 × one room. Figures are printed against them; the machine's load (other work on
the same cores) is printed too, since it moves every figure.

Rooms and their secrets are written straight into the database in one transaction
(enrolling 10,000 rooms one by one through the API would measure enrolment, not the
link); everything measured goes through the hub's public endpoints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from report import record

from appliance.hub.db.engine import make_engine, make_sessions
from appliance.hub.db.models import AgentSecret
from appliance.hub.db.records import RoomIn
from appliance.hub.gcwatch import FREEZE_CHECK_S, FREEZE_GROWTH, FREEZE_MIN_NEW
from appliance.hub.presence import LAG_SAMPLES
from appliance.hub.security.credentials import new_secret, secret_hash
from appliance.hub.settings import DB_FILE
from appliance.hub.simagent import SimAgent
from appliance.hub.store import Store
from tests.support.hub import TEST_PASSWORD, free_port, hub_process

TARGET_HB_PER_S = 2000
TARGET_P99_MS = 100.0
TARGET_FANOUT = 1.5
HEARTBEAT_S = 15.0
# Rooms dialling at once: a machine whose cores are busy elsewhere makes a big batch time
# out its handshakes and retry, which only adds load.
CONNECT_BATCH = 100
OPEN_TIMEOUT_S = 60.0
TICK_S = 0.01
# A hub started with --gc-freeze freezes again once new links held still for one check
# (gcwatch.FREEZE_CHECK_S): up to two checks after the last room linked.
SETTLE_MAX_S = 3 * FREEZE_CHECK_S
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(f"open files limit {soft} → {hard} (the hub process inherits it)")


def _provision(db: Path, first: int, last: int) -> dict[str, str]:
    """Rooms r00001… with link secrets, in one transaction; room id → secret."""
    engine = make_engine(f"sqlite:///{db}")
    secrets = {f"r{n:05d}": new_secret() for n in range(first, last + 1)}
    try:
        asyncio.run(_add_rooms(db, list(secrets)))
        with make_sessions(engine).begin() as s:
            now = time.time()
            s.add_all(
                AgentSecret(
                    room_id=r, secret_hash=secret_hash(sec), enrolled_at=now, agent_version="sim-1"
                )
                for r, sec in secrets.items()
            )
    finally:
        engine.dispose()
    return secrets


async def _add_rooms(db: Path, ids: list[str]) -> None:
    store = await Store.open(f"sqlite:///{db}", upgrade=False)
    try:
        district = lambda r: f"d{int(r[1:]) % 31:02d}"  # noqa: E731 - 31 districts
        await store.import_rooms(
            [RoomIn(id=r, name=f"Room {r}", district=district(r)) for r in ids]
        )
    finally:
        await store.close()


async def _admin_token(db: Path) -> str:
    store = await Store.open(f"sqlite:///{db}", upgrade=False)
    try:
        user = await store.create_user("bench-admin", TEST_PASSWORD, "admin")
        token, _ = await store.create_api_token(user.id, "bench")
        return token
    finally:
        await store.close()


async def _connect(agents: list[SimAgent]) -> float:
    started = time.monotonic()
    for i in range(0, len(agents), CONNECT_BATCH):
        await asyncio.gather(*(a.start(timeout_s=300) for a in agents[i : i + CONNECT_BATCH]))
    return time.monotonic() - started


async def _drive(agents: list[SimAgent], rate: float, seconds: float) -> int:
    """Heartbeats at ``rate``/s, round-robin over the agents, for ``seconds``; sent count."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent, i, n = 0, 0, len(agents)
    while (now := loop.time()) - start < seconds:
        due = int(rate * (now - start)) - sent
        for _ in range(due):
            await agents[i].heartbeat()
            i = (i + 1) % n
        sent += max(due, 0)
        await asyncio.sleep(TICK_S)
    return sent


async def _stats(api: httpx.AsyncClient, last: int | None = None) -> dict[str, Any]:
    resp = await api.get("/api/v1/link/stats", params={"last": last} if last else None)
    resp.raise_for_status()
    stats: dict[str, Any] = resp.json()
    return stats


async def _phase(
    api: httpx.AsyncClient, pid: int, agents: list[SimAgent], rate: float, seconds: float
) -> dict[str, Any]:
    before = await _stats(api)
    cpu0, t0, me0 = _cpu_s(pid), time.monotonic(), time.process_time()
    sent = await _drive(agents, rate, seconds)
    # Let the hub finish what is queued before reading its counter (bounded): the driven
    # heartbeats. The agents' own (every 15 s each, jittered) come on top; waiting for an
    # expected number of those too made a 31-room phase wait out the whole bound when a
    # few of them fell after the phase (handled/s 1,638 of 2,000 at 2 ms p99).
    expected = sent
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        after = await _stats(api)
        if after["heartbeats"] - before["heartbeats"] >= expected:
            break
        await asyncio.sleep(0.05)
    wall = time.monotonic() - t0
    handled = after["heartbeats"] - before["heartbeats"]
    # The hub's garbage-collector passes in this phase (appliance/hub/gcwatch.py): a full
    # (generation 2) pass stops its event loop for as long as it walks every object.
    gc2 = after["gc"]["2"]["collections"] - before["gc"]["2"]["collections"]
    gc_ms = 1000 * sum(after["gc"][g]["seconds"] - before["gc"][g]["seconds"] for g in "012")
    if handled:  # the lag of this phase's heartbeats only
        after = await _stats(api, min(handled, LAG_SAMPLES))
    cpu = _cpu_s(pid) - cpu0
    return {
        "offered": sent / seconds + len(agents) / HEARTBEAT_S,
        "handled": handled / wall,
        "p50": after["lag_p50_ms"],
        "p99": after["lag_p99_ms"],
        "cpu": 100 * cpu / wall,
        # CPU the hub spent per heartbeat (incl. its idle work): one core's capacity is
        # about 1 s / this, whatever else the machine's cores were doing meanwhile.
        "us_per_hb": 1e6 * cpu / handled if handled else None,
        "bench_cpu": 100 * (time.process_time() - me0) / wall,
        "rss": _rss_mb(pid),
        "gc2": gc2,
        "gc_ms": gc_ms,
        "gc_max_ms": after["gc"]["2"]["max_ms"],
    }


def _record_phase(size: int, r: dict[str, Any]) -> None:
    """The phase at the first offered rate (DESIGN.md §7: 2,000 heartbeats/s) for the
    report; the hub series plots them against the number of rooms."""
    record(
        f"hub.{size}.p99_ms",
        r["p99"] or 0.0,
        "ms",
        title="heartbeat lag p99 (ms)",
        target=TARGET_P99_MS,
        series="hub",
        point=size,
        note=f"{size:,} rooms, {r['offered']:,.0f}/s offered, hub CPU {r['cpu']:.0f} %",
    )
    record(
        f"hub.{size}.handled",
        r["handled"],
        "heartbeats/s",
        title="heartbeats handled per s",
        target=0.98 * r["offered"],
        higher_is_better=True,
        note=f"{size:,} rooms; target 98 % of the {r['offered']:,.0f}/s offered",
    )
    if r["us_per_hb"]:
        record(
            f"hub.{size}.one_core",
            1e6 / r["us_per_hb"],
            "heartbeats/s",
            title="heartbeats/s one core handles (CPU per heartbeat)",
            target=2000.0,
            higher_is_better=True,
            note=f"{size:,} rooms",
        )


async def _settled(api: httpx.AsyncClient, freezing: bool) -> str:
    """With --gc-freeze, wait (bounded) for the hub's freeze of the links just made: the
    steady state of a fleet that has linked (appliance/hub/gcwatch.py keep_frozen)."""
    if not freezing:
        return ""
    first = (await _stats(api))["gc_freezes"]
    t0 = time.monotonic()
    while time.monotonic() - t0 < SETTLE_MAX_S:
        if (await _stats(api))["gc_freezes"] > first:
            return f"hub froze its long-lived objects {time.monotonic() - t0:.0f} s after"
        await asyncio.sleep(0.5)
    return f"no freeze within {SETTLE_MAX_S:.0f} s"


def _row(r: dict[str, Any]) -> str:
    ok = r["handled"] >= 0.98 * r["offered"] and (r["p99"] or 0) <= TARGET_P99_MS
    per_hb = r["us_per_hb"]
    capacity = f"{1e6 / per_hb:>7.0f}/s" if per_hb else "      -"
    return (
        f"{'':>6} {'':>9} {'':>9} | {r['offered']:>9.0f} {r['handled']:>9.0f} "
        f"{r['p50'] or 0:>8.2f} {r['p99'] or 0:>8.2f} {r['cpu']:>7.0f}% "
        f"{r['rss']:>7.0f} {r['bench_cpu']:>8.0f}% {capacity} "
        f"{r['gc2']:>4.0f} {r['gc_ms']:>7.1f} {r['gc_max_ms']:>8.1f}  "
        f"{'meets' if ok else 'MISSES'}"
    )


async def _fanout(
    api: httpx.AsyncClient, agents: list[SimAgent], reps: int, recall_s: float
) -> tuple[float, float]:
    for a in agents[:31]:
        a.op_delay_s["camera.preset.recall"] = recall_s
    timings = {}
    for label, rooms in (("one", agents[:1]), ("31", agents[:31])):
        items = [{"room_id": a.room_id, "camera": "cam1", "preset": "home"} for a in rooms]
        name = f"bench {label} {recall_s} {time.monotonic_ns()}"
        scene = (await api.post("/api/v1/scenes", json={"name": name, "items": items})).json()
        runs = []
        for _ in range(reps):
            t = time.perf_counter()
            resp = await api.post(f"/api/v1/scenes/{scene['id']}/recall")
            runs.append(time.perf_counter() - t)
            body = resp.json()
            if resp.status_code != 200 or body["failed"]:
                raise RuntimeError(f"scene recall failed: {resp.status_code} {body}")
        timings[label] = statistics.median(runs)
    return timings["one"], timings["31"]


async def bench(args: argparse.Namespace) -> None:
    _raise_fd_limit()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-hub-") as tmp:
        state = Path(tmp) / "hub"
        port = free_port()
        agents: list[SimAgent] = []
        gc_arg = "--gc-freeze" if args.gc_freeze else "--no-gc-freeze"
        print(f"hub started with {gc_arg} (appliance/hub/gcwatch.py)")
        with hub_process(state, port, gc_arg) as proc:
            db = state / DB_FILE
            token = await _admin_token(db)
            link_url = f"ws://127.0.0.1:{port}/api/v1/link"
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=120,
            ) as api:
                try:
                    print(
                        f"\n{'rooms':>6} {'link all':>9} {'idle RSS':>9} | {'offered/s':>9} "
                        f"{'handled/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'hub CPU':>8} "
                        f"{'RSS MB':>7} {'bench CPU':>9} {'1 core':>9} "
                        f"{'GC2':>4} {'GC ms':>7} {'GC2 max':>8}"
                    )
                    for size in args.sizes:
                        secrets = await asyncio.to_thread(_provision, db, len(agents) + 1, size)
                        new = [
                            SimAgent(
                                r,
                                s,
                                link_url,
                                # Their own heartbeat every 15 s (the hub's welcome) keeps
                                # each link up; the phases drive more on top.
                                ping_interval_s=None,
                                open_timeout_s=OPEN_TIMEOUT_S,
                            )
                            for r, s in secrets.items()
                        ]
                        agents.extend(new)
                        took = await _connect(new)
                        # The simulated agents stamp sent_at in THIS process: its own full
                        # GC passes over 10,000 clients would delay sends after the stamp
                        # and count as hub lag. Keep them out of its collector (gcwatch.py).
                        gc.collect()
                        gc.freeze()
                        idle = _rss_mb(proc.pid)
                        grew = len(new) >= max(FREEZE_MIN_NEW, FREEZE_GROWTH * (size - len(new)))
                        settle = await _settled(api, args.gc_freeze and grew)
                        print(f"{size:>6} {took:>8.1f}s {idle:>7.0f}MB | {settle}")
                        rates = [0.0, *args.rates]  # 0: only the rooms' own heartbeats
                        for rate in rates:
                            r = await _phase(api, proc.pid, agents, rate, args.seconds)
                            print(_row(r))
                            if rate == args.rates[0]:
                                _record_phase(size, r)
                    print(f"\npreset recall through a scene (median of {args.reps}):")
                    for recall_s in (args.recall_s, 0.0):
                        one, many = await _fanout(api, agents, args.reps, recall_s)
                        ratio = many / one
                        record(
                            f"hub.fanout.{recall_s:g}",
                            many,
                            "s",
                            title=f"Preset recall through a scene, 31 rooms (room answers after {recall_s:g} s)",
                            limit=one,
                            target_ratio=TARGET_FANOUT,
                            note="limit: the same recall in one room, this run"
                            + ("; instant answers: the hub's own overhead" if not recall_s else ""),
                        )
                        print(
                            f"  room answers after {recall_s:.2f} s: one room {one * 1000:.1f} ms, "
                            f"31 rooms {many * 1000:.1f} ms → {ratio:.2f}× "
                            f"(target ≤ {TARGET_FANOUT}×: {'meets' if ratio <= TARGET_FANOUT else 'MISSES'})"
                        )
                finally:
                    for i in range(0, len(agents), CONNECT_BATCH):
                        with contextlib.suppress(Exception):
                            await asyncio.gather(*(a.stop() for a in agents[i : i + CONNECT_BATCH]))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="31,300,3000,10000", help="fleet sizes, ascending")
    parser.add_argument("--rates", default="2000,4000", help="offered heartbeats/s per phase")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of a load phase")
    parser.add_argument("--reps", type=int, default=15, help="scene recalls per fan-out figure")
    parser.add_argument(
        "--recall-s", type=float, default=0.5, help="simulated camera move of a recall"
    )
    parser.add_argument(
        "--gc-freeze",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="start the hub with --gc-freeze (production) or --no-gc-freeze (the baseline)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="31 and 300 rooms, one rate, short phases (smoke run)"
    )
    parser.add_argument(
        "--two-replicas",
        action="store_true",
        help="instead: one hub vs two replicas on PostgreSQL (bench/hub_replicas.py)",
    )
    args = parser.parse_args()
    if args.two_replicas:
        import hub_replicas  # bench/hub_replicas.py (it imports this module for its phases)

        replica_args = argparse.Namespace(
            rooms=int(args.sizes.split(",")[-1]) if args.sizes != "31,300,3000,10000" else 1000,
            rate=float(args.rates.split(",")[0]),
            seconds=args.seconds,
            reps=max(args.reps, 30),
        )
        asyncio.run(hub_replicas.bench(replica_args))
        return
    if args.quick:  # make bench BENCH_ARGS=--quick (bench/run_all.py)
        args.sizes, args.rates, args.seconds, args.reps = "31,300", "2000", 4.0, 5
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.rates = [float(r) for r in args.rates.split(",") if r]
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
