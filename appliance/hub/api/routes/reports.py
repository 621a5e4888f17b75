"""``GET /reports``: time online, readiness and failed items per room or district (issue 11).

    GET /api/v1/reports?from=2026-11-01&to=2026-12-01&group=district&format=csv
    GET /api/v1/reports/monthly.pdf?month=2026-11&group=district&lang=vi

``from``/``to`` are dates or date-times; without a time zone they are Vietnam's time
(UTC+7, no summer time). Any logged-in user may read a report; a technician's covers
only their districts.

The monthly PDF is one A4 page for the province's leadership (:mod:`appliance.hub.report_pdf`):
a whole calendar month, so it takes ``month`` rather than ``from``/``to``; Vietnamese
unless ``lang=en`` (the page is for the leadership, whatever the browser's language).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from appliance.hub import report_pdf, reports
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


@router.get(
    "/reports/monthly.pdf",
    name="monthly_report_pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "One A4 page"}},
)
async def monthly_report_pdf(
    store: StoreDep,
    who: PrincipalDep,
    month: Annotated[str, Query(description="YYYY-MM, Vietnam's calendar month")],
    group: Literal["room", "district"] = "district",
    lang: Literal["vi", "en"] = "vi",
) -> Response:
    try:
        period = reports.Month.parse(month)
    except ValueError:
        raise InvalidInputError(
            f"not a month (YYYY-MM): {month!r}", key="hub.report.bad_month", month=month
        ) from None
    report = await reports.make_month_report(
        store, period, now=time.time(), group=group, districts=who.district_scope()
    )
    # About a second of CPU (the first one also imports matplotlib): off the event loop,
    # which serves the rooms' links meanwhile.
    pdf = await asyncio.to_thread(report_pdf.render_month_pdf, report, lang=lang)
    name = f"bao-cao-thang-{period.iso}-{group}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
