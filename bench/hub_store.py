"""The hub's storage: what the link server asks of it, on SQLite and on PostgreSQL.

    .venv/bin/python bench/hub_store.py                   SQLite, and PostgreSQL if installed
    .venv/bin/python bench/hub_store.py --rooms 10000 --no-postgres

Per backend, through the async Store the hub uses (worker threads, one transaction each):

- presence flush: every room's last-seen/health/devices in one batch, the way the link
  server writes it every 5 s (settings.PRESENCE_FLUSH_S). Budget: the flush of all rooms
  must fit in that period, with room to spare, at the heartbeat target (DESIGN.md §7:
  2,000 heartbeats/s = 10,000 rooms per 5 s flush);
- events stored and acknowledgeable: batches of 20 events (one transaction each, fsynced
  on SQLite: synchronous=FULL), one batch in six a check result with evidence names;
- link upgrade look-up (``room_for_secret``): the same cost with 31 and with all rooms
  enrolled (an indexed SHA-256, not a scan or an argon2 hash);
- a password check (argon2), for comparison: why secrets are not argon2-hashed.

PostgreSQL runs as in the tests (tests/support/postgres.py: initdb into a temp dir,
loopback, ``-F`` i.e. no fsync — so its event rate is an upper bound; SQLite's is with
fsync). The machine's load is printed: other work on the same cores moves every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.hub.db.records import PresenceUpdate, RoomIn
from appliance.hub.security.passwords import hash_password, verify_password
from appliance.hub.settings import PRESENCE_FLUSH_S
from appliance.hub.store import Store
from appliance.link.messages import Event

HEARTBEATS_PER_S_TARGET = 2000
EVENT_BATCH = 20
LOOKUPS = 300


async def bench(url: str, rooms: int, event_rooms: int, events_per_room: int) -> None:
    store = await Store.open(url)
    try:
        ids = [f"r{i:05d}" for i in range(rooms)]
        await store.import_rooms(
            [RoomIn(id=i, name=i, district=f"d{n % 30}") for n, i in enumerate(ids)]
        )
        devices = [
            {"id": "cam1", "kind": "camera", "state": "ready"},
            {"id": "main", "kind": "display", "state": "ready"},
        ]
        flush_s = []
        for round_ in range(3):
            batch = [
                PresenceUpdate(i, time.time(), "healthy", devices=devices if round_ == 0 else None)
                for i in ids
            ]
            t0 = time.perf_counter()
            await store.flush_presence(batch)
            flush_s.append(time.perf_counter() - t0)
        rooms_per_flush = HEARTBEATS_PER_S_TARGET * PRESENCE_FLUSH_S
        print(
            f"  presence flush of {rooms:,} rooms: {statistics.median(flush_s):.2f} s median "
            f"(first, with devices: {flush_s[0]:.2f} s) = {rooms / statistics.median(flush_s):,.0f} "
            f"rooms/s; budget: {rooms_per_flush:,.0f} rooms in {PRESENCE_FLUSH_S:g} s "
            f"→ {rooms_per_flush / (rooms / statistics.median(flush_s)) / PRESENCE_FLUSH_S:.0%} "
            "of the period"
        )

        async def room_events(room: str) -> None:
            for start in range(1, events_per_room + 1, EVENT_BATCH):
                batch = []
                for eid in range(start, min(start + EVENT_BATCH, events_per_room + 1)):
                    if eid % 6 == 0:
                        data = {
                            "run_id": f"run-{eid}",
                            "status": "finished",
                            "overall": "pass",
                            "results": [
                                {"id": "video.cam1", "evidence": {"snapshot": f"/e/{eid}.jpg"}}
                            ],
                        }
                        batch.append(Event(id=eid, at=time.time(), kind="check.result", data=data))
                    else:
                        batch.append(
                            Event(id=eid, at=time.time(), kind="device", data={"id": "cam1"})
                        )
                await store.save_events(room, batch)

        t0 = time.perf_counter()
        await asyncio.gather(*(room_events(r) for r in ids[:event_rooms]))
        took = time.perf_counter() - t0
        n = event_rooms * events_per_room
        print(
            f"  events: {n:,} from {event_rooms} rooms in batches of {EVENT_BATCH}: "
            f"{n / took:,.0f} events/s ({n / EVENT_BATCH / took:,.0f} transactions/s)"
        )

        async def lookups(enrolled: list[str]) -> float:
            secrets_ = []
            for room in enrolled:
                token = await store.issue_enrolment_token(room)
                secrets_.append(await store.enrol(token, room, "bench"))
            t0 = time.perf_counter()
            for i in range(LOOKUPS):
                assert await store.room_for_secret(secrets_[i % len(secrets_)]) is not None
            return (time.perf_counter() - t0) / LOOKUPS

        few = await lookups(ids[:31])
        print(f"  link upgrade look-up, 31 rooms enrolled: {few * 1e3:.2f} ms")
    finally:
        await store.close()


async def enrol_all_then_lookup(url: str, rooms: int) -> None:
    """The same look-up with every room enrolled (secrets written in one go)."""
    store = await Store.open(url, upgrade=False)
    try:
        ids = [f"r{i:05d}" for i in range(rooms)]
        secrets_ = []
        for room in ids[31:]:
            token = await store.issue_enrolment_token(room)
            secrets_.append(await store.enrol(token, room, "bench"))
        t0 = time.perf_counter()
        for i in range(LOOKUPS):
            assert await store.room_for_secret(secrets_[i * 7 % len(secrets_)]) is not None
        per = (time.perf_counter() - t0) / LOOKUPS
        print(f"  link upgrade look-up, {rooms:,} rooms enrolled: {per * 1e3:.2f} ms")
    finally:
        await store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rooms", type=int, default=10_000)
    ap.add_argument("--event-rooms", type=int, default=31)
    ap.add_argument("--events-per-room", type=int, default=120)
    ap.add_argument(
        "--enrol-all", action="store_true", help="also look up with every room enrolled"
    )
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} cores")
    t0 = time.perf_counter()
    h = hash_password("a password of some length")
    hash_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    verify_password(h, "a password of some length")
    print(
        f"argon2 (password): hash {hash_s * 1e3:.0f} ms, verify {(time.perf_counter() - t0) * 1e3:.0f} ms"
    )

    with tempfile.TemporaryDirectory(prefix="hub-store-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'hub.sqlite3'}"
        print(f"SQLite (WAL, synchronous=FULL) — {url}")
        asyncio.run(bench(url, args.rooms, args.event_rooms, args.events_per_room))
        if args.enrol_all:
            asyncio.run(enrol_all_then_lookup(url, args.rooms))
    if args.no_postgres:
        return
    from tests.support.postgres import PostgresServer, find_pg_bin

    bin_dir = find_pg_bin()
    if bin_dir is None:
        print("PostgreSQL: not installed (Debian package 'postgresql'); skipped")
        return
    server = PostgresServer(bin_dir)
    try:
        server.start()
        url = server.create_database()
        print(f"PostgreSQL {bin_dir.parent.name} (loopback, -F: no fsync)")
        asyncio.run(bench(url, args.rooms, args.event_rooms, args.events_per_room))
        if args.enrol_all:
            asyncio.run(enrol_all_then_lookup(url, args.rooms))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
