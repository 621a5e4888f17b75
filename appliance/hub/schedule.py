"""The meeting schedule at work: the automatic check before each meeting, and which rooms
are **in meeting** right now (issue 11).

    scheduler = Scheduler(store, fleet, bus, clock=time.time, tick_s=5.0)
    scheduler.start()
    scheduler.in_meeting("r1")        # the Occurrence under way in the room, or None
    scheduler.reload()                # the meetings changed (the API calls it)
    await scheduler.close()

Every ``tick_s`` (sooner when the next boundary is nearer) the scheduler

1. publishes a ``meeting`` event for each room that enters or leaves a meeting under way
   (``in_meeting`` true/false; the rooms API, /metrics and fleet checks read the same
   table); a room in meeting is skipped by fleet checks and rollouts unless forced;
2. starts the fleet readiness check of every meeting whose check window has opened
   (``check_before_s`` before the start; 0: no automatic check), after switching its
   rooms on when the meeting says so. The occurrence is first *claimed* in the database
   with a conditional update (appliance/hub/db/meetings.py): a restarted hub, or a second
   hub replica on the same database, never runs the same occurrence's check twice. A hub
   that was down for the whole window does not check a meeting already under way (the
   check plays test tones and moves cameras).

The clock is injected (tests move it); the loop also reads the database again every
``RELOAD_S`` so meetings another replica added are seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from appliance.hub.db.meetings import WEEK_S, MeetingRecord
from appliance.hub.events import EventBus, HubEvent
from appliance.hub.fleet import Fleet
from appliance.hub.store import Store
from drivers.supervision import cancel_and_wait

log = logging.getLogger(__name__)

TICK_S: Final = 5.0
RELOAD_S: Final = 60.0
MIN_WAIT_S: Final = 0.05


@dataclass(frozen=True, slots=True)
class Occurrence:
    meeting: MeetingRecord
    start: float
    end: float

    def public(self) -> dict[str, Any]:
        return {
            "meeting_id": self.meeting.id,
            "title": self.meeting.title,
            "starts_at": self.start,
            "ends_at": self.end,
        }


def current_or_next(m: MeetingRecord, t: float) -> Occurrence | None:
    """The meeting's first occurrence that ends after ``t`` (under way or to come)."""
    if not m.weekly:
        return Occurrence(m, m.starts_at, m.ends_at) if m.ends_at > t else None
    length = m.ends_at - m.starts_at
    k = max(0, math.ceil((t - m.ends_at) / WEEK_S))
    start = m.starts_at + k * WEEK_S
    if start + length <= t:  # float rounding at an exact boundary
        start += WEEK_S
    if m.until_at is not None and start > m.until_at:
        return None
    return Occurrence(m, start, start + length)


def occurrences(m: MeetingRecord, t0: float, t1: float, limit: int = 100) -> list[Occurrence]:
    """The meeting's occurrences that overlap [t0, t1), at most ``limit``."""
    out: list[Occurrence] = []
    occ = current_or_next(m, t0)
    while occ is not None and occ.start < t1 and len(out) < limit:
        out.append(occ)
        occ = current_or_next(m, occ.end) if m.weekly else None
    return out


