"""``GET /reports``: time online, readiness and failed items per room or district (issue 11).

    GET /api/v1/reports?from=2026-11-01&to=2026-12-01&group=district&format=csv

``from``/``to`` are dates or date-times; without a time zone they are Vietnam's time
(UTC+7, no summer time). Any logged-in user may read a report; a technician's covers
only their districts.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from appliance.hub import reports
from appliance.hub.api.deps import StoreDep
from appliance.hub.db.errors import InvalidInputError
from appliance.hub.security.deps import PrincipalDep

router = APIRouter(tags=["reports"])


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
    t0, t1 = reports.epoch(start), reports.epoch(end)
    if t1 <= t0:
        raise InvalidInputError("'to' must be after 'from'")
    rows = await reports.make_report(
        store, t0, t1, now=time.time(), group=group, districts=who.district_scope()
    )
    if format == "csv":
        name = f"bao-cao-{start.date()}-{end.date()}-{group}.csv"
        return Response(
            reports.to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return JSONResponse(reports.to_json(rows, t0, t1, group))
