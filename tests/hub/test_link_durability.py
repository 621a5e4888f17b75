"""``kill -9`` the hub (a real ``appliance hub serve`` process) during a burst of check
results: every result it acknowledged is on disk, the rest are redelivered by the
agents' outboxes after the restart, none is stored twice, and SQLite's integrity check
passes (DESIGN.md §8, issue 8's acceptance)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from appliance.hub.db.records import RoomIn
from appliance.hub.settings import DB_FILE
from appliance.hub.simagent import SimAgent
from appliance.hub.store import Store
from tests.support.hub import agents, enrol, free_port, hub_process, until

__all__ = ["agents"]  # the fixture, re-exported for pytest

ROOMS = ("r1", "r2", "r3")
RESULTS_PER_ROOM = 400
KILL_AFTER_ACKED = 150  # acknowledged results (all rooms) before the SIGKILL


def _rows(db: Path) -> tuple[dict[str, list[int]], dict[str, list[str]], str]:
    """Stored event ids and check-result run ids per room, and PRAGMA integrity_check."""
    con = sqlite3.connect(db)
    try:
        events: dict[str, list[int]] = {r: [] for r in ROOMS}
        for room, eid in con.execute("SELECT room_id, event_id FROM events ORDER BY event_id"):
            events[room].append(eid)
        runs: dict[str, list[str]] = {r: [] for r in ROOMS}
        for room, run in con.execute("SELECT room_id, run_id FROM check_results ORDER BY event_id"):
            runs[room].append(run)
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    return events, runs, integrity


async def _burst(agent: SimAgent) -> None:
    for n in range(1, RESULTS_PER_ROOM + 1):
        run = f"{agent.room_id}-run-{n:04d}"
        await agent.emit(
            "check.result",
            {"run_id": run, "status": "finished", "overall": "pass", "results": []},
        )
        if n % 10 == 0:
            await asyncio.sleep(0)  # let acks in: the burst overlaps the deliveries


async def test_kill_9_during_result_burst_loses_and_duplicates_nothing(
    tmp_path: Path, agents: list[SimAgent]
) -> None:
    state = tmp_path / "hub"
    db = state / DB_FILE
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with hub_process(state, port) as hub:
        store = await Store.open(f"sqlite:///{db}", upgrade=False)
        try:
            for room in ROOMS:
                await store.add_room(RoomIn(id=room, name=room, district="d1"))
                secret = await enrol(base, store, room)
                agents.append(SimAgent(room, secret, f"ws://127.0.0.1:{port}/api/v1/link"))
        finally:
            await store.close()
        await asyncio.gather(*(a.start() for a in agents))
        bursts = [asyncio.create_task(_burst(a)) for a in agents]
        await until(lambda: sum(a.acked for a in agents) >= KILL_AFTER_ACKED, 60)
        hub.kill()  # SIGKILL: no shutdown, no flush, whatever was in flight is cut
        hub.wait()
        acked_at_kill = {a.room_id: a.acked for a in agents}
        await asyncio.gather(*bursts)

    # On disk after the kill: every acknowledged result, each once; the file is sound.
    events, runs, integrity = _rows(db)
    assert integrity == "ok"
    for room, acked in acked_at_kill.items():
        assert set(range(1, acked + 1)) <= set(events[room]), room
        assert len(events[room]) == len(set(events[room]))
    assert sum(acked_at_kill.values()) < len(ROOMS) * RESULTS_PER_ROOM  # the kill cut a burst

    with hub_process(state, port):
        await until(lambda: all(a.outbox == {} for a in agents), 60)
    events, runs, integrity = _rows(db)
    assert integrity == "ok"
    for agent in agents:
        want = list(range(1, RESULTS_PER_ROOM + 1))
        assert events[agent.room_id] == want
        assert runs[agent.room_id] == [f"{agent.room_id}-run-{n:04d}" for n in want]
