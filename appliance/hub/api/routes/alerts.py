"""Alerts (issue 11): what is wrong now, what was, and who took it in hand.

    GET  /alerts?state=active|open|acknowledged|resolved|all&room=R&since=T&limit=N
                                 newest first (default: active = open + acknowledged)
    GET  /alerts/{id}
    POST /alerts/{id}/ack        "I am on it": open → acknowledged (technician+, audited)

Alerts are raised and resolved by the hub itself (appliance/hub/alerts/engine.py); nobody
creates or deletes one through the API. A technician sees and acknowledges the alerts of
their districts' rooms only (others are 404, as for rooms).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from appliance.hub.api.access import visible_room
from appliance.hub.api.deps import StoreDep
from appliance.hub.api.params import RowId
from appliance.hub.db.alerts import AlertRecord
from appliance.hub.db.errors import NotFoundError
from appliance.hub.errors import RoomNotFoundError
from appliance.hub.events import EventBus, HubEvent
from appliance.hub.security.deps import CommanderDep, PrincipalDep
from appliance.hub.security.roles import Principal
from appliance.hub.store import Store

router = APIRouter(tags=["alerts"])

StateFilter = Literal["active", "open", "acknowledged", "resolved", "all"]
_STATES: dict[str, tuple[str, ...] | None] = {
    "active": ("open", "acknowledged"),
    "open": ("open",),
    "acknowledged": ("acknowledged",),
    "resolved": ("resolved",),
    "all": None,
}


class AlertOut(BaseModel):
    id: int
    room_id: str
    rule: str
    subject: str
    severity: str
    state: str
    summary: str
    data: dict[str, Any]
    began_at: float
    raised_at: float
    acked_at: float | None
    acked_by: str | None
    resolved_at: float | None


def _out(a: AlertRecord) -> AlertOut:
    return AlertOut.model_validate(a, from_attributes=True)


async def _visible(store: Store, who: Principal, alert_id: int) -> AlertRecord:
    alert = await store.get_alert(alert_id)
    if alert is not None and who.scoped:
        try:
            await visible_room(store, who, alert.room_id)
        except RoomNotFoundError:
            alert = None
    if alert is None:
        raise NotFoundError("no alert", key="hub.alert.not_found", id=alert_id)
    return alert


@router.get("/alerts", name="alerts_list")
async def alerts_list(
    who: PrincipalDep,
    store: StoreDep,
    state: StateFilter = "active",
    room: Annotated[str | None, Query(max_length=64)] = None,
    since: float | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AlertOut]:
    room_ids: list[str] | None = None
    if who.scoped:
        room_ids = [r.id for r in await store.list_rooms(districts=who.district_scope())]
    if room is not None:
        room_ids = [room] if room_ids is None or room in room_ids else []
    rows = await store.list_alerts(
        states=_STATES[state], room_ids=room_ids, since=since, limit=limit
    )
    return [_out(a) for a in rows]


@router.get("/alerts/{alert_id}", name="alerts_get")
async def alerts_get(alert_id: RowId, who: PrincipalDep, store: StoreDep) -> AlertOut:
    return _out(await _visible(store, who, alert_id))


@router.post("/alerts/{alert_id}/ack", name="alerts_ack")
async def alerts_ack(
    request: Request, alert_id: RowId, who: CommanderDep, store: StoreDep
) -> AlertOut:
    await _visible(store, who, alert_id)
    alert = await store.acknowledge_alert(alert_id, who.who)
    await store.audit(who.who, alert.room_id, "alert.ack", {"id": alert_id}, "ok", 0.0)
    bus: EventBus = request.app.state.bus
    room = await store.get_room(alert.room_id)
    bus.publish(
        HubEvent(
            "alert",
            room_id=alert.room_id,
            district=room.district if room is not None else None,
            data={**_out(alert).model_dump(), "event": "acknowledged"},
        )
    )
    return _out(alert)
