"""``/api/v1/rooms``: the fleet at a glance and one room in detail (any logged-in role).

    GET /rooms?district=D&status=offline      rooms with their health rollup
    GET /rooms/{room_id}                       + devices, presets, capabilities

Rollup (DESIGN.md §3): maintenance (flag set) › offline (no link) › the agent's health
(healthy / warning / error / unknown); a room never linked since the hub started and
never seen before is ``unknown``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from appliance.hub.api.access import visible_room
from appliance.hub.api.deps import PresenceDep, StoreDep
from appliance.hub.db.records import RoomRecord
from appliance.hub.presence import Presence
from appliance.hub.schedule import Scheduler
from appliance.hub.security.deps import PrincipalDep

router = APIRouter(tags=["rooms"])

Status = Literal["healthy", "warning", "error", "unknown", "offline", "maintenance"]


class RoomOut(BaseModel):
    id: str
    name: str
    district: str
    status: Status
    online: bool
    health: str
    maintenance: bool
    enrolled: bool
    last_seen_at: float | None
    since: float | None  # when it last went online/offline (this hub process)
    agent_version: str | None
    offline_reason: str | None = None
    # A meeting of the room is under way (the hub's schedule): fleet checks and rollouts
    # skip the room unless forced; camera commands work as always.
    in_meeting: bool = False
    meeting: dict[str, Any] | None = None  # {meeting_id, title, starts_at, ends_at}
    # The hub replica holding the room's link (docs/SCALING.md); None: no link, or the hub
    # runs alone.
    hub_replica: str | None = None


class DeviceOut(BaseModel):
    id: str
    kind: str
    state: str
    last_error: str | None = None
    details: dict[str, Any] = {}


class RoomDetailOut(RoomOut):
    devices: list[DeviceOut]
    presets: dict[str, list[str]]
    capabilities: list[str]
    clock_offset_s: float | None
    last_event_id: int


def room_out(
    room: RoomRecord, presence: Presence, schedule: Scheduler | None = None, me: str | None = None
) -> RoomOut:
    return RoomOut(**_summary(room, presence, schedule, me))


def _summary(
    room: RoomRecord, presence: Presence, schedule: Scheduler | None = None, me: str | None = None
) -> dict[str, Any]:
    occ = schedule.in_meeting(room.id) if schedule is not None else None
    live = presence.get(room.id)
    online = live is not None and live.online
    health = live.health if live is not None else room.health
    status: Status
    if room.maintenance:
        status = "maintenance"
    elif online:
        status = health if health in ("healthy", "warning", "error") else "unknown"  # type: ignore[assignment]
    elif live is not None or room.last_seen_at is not None:
        status = "offline"
    else:
        status = "unknown"
    return {
        "id": room.id,
        "name": room.name,
        "district": room.district,
        "status": status,
        "online": online,
        "health": health,
        "maintenance": room.maintenance,
        "enrolled": room.enrolled,
        "last_seen_at": (live.last_seen or None) if live is not None else room.last_seen_at,
        "since": live.since if live is not None else None,
        "agent_version": (live.agent_version if live is not None else None) or room.agent_version,
        "offline_reason": live.offline_reason if live is not None else None,
        "in_meeting": occ is not None,
        "hub_replica": ((live.replica or me) if live is not None and online else None),
        "meeting": occ.public() if occ is not None else None,
    }


def _replica(request: Request) -> str | None:
    replica: str | None = request.app.state.settings.replica_id
    return replica


def _schedule(request: Request) -> Scheduler | None:
    return getattr(request.app.state, "scheduler", None)


@router.get("/rooms", name="rooms_list")
async def rooms_list(
    request: Request,
    who: PrincipalDep,
    store: StoreDep,
    presence: PresenceDep,
    district: str | None = None,
    status: Status | None = None,
) -> list[RoomOut]:
    rooms = await store.list_rooms(district=district, districts=who.district_scope())
    schedule = _schedule(request)
    me = _replica(request)
    out = [room_out(r, presence, schedule, me) for r in rooms]
    return [r for r in out if status is None or r.status == status]


@router.get("/rooms/{room_id}", name="room_detail")
async def room_detail(
    request: Request, room_id: str, who: PrincipalDep, store: StoreDep, presence: PresenceDep
) -> RoomDetailOut:
    room = await visible_room(store, who, room_id)
    live = presence.get(room_id)
    if live is not None:
        devices = [DeviceOut(**d.model_dump()) for d in live.devices]
        presets, caps, offset = live.presets, live.capabilities, live.clock_offset_s
    else:
        devices = [DeviceOut(**d) for d in room.devices if isinstance(d, dict)]
        presets, caps, offset = room.presets, [], room.clock_offset_s
    return RoomDetailOut(
        **_summary(room, presence, _schedule(request), _replica(request)),
        devices=devices,
        presets=presets,
        capabilities=caps,
        clock_offset_s=offset,
        last_event_id=room.last_event_id,
    )