class Scheduler:
    """One per hub process: in-meeting table for every replica, checks claimed once."""

    def __init__(
        self,
        store: Store,
        fleet: Fleet,
        bus: EventBus,
        *,
        clock: Callable[[], float],
        tick_s: float = TICK_S,
    ) -> None:
        self._store = store
        self._fleet = fleet
        self._bus = bus
        self._clock = clock
        self._tick_s = tick_s
        self._meetings: list[MeetingRecord] = []
        self._districts: dict[str, str] = {}
        self._in_meeting: dict[str, Occurrence] = {}
        self._changed = asyncio.Event()
        self._changed.set()
        self._loaded_at = -math.inf
        self._task: asyncio.Task[None] | None = None
        self._follower: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Task[None]] = set()
        self.checks_started = 0
        self.ticks = 0  # passes of the loop (tests wait on it to see a tick went by)

    # -- life ------------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="meeting-scheduler")
        self._follower = asyncio.create_task(self._follow_replicas(), name="meeting-changes")

    async def close(self) -> None:
        tasks = [t for t in (self._task, self._follower, *self._jobs) if t is not None]
        await cancel_and_wait(*tasks, what="meeting scheduler")

    def reload(self) -> None:
        """The meetings changed: read them again now."""
        self._changed.set()

    def changed(self, meeting_id: int | None = None) -> None:
        """A person changed the meetings here: read them again, and tell the other hub
        replicas (a ``schedule.changed`` event the cluster bridge carries)."""
        self.reload()
        self._bus.publish(HubEvent("schedule.changed", data={"meeting_id": meeting_id}))

    async def _follow_replicas(self) -> None:
        with self._bus.subscribe(
            lambda ev: ev.kind == "schedule.changed" and ev.origin is not None
        ) as sub:
            while True:
                await sub.get()
                self.reload()

    # -- reading ---------------------------------------------------------------------------

    def in_meeting(self, room_id: str) -> Occurrence | None:
        return self._in_meeting.get(room_id)

    def rooms_in_meeting(self) -> dict[str, Occurrence]:
        return dict(self._in_meeting)

    def now(self) -> float:
        return self._clock()

    # -- the loop --------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            now = self._clock()
            try:
                if self._changed.is_set() or now - self._loaded_at >= RELOAD_S:
                    self._changed.clear()
                    await self._load(now)
                self._update_in_meeting(now)
                await self._start_due_checks(now)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database may be down for a moment: the next tick tries again; a
                # claimed check is never lost because it is claimed before it starts.
                log.exception("meeting schedule: tick failed; trying again in %.0f s", self._tick_s)
            self.ticks += 1
            wait = self._next_wait(self._clock())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._changed.wait()

    async def _load(self, now: float) -> None:
        meetings = await self._store.active_meetings(now)
        known = {m.id for m in self._meetings}
        for m in meetings:
            if m.id not in known:
                log.info("meeting %d (%s) in the schedule", m.id, m.title)
        self._meetings = meetings
        self._districts = {r.id: r.district for r in await self._store.list_rooms()}
        self._loaded_at = now

    def _next_wait(self, now: float) -> float:
        wait = self._tick_s
        for m in self._meetings:
            occ = current_or_next(m, now)
            if occ is None:
                continue
            for edge in (occ.start - m.check_before_s, occ.start, occ.end):
                if edge > now:
                    wait = min(wait, edge - now)
        return max(MIN_WAIT_S, wait)

    def _update_in_meeting(self, now: float) -> None:
        table: dict[str, Occurrence] = {}
        for m in self._meetings:
            occ = current_or_next(m, now)
            if occ is None or occ.start > now:
                continue
            for room in m.rooms:
                # Two meetings at once in one room: the one that ends later holds it.
                if room not in table or table[room].end < occ.end:
                    table[room] = occ
        before = self._in_meeting
        self._in_meeting = table
        for room in before.keys() | table.keys():
            old, new = before.get(room), table.get(room)
            if old == new:
                continue
            occ = new if new is not None else old
            assert occ is not None  # noqa: S101 - the room is in one of the two tables
            data: dict[str, Any] = {"in_meeting": new is not None, **occ.public()}
            self._bus.publish(
                HubEvent("meeting", room_id=room, district=self._districts.get(room), data=data)
            )

    async def _start_due_checks(self, now: float) -> None:
        for i, m in enumerate(self._meetings):
            occ = current_or_next(m, now)
            if occ is None or m.check_before_s <= 0:
                continue
            if not occ.start - m.check_before_s <= now < occ.start:
                continue
            if m.checked_for is not None and m.checked_for >= occ.start:
                continue
            claimed = await self._store.claim_meeting_check(m.id, occ.start)
            # Claimed here or by another replica: either way this process is done with it.
            self._meetings[i] = dataclasses.replace(m, checked_for=occ.start)
            if not claimed:
                log.info("meeting %d: its check is already claimed (another hub process)", m.id)
                continue
            job = asyncio.create_task(self._check(occ), name=f"meeting-check-{m.id}")
            self._jobs.add(job)
            job.add_done_callback(self._jobs.discard)

    async def _check(self, occ: Occurrence) -> None:
        m = occ.meeting
        who = f"schedule (meeting {m.id})"
        rooms = list(m.rooms)
        if m.power_on:
            outcomes = await self._fleet.power(who, rooms, on=True)
            for o in outcomes:
                if not o.ok:
                    log.warning("meeting %d: room %s not switched on: %s", m.id, o.room_id, o.error)
        run = self._fleet.start_check(who, rooms)
        self.checks_started += 1
        log.info(
            "meeting %d (%s): automatic check %s of %d rooms, %.0f s before the start",
            m.id,
            m.title,
            run.id,
            len(rooms),
            occ.start - self._clock(),
        )
        self._bus.publish(
            HubEvent("meeting.check", data={**occ.public(), "fleet_id": run.id, "rooms": rooms})
        )
        try:
            await self._store.note_meeting_check(m.id, run.id)
        except Exception:
            log.exception("meeting %d: the check's id was not stored", m.id)
