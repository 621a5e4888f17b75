"""Scenes: named sets of (room, camera, preset) recalled together (DESIGN.md §4).

    GET    /scenes                 every scene (a technician sees those wholly in scope)
    POST   /scenes                 {name, items: [{room_id, camera, preset}]}   operator+
    GET    /scenes/{id}
    PUT    /scenes/{id}            operator+
    DELETE /scenes/{id}            operator+
    POST   /scenes/{id}/recall     every item at once; one outcome per item
                                   (?recall_id=… : each outcome also as an event, below)

A recall is a set of audited ``camera.preset.recall`` commands sent in parallel
(``Fleet.recall_scene``): a room that is offline or fails does not hold the others up.
The answer waits for the last room; each room's outcome is also published as it comes
(``scene.outcome`` on the event stream: scene_id, recall_id, room_id, camera, preset,
ok, error), so the dashboard shows an offline room at once while the cameras still move.
``recall_id`` is the caller's name for this recall, to tell its events from another's.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from appliance.hub.api.deps import BusDep, FleetDep, LangDep, StoreDep
from appliance.hub.api.params import RowId
from appliance.hub.db.errors import NotFoundError
from appliance.hub.db.records import SceneIn, SceneRecord
from appliance.hub.events import HubEvent
from appliance.hub.fleet import Outcome
from appliance.hub.security.deps import CommanderDep, OperatorDep, PrincipalDep
from appliance.hub.security.roles import Principal
from appliance.hub.store import Store
from appliance.i18n import t

router = APIRouter(tags=["scenes"])

RECALL_ID_PATTERN: Final = r"^[A-Za-z0-9_-]{1,64}$"


class SceneItemOut(BaseModel):
    room_id: str
    camera: str
    preset: str


class SceneOut(BaseModel):
    id: int
    name: str
    items: list[SceneItemOut]
    created_at: float
    updated_at: float
    created_by: str | None


class RecallOut(BaseModel):
    scene_id: int
    name: str
    ok: int
    failed: int
    outcomes: list[Outcome]


def _out(scene: SceneRecord) -> SceneOut:
    return SceneOut(
        id=scene.id,
        name=scene.name,
        items=[
            SceneItemOut(room_id=i.room_id, camera=i.camera, preset=i.preset) for i in scene.items
        ],
        created_at=scene.created_at,
        updated_at=scene.updated_at,
        created_by=scene.created_by,
    )


async def _in_scope(store: Store, who: Principal, room_ids: set[str]) -> bool:
    if not who.scoped:
        return True
    mine = {r.id for r in await store.list_rooms(room_ids=room_ids, districts=who.district_scope())}
    return room_ids <= mine


async def _scene(store: Store, who: Principal, scene_id: int, lang: str) -> SceneRecord:
    scene = await store.get_scene(scene_id)
    if scene is None or not await _in_scope(store, who, {i.room_id for i in scene.items}):
        raise NotFoundError(t("hub.scene.not_found", lang, scene=scene_id))
    return scene


@router.get("/scenes", name="scenes_list")
async def scenes_list(who: PrincipalDep, store: StoreDep) -> list[SceneOut]:
    out = []
    for scene in await store.list_scenes():
        if await _in_scope(store, who, {i.room_id for i in scene.items}):
            out.append(_out(scene))
    return out


@router.post("/scenes", name="scenes_create", status_code=201)
async def scenes_create(body: SceneIn, who: OperatorDep, store: StoreDep) -> SceneOut:
    scene = await store.create_scene(body, by=who.who)
    await store.audit(who.who, None, "scene.create", {"name": body.name}, "ok", 0.0)
    return _out(scene)


@router.get("/scenes/{scene_id}", name="scenes_get")
async def scenes_get(
    scene_id: RowId, who: PrincipalDep, store: StoreDep, lang: LangDep
) -> SceneOut:
    return _out(await _scene(store, who, scene_id, lang))


@router.put("/scenes/{scene_id}", name="scenes_update")
async def scenes_update(
    scene_id: RowId, body: SceneIn, who: OperatorDep, store: StoreDep
) -> SceneOut:
    scene = await store.update_scene(scene_id, body)
    await store.audit(who.who, None, "scene.update", {"id": scene_id, "name": body.name}, "ok", 0.0)
    return _out(scene)


@router.delete("/scenes/{scene_id}", name="scenes_delete", status_code=204)
async def scenes_delete(scene_id: RowId, who: OperatorDep, store: StoreDep) -> Response:
    await store.delete_scene(scene_id)
    await store.audit(who.who, None, "scene.delete", {"id": scene_id}, "ok", 0.0)
    return Response(status_code=204)


@router.post("/scenes/{scene_id}/recall", name="scenes_recall")
async def scenes_recall(
    scene_id: RowId,
    who: CommanderDep,
    fleet: FleetDep,
    store: StoreDep,
    bus: BusDep,
    lang: LangDep,
    recall_id: Annotated[str | None, Query(pattern=RECALL_ID_PATTERN)] = None,
) -> RecallOut:
    scene = await _scene(store, who, scene_id, lang)
    items = [(i.room_id, i.camera, i.preset) for i in scene.items]
    # The event carries the room's district: the stream shows a technician only theirs.
    districts = {r.id: r.district for r in await store.list_rooms(room_ids={i[0] for i in items})}

    def publish(o: Outcome) -> None:
        data = {"scene_id": scene.id, "recall_id": recall_id, "camera": o.camera,
                "preset": o.preset, "ok": o.ok, "error": o.error}  # fmt: skip
        bus.publish(
            HubEvent(
                "scene.outcome", room_id=o.room_id, district=districts.get(o.room_id), data=data
            )
        )

    outcomes = await fleet.recall_scene(who.who, items, each=publish)
    ok = sum(1 for o in outcomes if o.ok)
    return RecallOut(
        scene_id=scene.id,
        name=scene.name,
        ok=ok,
        failed=len(outcomes) - ok,
        outcomes=outcomes,
    )
