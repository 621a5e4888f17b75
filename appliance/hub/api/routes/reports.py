"""``GET /reports``: time online, readiness and failed items per room or district (issue 11).

    GET /api/v1/reports?from=2026-11-01&to=2026-12-01&group=district&format=csv

``from``/``to`` are dates or date-times; without a time zone they are Vietnam's time
(UTC+7, no summer time). Any logged-in user may read a report; a technician's covers
only their districts.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from appliance.hub import reports
from appliance.hub.api.deps import StoreDep
from appliance.hub.db.errors import InvalidInputError
from appliance.hub.security.deps import PrincipalDep

router = APIRouter(tags=["reports"])

VIETNAM: Final = timezone(timedelta(hours=7))


def _epoch(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=VIETNAM)).timestamp()


@router.get(
    "/reports",
    name="report",
    responses={200: {"content": {"text/csv": {}}, "description": "JSON rows, or CSV (UTF-8, BOM)"}},
)
async def report(
    store: StoreDep,
    who: PrincipalDep,
    start: Annotated[datetime, Query(alias="from")],
    end: Annotated[datetime, Query(alias="to")],
    group: Literal["room", "district"] = "room",
    format: Literal["json", "csv"] = "json",
) -> Response:
    t0, t1 = _epoch(start), _epoch(end)
    if t1 <= t0:
        raise InvalidInputError("'to' must be after 'from'")
    scope = who.district_scope()
    rooms = await store.list_rooms(districts=scope)
    ids = [r.id for r in rooms]
    spans = await store.link_spans(t0, t1, ids) if ids else []
    results = await store.results_between(t0, t1, ids) if ids else []
    rows = reports.build(rooms, spans, results, start=t0, end=t1, now=time.time(), group=group)
    if format == "csv":
        name = f"bao-cao-{start.date()}-{end.date()}-{group}.csv"
        return Response(
            reports.to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    body: dict[str, Any] = {
        "from": t0,
        "to": t1,
        "group": group,
        "rows": [r.as_dict() for r in rows],
    }
    return JSONResponse(body)
