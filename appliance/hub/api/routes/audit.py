"""``GET /api/v1/audit``: the audit log, newest first.

Admins and operators read every row; a technician reads the rows of their districts'
rooms only; viewers may not read it (403). Page back with ``before_id``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from appliance.hub.api.deps import StoreDep
from appliance.hub.db.records import AuditRecord
from appliance.hub.security.deps import CommanderDep

router = APIRouter(tags=["audit"])


class AuditOut(BaseModel):
    id: int
    at: float
    who: str
    room_id: str | None
    action: str
    args: dict[str, Any]
    outcome: str
    error: str | None
    duration_s: float

    @classmethod
    def of(cls, r: AuditRecord) -> AuditOut:
        return cls(
            id=r.id,
            at=r.at,
            who=r.who,
            room_id=r.room_id,
            action=r.action,
            args=r.args,
            outcome=r.outcome,
            error=r.error,
            duration_s=r.duration_s,
        )


@router.get("/audit", name="list_audit")
async def list_audit(
    who: CommanderDep,
    store: StoreDep,
    room: Annotated[str | None, Query(max_length=64)] = None,
    user: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    since: float | None = None,
    before_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    scope = who.district_scope()
    room_ids = None
    if scope is not None:
        room_ids = [r.id for r in await store.list_rooms(districts=scope)]
    rows = await store.list_audit(
        room_ids=room_ids,
        room_id=room,
        who=user,
        action=action,
        since=since,
        before_id=before_id,
        limit=limit,
    )
    return [AuditOut.of(r) for r in rows]
