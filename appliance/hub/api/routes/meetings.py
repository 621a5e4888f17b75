"""The meeting schedule (issue 11): meetings of rooms, one-off or weekly, whose readiness
check runs by itself before the start (appliance/hub/schedule.py).

    GET    /meetings?from&to          meetings with an occurrence in the period (default:
                                      now → 7 days); each with its next occurrence, whether
                                      it is under way, and when its check runs
    POST   /meetings                  {title, start, end, room_ids | district | all, weekly,
                                       until, check_before_min, power_on}      operator+
    GET    /meetings/{id}
    PUT    /meetings/{id}             operator+
    DELETE /meetings/{id}             operator+
    POST   /meetings/import           an iCalendar file (text/calendar); rooms from each
                                      event's LOCATION: room ids, room names or districts,
                                      separated by commas; "all" / "tất cả" for every room

Times without a zone are the province's (UTC+7). Every change is in the audit log. A
technician sees the meetings that involve a room of their districts and changes none.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from appliance.hub.api.access import chosen_rooms
from appliance.hub.api.deps import LangDep, StoreDep
from appliance.hub.api.params import RowId
from appliance.hub.db.errors import InvalidInputError, NotFoundError
from appliance.hub.db.meetings import MAX_CHECK_BEFORE_S, MeetingIn, MeetingRecord
from appliance.hub.db.records import RoomRecord
from appliance.hub.ical import CalendarError, CalendarEvent, parse_calendar
from appliance.hub.reports import epoch
from appliance.hub.schedule import Scheduler, current_or_next, occurrences
from appliance.hub.security.deps import OperatorDep, PrincipalDep
from appliance.hub.security.roles import Principal
from appliance.hub.store import Store

router = APIRouter(tags=["meetings"])

DEFAULT_SPAN: Final = timedelta(days=7)
MAX_SPAN: Final = timedelta(days=366)
MAX_ICAL_BYTES: Final = 2 * 1024 * 1024
EVERY_ROOM: Final = frozenset({"all", "*", "tất cả", "tat ca"})


class MeetingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=200)]
    start: datetime
    end: datetime
    room_ids: Annotated[list[str], Field(max_length=10_000)] | None = None
    district: str | None = None
    all: bool = False
    weekly: bool = False
    until: datetime | None = None
    check_before_min: Annotated[float, Field(ge=0, le=MAX_CHECK_BEFORE_S / 60)] = 30.0
    power_on: bool = False


class OccurrenceOut(BaseModel):
    starts_at: float
    ends_at: float
    check_at: float | None  # None: no automatic check (check_before 0)


class MeetingOut(BaseModel):
    id: int
    title: str
    starts_at: float
    ends_at: float
    weekly: bool
    until_at: float | None
    rooms: list[str]
    check_before_min: float
    power_on: bool
    uid: str | None
    created_by: str | None
    in_progress: bool
    next: OccurrenceOut | None  # the occurrence under way or the next one
    occurrences: list[OccurrenceOut]  # those in the period asked for (GET /meetings)
    last_fleet_check: str | None


class ImportOut(BaseModel):
    created: list[int]
    updated: list[int]


def _scheduler(request: Request) -> Scheduler:
    scheduler: Scheduler = request.app.state.scheduler
    return scheduler


def _occ_out(m: MeetingRecord, start: float, end: float) -> OccurrenceOut:
    check_at = start - m.check_before_s if m.check_before_s > 0 else None
    return OccurrenceOut(starts_at=start, ends_at=end, check_at=check_at)


def meeting_out(
    m: MeetingRecord, now: float, t0: float | None = None, t1: float | None = None
) -> MeetingOut:
    occ = current_or_next(m, now)
    listed = occurrences(m, t0, t1) if t0 is not None and t1 is not None else []
    return MeetingOut(
        id=m.id,
        title=m.title,
        starts_at=m.starts_at,
        ends_at=m.ends_at,
        weekly=m.weekly,
        until_at=m.until_at,
        rooms=list(m.rooms),
        check_before_min=m.check_before_s / 60,
        power_on=m.power_on,
        uid=m.uid,
        created_by=m.created_by,
        in_progress=occ is not None and occ.start <= now,
        next=_occ_out(m, occ.start, occ.end) if occ is not None else None,
        occurrences=[_occ_out(m, o.start, o.end) for o in listed],
        last_fleet_check=m.last_fleet_check,
    )


async def _my_rooms(store: Store, who: Principal) -> set[str] | None:
    """The rooms a technician may see (one query per request); None: every room."""
    if not who.scoped:
        return None
    return {r.id for r in await store.list_rooms(districts=who.district_scope())}


def _visible(mine: set[str] | None, m: MeetingRecord) -> bool:
    return mine is None or not mine.isdisjoint(m.rooms)


async def _meeting_in(store: Store, who: Principal, body: MeetingBody) -> MeetingIn:
    rooms = await chosen_rooms(store, who, body.room_ids, body.district, body.all)
    return MeetingIn(
        title=body.title,
        starts_at=epoch(body.start),
        ends_at=epoch(body.end),
        rooms=tuple(r.id for r in rooms),
        weekly=body.weekly,
        until_at=epoch(body.until) if body.until is not None else None,
        check_before_s=body.check_before_min * 60,
        power_on=body.power_on,
    )


@router.get("/meetings", name="meetings_list")
async def meetings_list(
    request: Request,
    who: PrincipalDep,
    store: StoreDep,
    lang: LangDep,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
) -> list[MeetingOut]:
    now = _scheduler(request).now()
    t0 = epoch(start) if start is not None else now
    t1 = epoch(end) if end is not None else t0 + DEFAULT_SPAN.total_seconds()
    if not 0 < t1 - t0 <= MAX_SPAN.total_seconds():
        raise InvalidInputError("bad period", key="hub.meeting.bad_period")
    mine = await _my_rooms(store, who)
    out = []
    for m in await store.active_meetings(t0):
        if not occurrences(m, t0, t1, limit=1) or not _visible(mine, m):
            continue
        out.append(meeting_out(m, now, t0, t1))
    return out


@router.post("/meetings", name="meetings_create", status_code=201)
async def meetings_create(
    request: Request, body: MeetingBody, who: OperatorDep, store: StoreDep
) -> MeetingOut:
    meeting = await store.create_meeting(await _meeting_in(store, who, body), by=who.who)
    await store.audit(
        who.who, None, "meeting.create", {"id": meeting.id, "title": meeting.title}, "ok", 0.0
    )
    scheduler = _scheduler(request)
    scheduler.changed()
    return meeting_out(meeting, scheduler.now())


@router.get("/meetings/{meeting_id}", name="meetings_get")
async def meetings_get(
    request: Request, meeting_id: RowId, who: PrincipalDep, store: StoreDep, lang: LangDep
) -> MeetingOut:
    meeting = await store.get_meeting(meeting_id)
    if meeting is None or not _visible(await _my_rooms(store, who), meeting):
        raise NotFoundError("no meeting", key="hub.meeting.not_found", id=meeting_id)
    return meeting_out(meeting, _scheduler(request).now())


@router.put("/meetings/{meeting_id}", name="meetings_change")
async def meetings_change(
    request: Request, meeting_id: RowId, body: MeetingBody, who: OperatorDep, store: StoreDep
) -> MeetingOut:
    meeting = await store.change_meeting(meeting_id, await _meeting_in(store, who, body))
    await store.audit(
        who.who, None, "meeting.change", {"id": meeting_id, "title": meeting.title}, "ok", 0.0
    )
    scheduler = _scheduler(request)
    scheduler.changed()
    return meeting_out(meeting, scheduler.now())


@router.delete("/meetings/{meeting_id}", name="meetings_delete", status_code=204)
async def meetings_delete(
    request: Request, meeting_id: RowId, who: OperatorDep, store: StoreDep
) -> Response:
    await store.delete_meeting(meeting_id)
    await store.audit(who.who, None, "meeting.delete", {"id": meeting_id}, "ok", 0.0)
    _scheduler(request).changed()
    return Response(status_code=204)


@router.post(
    "/meetings/import",
    name="meetings_import",
    openapi_extra={
        "requestBody": {
            "content": {"text/calendar": {"schema": {"type": "string"}}},
            "required": True,
        }
    },
)
async def meetings_import(
    request: Request,
    who: OperatorDep,
    store: StoreDep,
    lang: LangDep,
    check_before_min: Annotated[float, Query(ge=0, le=MAX_CHECK_BEFORE_S / 60)] = 30.0,
    power_on: bool = False,
) -> ImportOut:
    raw = await request.body()
    if len(raw) > MAX_ICAL_BYTES:
        raise _invalid("the file is larger than 2 MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _invalid("the file is not UTF-8 text") from None
    try:
        events = parse_calendar(text)
    except CalendarError as exc:
        raise _invalid(str(exc)) from None
    rooms = await store.list_rooms()
    drafts = [
        MeetingIn(
            title=ev.title or "(không tiêu đề)",
            starts_at=ev.starts_at,
            ends_at=ev.ends_at,
            rooms=rooms_of(ev, rooms),
            weekly=ev.weekly,
            until_at=ev.until_at,
            check_before_s=check_before_min * 60,
            power_on=power_on,
            uid=ev.uid,
        )
        for ev in events
    ]
    outcome = await store.import_meetings(drafts, by=who.who)
    await store.audit(
        who.who,
        None,
        "meeting.import",
        {"created": len(outcome.created), "updated": len(outcome.updated)},
        "ok",
        0.0,
    )
    _scheduler(request).changed()
    return ImportOut(created=outcome.created, updated=outcome.updated)


def _invalid(detail: str) -> InvalidInputError:
    return InvalidInputError(detail, key="hub.meeting.ical_invalid", detail=detail)


def rooms_of(event: CalendarEvent, rooms: list[RoomRecord]) -> tuple[str, ...]:
    """The rooms an event's LOCATION names: room ids, room names, districts, or "all".
    A name that matches nothing makes the whole import fail (no meeting half-imported)."""
    wanted = [w.strip() for w in re.split(r"[,;\n]", event.location) if w.strip()]
    if not wanted:
        raise _invalid(f"event {event.title!r}: LOCATION names no room")
    chosen: dict[str, None] = {}
    for name in wanted:
        key = name.casefold()
        if key in EVERY_ROOM:
            chosen.update(dict.fromkeys(r.id for r in rooms))
            continue
        hits = [
            r.id
            for r in rooms
            if key in (r.id.casefold(), r.name.casefold(), r.district.casefold())
        ]
        if not hits:
            raise _invalid(f"event {event.title!r}: no room or district named {name!r}")
        chosen.update(dict.fromkeys(hits))
    return tuple(chosen)
