"""Room administration: add, import, enrolment tokens, maintenance, delete.

    POST   /rooms                              {id, name, district} → 201        admin
    POST   /rooms/import                       {rooms: [...]} | text/csv | application/yaml
                                               → {added, updated, unchanged}     admin
    POST   /rooms/{id}/enrolment-token         {ttl_s?} → 201 {token (once), expires_at}  admin
    PUT    /rooms/{id}/maintenance             {on}   technician (own district) and above
    DELETE /rooms/{id}                         admin

(The rooms list and detail with health are the fleet's routes, ``rooms.py``.)
Re-enrolling a room is a new token for the same id: the room row stays, its secret is
replaced when the agent uses the token (docs/LINK.md §1).
"""

from __future__ import annotations

import time
from typing import Annotated, Final

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from appliance.hub.api.deps import SettingsDep, StoreDep
from appliance.hub.db.errors import NotFoundError
from appliance.hub.db.records import RoomIn, RoomRecord
from appliance.hub.db.rooms_file import bad_rooms_file, parse_rooms
from appliance.hub.security.audit import audited
from appliance.hub.security.deps import AdminDep, CommanderDep
from appliance.hub.security.roles import can_see_room

router = APIRouter(prefix="/rooms", tags=["rooms admin"])

MAX_IMPORT_BYTES: Final = 4 * 1024 * 1024


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rooms: Annotated[list[RoomIn], Field(max_length=100_000)]


class ImportOut(BaseModel):
    added: list[str]
    updated: list[str]
    unchanged: list[str]


class TokenRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ttl_s: Annotated[float, Field(gt=0, le=30 * 86400)] | None = None


class EnrolmentTokenOut(BaseModel):
    room_id: str
    token: str  # shown once; stored hashed
    expires_at: float


class MaintenanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: bool


@router.post("", name="add_room", status_code=201)
async def add_room(body: RoomIn, who: AdminDep, store: StoreDep) -> RoomRecord:
    args = body.model_dump()
    async with audited(store, who.who, "room.add", args, room=body.id):
        return await store.add_room(body)


@router.post(
    "/import",
    name="import_rooms",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": ImportIn.model_json_schema()},
                "text/csv": {"schema": {"type": "string"}},
                "application/yaml": {"schema": {"type": "string"}},
            }
        }
    },
)
async def import_rooms(request: Request, who: AdminDep, store: StoreDep) -> ImportOut:
    raw = await request.body()
    if len(raw) > MAX_IMPORT_BYTES:
        raise bad_rooms_file(f"import larger than {MAX_IMPORT_BYTES} bytes")
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad_rooms_file("the import is not UTF-8 text") from None
    if ctype in ("text/csv", "application/csv"):
        rows = parse_rooms(text, "csv")
    elif ctype in ("application/yaml", "application/x-yaml", "text/yaml"):
        rows = parse_rooms(text, "yaml")
    elif ctype == "application/json":
        try:
            rows = ImportIn.model_validate_json(raw).rooms
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise bad_rooms_file(f"{where}: {first['msg']}") from None
    else:
        raise bad_rooms_file("send application/json, text/csv or application/yaml")
    async with audited(store, who.who, "room.import", {"rooms": len(rows)}):
        report = await store.import_rooms(rows)
    return ImportOut(added=report.added, updated=report.updated, unchanged=report.unchanged)


@router.post("/{room_id}/enrolment-token", name="issue_enrolment_token", status_code=201)
async def issue_enrolment_token(
    room_id: str,
    who: AdminDep,
    store: StoreDep,
    settings: SettingsDep,
    body: TokenRequestIn | None = None,
) -> EnrolmentTokenOut:
    ttl = body.ttl_s if body is not None and body.ttl_s is not None else settings.enrol_token_ttl_s
    async with audited(store, who.who, "room.enrolment_token", {"ttl_s": ttl}, room=room_id):
        token = await store.issue_enrolment_token(room_id, ttl_s=ttl, by=who.who)
    return EnrolmentTokenOut(room_id=room_id, token=token, expires_at=time.time() + ttl)


@router.put("/{room_id}/maintenance", name="set_maintenance")
async def set_maintenance(
    room_id: str, body: MaintenanceIn, who: CommanderDep, store: StoreDep
) -> RoomRecord:
    room = await store.get_room(room_id)
    if room is None or not can_see_room(who, room):
        raise NotFoundError(
            f"room {room_id} does not exist", key="hub.store.room_not_found", room=room_id
        )
    async with audited(store, who.who, "room.maintenance", {"on": body.on}, room=room_id):
        return await store.set_maintenance(room_id, body.on)


@router.delete("/{room_id}", name="delete_room", status_code=204)
async def delete_room(room_id: str, who: AdminDep, store: StoreDep) -> None:
    async with audited(store, who.who, "room.delete", {}, room=room_id):
        await store.delete_room(room_id)
