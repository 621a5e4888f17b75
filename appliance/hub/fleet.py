"""Fleet operations: commands to rooms (audited), fleet checks, scenes, rooms on/off.

    fleet = Fleet(links, store, bus, settings)
    result = await fleet.command("alice", "r1", "camera.preset.recall", {...})   # audited
    run = fleet.start_check("alice", ["r1", "r2"])            # FleetCheck, runs in parallel
    outcomes = await fleet.recall_scene("alice", scene_items)  # each room's outcome
    outcomes = await fleet.power("alice", ["r1", "r2"], on=True)

Every command a person causes goes through :meth:`Fleet.command`, which writes the audit
row (who, room, action, arguments, outcome, duration) whatever the outcome. A fleet check
runs ``check.start`` in every chosen room at once, follows each room's ``check.progress``
events (published as ``fleet.progress``), takes the ``check.result`` event (stored by the
link with the event, so a result that arrives after a link drop still counts), then
fetches the evidence pictures from the room (``check.evidence``) into the state directory.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from appliance.hub.db.errors import StoreError
from appliance.hub.errors import CommandError
from appliance.hub.events import EventBus, HubEvent
from appliance.hub.link_server import LinkServer
from appliance.hub.settings import HubSettings
from appliance.hub.store import Store
from appliance.i18n import t
from appliance.link.messages import Result
from drivers.supervision import cancel_and_wait

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S: Final = 30.0
CHECK_START_TIMEOUT_S: Final = 10.0
# A room's whole readiness check (DESIGN.md §7: ≤ 3 s on one room) with a wide margin for a
# link that drops and comes back meanwhile (the result then arrives from the outbox).
CHECK_RUN_TIMEOUT_S: Final = 180.0
EVIDENCE_TIMEOUT_S: Final = 20.0
FLEET_RUNS_KEPT: Final = 50


@dataclass
class RoomCheck:
    room_id: str
    state: str = "queued"  # queued / running / done / error / skipped (in a meeting)
    run_id: str | None = None
    done: int = 0
    total: int = 0
    overall: str | None = None
    error: dict[str, str] | None = None
    evidence: list[str] = field(default_factory=list)
    duration_s: float | None = None


@dataclass
class FleetCheck:
    id: str
    started_by: str
    started_at: float
    rooms: dict[str, RoomCheck]
    finished_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started_by": self.started_by,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "rooms": [vars(rc) for rc in self.rooms.values()],
        }


@dataclass(frozen=True)
class Outcome:
    """One room's (and camera's) answer to a fleet action."""

    room_id: str
    ok: bool
    camera: str | None = None
    preset: str | None = None
    data: Any = None
    error: dict[str, str] | None = None
    duration_s: float = 0.0


class Fleet:
    """Commands to rooms and the operations that fan out to many rooms."""

    def __init__(
        self, links: LinkServer, store: Store, bus: EventBus, settings: HubSettings
    ) -> None:
        self._links = links
        self._store = store
        self._bus = bus
        self._settings = settings
        self._checks: dict[str, FleetCheck] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # The title of the meeting a room is in right now, or None (the app sets it to the
        # meeting scheduler's table): fleet checks skip such a room unless forced.
        self.busy: Callable[[str], str | None] = lambda room_id: None

    async def close(self) -> None:
        await cancel_and_wait(*self._tasks, what="fleet checks")

    # -- one room ------------------------------------------------------------------------

    async def command(
        self,
        who: str,
        room_id: str,
        op: str,
        args: dict[str, Any] | None = None,
        *,
        timeout_s: float = COMMAND_TIMEOUT_S,
        audit: bool = True,
    ) -> Result:
        """Run ``op`` in the room and write the audit row; :class:`CommandError` on failure."""
        args = args or {}
        started = time.monotonic()
        outcome, error = "ok", None
        try:
            return await self._links.command(room_id, op, args, timeout_s=timeout_s)
        except CommandError as exc:
            outcome, error = "error", f"{exc.kind}: {exc.info.message}"
            raise
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            if audit:
                took = time.monotonic() - started
                await self._audit(who, room_id, op, args, outcome, took, error)

    async def _audit(
        self,
        who: str,
        room_id: str,
        op: str,
        args: dict[str, Any],
        outcome: str,
        took: float,
        error: str | None,
    ) -> None:
        try:
            await self._store.audit(who, room_id, op, args, outcome, took, error=error)
        except Exception:
            # The command already ran; a lost audit row is logged loudly, not hidden.
            log.exception("audit of %s on %s by %s failed", op, room_id, who)

    # -- fleet check ---------------------------------------------------------------------

    def start_check(
        self,
        who: str,
        room_ids: list[str],
        only: list[str] | None = None,
        *,
        force: bool = False,
    ) -> FleetCheck:
        """Start the readiness check in every room at once. A room in a meeting under way
        is ``skipped`` (the check plays test tones and moves cameras) unless ``force``."""
        run = FleetCheck(
            id=uuid.uuid4().hex[:12],
            started_by=who,
            started_at=time.time(),
            rooms={r: RoomCheck(r) for r in room_ids},
        )
        for rc in run.rooms.values():
            title = None if force else self.busy(rc.room_id)
            if title is not None:
                rc.state = "skipped"
                rc.error = {
                    "kind": "in_meeting",
                    "message": t("hub.meeting.in_meeting", "en", title=title),
                }
        self._checks[run.id] = run
        while len(self._checks) > FLEET_RUNS_KEPT:
            oldest = next(iter(self._checks))
            if not self._checks[oldest].finished:
                break
            del self._checks[oldest]
        task = asyncio.create_task(self._run_check(who, run, only), name=f"fleet-check-{run.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return run

    def get_check(self, fleet_id: str) -> FleetCheck | None:
        return self._checks.get(fleet_id)

    async def wait_check(self, run: FleetCheck, timeout_s: float) -> None:
        with self._bus.subscribe(
            lambda ev: ev.kind == "fleet.done" and ev.data["id"] == run.id
        ) as sub:
            if run.finished:
                return
            async with asyncio.timeout(timeout_s):
                await sub.get()

    async def _run_check(self, who: str, run: FleetCheck, only: list[str] | None) -> None:
        try:
            await asyncio.gather(
                *(
                    self._check_room(who, run, rc, only)
                    for rc in run.rooms.values()
                    if rc.state != "skipped"
                )
            )
        finally:
            run.finished_at = time.time()
            self._bus.publish(HubEvent("fleet.done", data=run.public()))

    async def _check_room(
        self, who: str, run: FleetCheck, rc: RoomCheck, only: list[str] | None
    ) -> None:
        started = time.monotonic()

        def mine(ev: HubEvent) -> bool:
            return ev.room_id == rc.room_id and ev.kind in ("check.progress", "check.result")

        # Subscribed before check.start: a quick room's first events are not missed.
        with self._bus.subscribe(mine) as sub:
            try:
                args: dict[str, Any] = {"only": only} if only else {}
                res = await self.command(
                    who, rc.room_id, "check.start", args, timeout_s=CHECK_START_TIMEOUT_S
                )
                rc.run_id = str((res.data or {}).get("run_id", ""))
                rc.state = "running"
                self._progress(run, rc)
                result = await self._follow(sub, rc)
            except CommandError as exc:
                rc.state, rc.error = "error", {"kind": exc.kind, "message": exc.info.message}
                rc.duration_s = time.monotonic() - started
                self._progress(run, rc)
                return
            except TimeoutError:
                rc.state = "error"
                rc.error = {
                    "kind": "timeout",
                    "message": f"no result in {CHECK_RUN_TIMEOUT_S:.0f} s",
                }
                rc.duration_s = time.monotonic() - started
                self._progress(run, rc)
                return
        rc.overall = result.get("overall")
        rc.total = rc.total or len(result.get("results") or [])
        rc.done = rc.total
        rc.evidence = await self._fetch_evidence(who, rc)
        rc.state = "done"
        rc.duration_s = time.monotonic() - started
        self._progress(run, rc)

    async def _follow(self, sub: Any, rc: RoomCheck) -> dict[str, Any]:
        async with asyncio.timeout(CHECK_RUN_TIMEOUT_S):
            while True:
                ev: HubEvent = await sub.get()
                if ev.data.get("run_id") != rc.run_id:
                    continue
                if ev.kind == "check.result":
                    return ev.data
                done, total = ev.data.get("done"), ev.data.get("total")
                if isinstance(done, int) and isinstance(total, int):
                    rc.done, rc.total = done, total
                    self._bus.publish(
                        HubEvent(
                            "fleet.progress",
                            room_id=rc.room_id,
                            district=ev.district,
                            data={
                                "room_id": rc.room_id,
                                "run_id": rc.run_id,
                                "done": done,
                                "total": total,
                            },
                        )
                    )

    def _progress(self, run: FleetCheck, rc: RoomCheck) -> None:
        data = {"id": run.id, **vars(rc)}
        self._bus.publish(HubEvent("fleet.progress", room_id=rc.room_id, data=data))

    async def _fetch_evidence(self, who: str, rc: RoomCheck) -> list[str]:
        """The result's evidence files (listed by the store when it stored the
        ``check.result`` event) from the room into <state>/evidence/<room>/<run>/."""
        run_id = str(rc.run_id)
        stored = await self._store.get_check_result(rc.room_id, run_id)
        fetched = []
        for ev in stored.evidence if stored is not None else []:
            if ev.path is not None:
                fetched.append(ev.name)
                continue
            try:
                res = await self.command(
                    who,
                    rc.room_id,
                    "check.evidence",
                    {"run_id": run_id, "name": ev.name},
                    timeout_s=EVIDENCE_TIMEOUT_S,
                    audit=False,  # part of the audited check.start
                )
                data = res.data if isinstance(res.data, dict) else {}
                blob = base64.b64decode(str(data.get("data_base64", "")), validate=True)
                content_type = str(data.get("content_type", "application/octet-stream"))
                await self._store.save_evidence(rc.room_id, run_id, ev.name, content_type, blob)
            except (CommandError, StoreError, binascii.Error, ValueError) as exc:
                log.warning("room %s: evidence %s not fetched: %s", rc.room_id, ev.name, exc)
                continue
            fetched.append(ev.name)
        return fetched

    # -- scenes and rooms on/off -----------------------------------------------------------

    async def recall_scene(
        self,
        who: str,
        items: list[tuple[str, str, str]],
        each: Callable[[Outcome], None] | None = None,
    ) -> list[Outcome]:
        """Recall every (room, camera, preset) at once; one outcome per item. ``each`` is
        called with every outcome as it comes (a room that is offline answers at once, a
        camera on its way takes seconds), before the last one ends the call."""

        async def one(room: str, cam: str, preset: str) -> Outcome:
            args = {"camera": cam, "preset": preset}
            outcome = await self._one(who, room, "camera.preset.recall", args, cam, preset)
            if each is not None:
                each(outcome)
            return outcome

        return list(await asyncio.gather(*(one(*item) for item in items)))

    async def power(self, who: str, room_ids: list[str], *, on: bool) -> list[Outcome]:
        op = "room.on" if on else "room.off"
        return list(await asyncio.gather(*(self._one(who, r, op, {}) for r in room_ids)))

    async def _one(
        self,
        who: str,
        room_id: str,
        op: str,
        args: dict[str, Any],
        camera: str | None = None,
        preset: str | None = None,
    ) -> Outcome:
        started = time.monotonic()
        try:
            res = await self.command(who, room_id, op, args)
        except CommandError as exc:
            return Outcome(
                room_id,
                ok=False,
                camera=camera,
                preset=preset,
                error={"kind": exc.kind, "message": exc.info.message},
                duration_s=time.monotonic() - started,
            )
        return Outcome(
            room_id,
            ok=True,
            camera=camera,
            preset=preset,
            data=res.data,
            duration_s=time.monotonic() - started,
        )
