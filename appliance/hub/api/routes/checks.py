"""Readiness checks from the hub: one room, chosen rooms, a district or all, in parallel.

POST /checks                     {room_ids | district | all, only?, wait?}  → the fleet run
GET  /checks/{fleet_id}          its rooms' state (progress also comes as SSE events)
GET  /rooms/{room}/checks        stored results, newest first
GET  /rooms/{room}/checks/{run}  one result with its evidence list
GET  /rooms/{room}/checks/{run}/evidence/{name}   the picture fetched from the room
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from appliance.hub.api.access import chosen_rooms, visible_room
from appliance.hub.api.deps import FleetDep, LangDep, StoreDep
from appliance.hub.db.errors import InvalidInputError, NotFoundError
from appliance.hub.security.deps import CommanderDep, PrincipalDep
from appliance.hub.security.roles import Principal
from appliance.i18n import t

router = APIRouter(tags=["checks"])

WAIT_MAX_S = 300.0


class FleetCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    room_ids: Annotated[list[str], Field(max_length=10_000)] | None = None
    district: str | None = None
    all: bool = False
    only: list[Annotated[str, Field(max_length=64)]] | None = None
    # A room in a meeting under way is skipped (state "skipped", error kind in_meeting)
    # unless force: the check plays test tones and moves cameras.
    force: bool = False
    wait: bool = False  # answer when every room has its result (scripts); else at once
    wait_s: Annotated[float, Field(gt=0, le=WAIT_MAX_S)] = 120.0


class RoomCheckOut(BaseModel):
    room_id: str
    state: str
    run_id: str | None
    done: int
    total: int
    overall: str | None
    error: dict[str, str] | None
    evidence: list[str]
    duration_s: float | None


class FleetCheckOut(BaseModel):
    id: str
    started_by: str
    started_at: float
    finished_at: float | None
    rooms: list[RoomCheckOut]


class EvidenceOut(BaseModel):
    item_id: str
    name: str
    content_type: str | None
    size: int | None
    fetched: bool


class CheckResultOut(BaseModel):
    room_id: str
    run_id: str
    event_id: int
    status: str
    overall: str | None
    at: float
    data: dict[str, Any]
    evidence: list[EvidenceOut]


@router.post("/checks", name="checks_start", status_code=202)
async def checks_start(
    body: FleetCheckIn, who: CommanderDep, fleet: FleetDep, store: StoreDep, lang: LangDep
) -> FleetCheckOut:
    rooms = await chosen_rooms(store, who, body.room_ids, body.district, body.all)
    if not rooms:
        raise InvalidInputError(t("hub.rooms.none_chosen", lang))
    run = fleet.start_check(who.who, [r.id for r in rooms], body.only, force=body.force)
    if body.wait:
        # Past wait_s the answer is the run as it stands (finished_at null): the rooms
        # still running go on, and GET /checks/{id} or the SSE stream follow them.
        with contextlib.suppress(TimeoutError):
            await fleet.wait_check(run, body.wait_s)
    return FleetCheckOut.model_validate(run.public())


@router.get("/checks/{fleet_id}", name="checks_get")
async def checks_get(
    fleet_id: str, who: PrincipalDep, fleet: FleetDep, store: StoreDep, lang: LangDep
) -> FleetCheckOut:
    run = fleet.get_check(fleet_id)
    if run is None:
        raise NotFoundError(t("hub.check.not_found", lang, run=fleet_id))
    out = FleetCheckOut.model_validate(run.public())
    if who.scoped:
        mine = {r.id for r in await store.list_rooms(districts=who.district_scope())}
        out.rooms = [r for r in out.rooms if r.room_id in mine]
    return out


@router.get("/rooms/{room_id}/checks", name="room_checks")
async def room_checks(
    room_id: str, who: PrincipalDep, store: StoreDep, limit: int = 20
) -> list[CheckResultOut]:
    await visible_room(store, who, room_id)
    results = await store.list_check_results(room_id, limit=max(1, min(limit, 200)))
    return [_result_out(r) for r in results]


@router.get("/rooms/{room_id}/checks/{run_id}", name="room_check")
async def room_check(
    room_id: str, run_id: str, who: PrincipalDep, store: StoreDep, lang: LangDep
) -> CheckResultOut:
    return _result_out(await _result(store, who, room_id, run_id, lang))


@router.get(
    "/rooms/{room_id}/checks/{run_id}/evidence/{name}",
    name="room_check_evidence",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
async def room_check_evidence(
    room_id: str, run_id: str, name: str, who: PrincipalDep, store: StoreDep, lang: LangDep
) -> Response:
    result = await _result(store, who, room_id, run_id, lang)
    for ev in result.evidence:
        path = store.evidence_file(ev) if ev.name == name else None
        if path is not None and path.is_file():
            return FileResponse(path, media_type=ev.content_type or "application/octet-stream")
    return JSONResponse({"error": "not_found", "message": name}, status_code=404)


async def _result(store: StoreDep, who: Principal, room_id: str, run_id: str, lang: str) -> Any:
    await visible_room(store, who, room_id)
    result = await store.get_check_result(room_id, run_id)
    if result is None:
        raise NotFoundError(t("hub.check.not_found", lang, run=run_id))
    return result


def _result_out(r: Any) -> CheckResultOut:
    return CheckResultOut(
        room_id=r.room_id,
        run_id=r.run_id,
        event_id=r.event_id,
        status=r.status,
        overall=r.overall,
        at=r.at,
        data=r.data,
        evidence=[
            EvidenceOut(
                item_id=e.item_id,
                name=e.name,
                content_type=e.content_type,
                size=e.size,
                fetched=e.path is not None,
            )
            for e in r.evidence
        ],
    )
