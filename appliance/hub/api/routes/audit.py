"""``GET /api/v1/audit``: the audit log, newest first.

Admins and operators read every row; a technician reads the rows of their districts'
rooms only; viewers may not read it (403). Page back with ``before_id``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from appliance.hub.api.deps import StoreDep
from appliance.hub.api.params import MAX_ROW_ID
from appliance.hub.db.records import AuditRecord
from appliance.hub.security.deps import CommanderDep

router = APIRouter(tags=["audit"])


@router.get("/audit", name="list_audit")
async def list_audit(
    who: CommanderDep,
    store: StoreDep,
    room: Annotated[str | None, Query(max_length=64)] = None,
    user: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    since: float | None = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditRecord]:
    scope = who.district_scope()
    room_ids = None
    if scope is not None:
        room_ids = [r.id for r in await store.list_rooms(districts=scope)]
    return await store.list_audit(
        room_ids=room_ids,
        room_id=room,
        who=user,
        action=action,
        since=since,
        before_id=before_id,
        limit=limit,
    )
