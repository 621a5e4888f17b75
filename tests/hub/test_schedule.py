"""The meeting schedule: a real hub on loopback with simulated rooms on real links, its
clock in the test's hand. The automatic check runs by itself before a meeting (once, also
across a hub restart), a planted fault fails in its room only, rooms in a meeting under
way are "in meeting" in the API, events and /metrics, and fleet checks skip them unless
forced; weekly repetition; the iCalendar import."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from appliance.hub.db.meetings import WEEK_S, MeetingRecord
from appliance.hub.events import HubEvent
from appliance.hub.schedule import current_or_next, occurrences
from appliance.hub.simagent import SimAgent
from tests.support.hub import HubHandle, agents, running_hub, until

__all__ = ["agents"]  # the fixture, re-exported for pytest

VN = timezone(timedelta(hours=7))
MIN = 60.0
EVENT_TIMEOUT_S = 30.0
CHECK_TIMEOUT_S = 90.0


@dataclass
class Clock:
    now: float

    def __call__(self) -> float:
        return self.now


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, VN).isoformat()


async def _ticks(hub: HubHandle, n: int = 2) -> None:
    """Wait until the scheduler has looked at its clock ``n`` more times."""
    target = hub.scheduler.ticks + n
    await until(lambda: hub.scheduler.ticks >= target, EVENT_TIMEOUT_S)


async def _rooms(hub: HubHandle, started: list[SimAgent], n: int = 3) -> list[SimAgent]:
    out = []
    for i in range(1, n + 1):
        secret = await hub.enrol_room(f"r{i}", district="Huyện Cẩm Thủy")
        agent = SimAgent(f"r{i}", secret, hub.link_url, check_item_s=0.01)
        started.append(agent)
        await agent.start()
        out.append(agent)
    await until(lambda: all(hub.presence.is_online(a.room_id) for a in out), EVENT_TIMEOUT_S)
    return out


def _meeting(start: float, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Họp trực tuyến UBND tỉnh",
        "start": _iso(start),
        "end": _iso(start + 60 * MIN),
        "room_ids": ["r1", "r2", "r3"],
    }
    body.update(extra)
    return body


async def test_the_check_runs_by_itself_before_the_meeting_and_rooms_go_in_meeting(
    tmp_path: Path, agents: list[SimAgent]
) -> None:
    clock = Clock(time.time())
    async with running_hub(tmp_path / "hub", clock=clock, schedule_tick_s=0.1) as hub:
        _r1, r2, _r3 = await _rooms(hub, agents)
        r2.failing_items = {1}  # the planted fault: one item of room 2 fails
        start = clock.now + 40 * MIN
        async with await hub.client("operator") as op:
            created = await op.post("/api/v1/meetings", json=_meeting(start))
            assert created.status_code == 201, created.text
            meeting = created.json()
            assert meeting["next"] == {
                "starts_at": pytest.approx(start),
                "ends_at": pytest.approx(start + 60 * MIN),
                "check_at": pytest.approx(start - 30 * MIN),  # the default: 30 min before
            }
            await _ticks(hub)
            assert hub.scheduler.checks_started == 0  # 40 min ahead: not yet

            with hub.bus.subscribe(lambda ev: ev.kind in ("meeting.check", "fleet.done")) as sub:
                clock.now += 11 * MIN  # 29 min before the start: inside the window
                started = await _next(sub, "meeting.check")
                assert started.data["meeting_id"] == meeting["id"]
                assert started.data["rooms"] == ["r1", "r2", "r3"]
                done = await _next(sub, "fleet.done", CHECK_TIMEOUT_S)
            assert done.data["id"] == started.data["fleet_id"]
            overall = {rc["room_id"]: rc["overall"] for rc in done.data["rooms"]}
            assert overall == {"r1": "pass", "r2": "fail", "r3": "pass"}
            stored = await hub.store.list_check_results("r2", limit=1)
            assert stored[0].overall == "fail"
            # … and an alert for that room only (the others passed).
            await until(lambda: _active_alerts(op, 1), EVENT_TIMEOUT_S)
            alerts = (await op.get("/api/v1/alerts")).json()
            assert [(a["room_id"], a["rule"]) for a in alerts] == [("r2", "check_failed")]
            assert alerts[0]["data"]["failed_items"] == ["camera.cam1.snapshot"]

            # Once: more ticks inside the window start nothing, and the claim is taken.
            clock.now += MIN
            await _ticks(hub)
            assert hub.scheduler.checks_started == 1
            assert not await hub.store.claim_meeting_check(meeting["id"], meeting["starts_at"])
            listed = (await op.get("/api/v1/meetings")).json()
            assert [m["last_fleet_check"] for m in listed] == [started.data["fleet_id"]]
            audit = (await op.get("/api/v1/audit", params={"action": "check.start"})).json()
            assert {row["who"] for row in _rows(audit)} == {f"schedule (meeting {meeting['id']})"}

            # The meeting starts: every room is in meeting, in events, the API, /metrics.
            with hub.bus.subscribe(lambda ev: ev.kind == "meeting") as sub:
                clock.now = start + MIN
                entered = {(await _next(sub, "meeting")).room_id for _ in range(3)}
            assert entered == {"r1", "r2", "r3"}
            room = (await op.get("/api/v1/rooms/r1")).json()
            assert room["in_meeting"] is True
            assert room["meeting"]["title"] == "Họp trực tuyến UBND tỉnh"
            assert _in_meeting_series(await op.get("/metrics")) == {"r1": 1, "r2": 1, "r3": 1}

            # A fleet check skips rooms in meeting unless forced; cameras still move.
            skipped = await op.post("/api/v1/checks", json={"all": True, "wait": True})
            assert {r["state"] for r in skipped.json()["rooms"]} == {"skipped"}
            assert {r["error"]["kind"] for r in skipped.json()["rooms"]} == {"in_meeting"}
            forced = await op.post(
                "/api/v1/checks", json={"room_ids": ["r1"], "force": True, "wait": True}
            )
            assert [(r["state"], r["overall"]) for r in forced.json()["rooms"]] == [
                ("done", "pass")
            ]
            recall = await op.post("/api/v1/rooms/r3/cameras/cam1/presets/1/recall")
            assert recall.status_code == 200, recall.text

            # The meeting ends: out of meeting again.
            with hub.bus.subscribe(lambda ev: ev.kind == "meeting") as sub:
                clock.now = start + 61 * MIN
                left = [await _next(sub, "meeting") for _ in range(3)]
            assert {ev.data["in_meeting"] for ev in left} == {False}
            assert (await op.get("/api/v1/rooms/r1")).json()["in_meeting"] is False
            assert _in_meeting_series(await op.get("/metrics")) == {"r1": 0, "r2": 0, "r3": 0}


async def test_a_restarted_hub_does_not_check_twice_and_a_weekly_meeting_comes_back(
    tmp_path: Path, agents: list[SimAgent]
) -> None:
    clock = Clock(time.time())
    start = clock.now + 10 * MIN  # the window (30 min) is open from the moment it exists
    async with running_hub(tmp_path / "hub", clock=clock, schedule_tick_s=0.1) as hub:
        await _rooms(hub, agents, n=1)
        async with await hub.client("operator") as op:
            with hub.bus.subscribe(lambda ev: ev.kind == "fleet.done") as sub:
                body = _meeting(
                    start, room_ids=["r1"], weekly=True, until=_iso(start + WEEK_S), power_on=True
                )
                created = await op.post("/api/v1/meetings", json=body)
                assert created.status_code == 201, created.text
                await _next(sub, "fleet.done", CHECK_TIMEOUT_S)
        assert hub.scheduler.checks_started == 1
        # power_on: the room was switched on before its check.
        ops = [c.op for c in agents[0].commands]
        assert ops.index("room.on") < ops.index("check.start")
    for agent in agents:
        await agent.stop()
    agents.clear()

    # The same database, the same moment: the occurrence is claimed, nothing runs again.
    async with running_hub(tmp_path / "hub", clock=clock, schedule_tick_s=0.1) as hub:
        secret = await hub.enrol_room("r1", district="Huyện Cẩm Thủy")
        agent = SimAgent("r1", secret, hub.link_url, check_item_s=0.01)
        agents.append(agent)
        await agent.start()
        await _ticks(hub, 3)
        assert hub.scheduler.checks_started == 0
        # A week later the second occurrence has its own check; a third there is not.
        with hub.bus.subscribe(lambda ev: ev.kind == "meeting.check") as sub:
            clock.now += WEEK_S
            ev = await _next(sub, "meeting.check")
        assert ev.data["starts_at"] == pytest.approx(start + WEEK_S)
        clock.now += WEEK_S
        await _ticks(hub, 3)
        assert hub.scheduler.checks_started == 1


def test_weekly_occurrences() -> None:
    m = MeetingRecord(
        id=1,
        title="Giao ban",
        starts_at=1000.0,
        ends_at=4600.0,
        weekly=True,
        until_at=1000.0 + 2 * WEEK_S,
        rooms=("r1",),
        check_before_s=1800.0,
        power_on=False,
        uid=None,
        created_by=None,
        created_at=0.0,
        updated_at=0.0,
        checked_for=None,
        last_fleet_check=None,
    )
    assert current_or_next(m, 0.0) == current_or_next(m, 4599.0)
    nxt = current_or_next(m, 4600.0)  # the first ended: the next is a week later
    assert nxt is not None
    assert (nxt.start, nxt.end) == (1000.0 + WEEK_S, 4600.0 + WEEK_S)
    assert [o.start for o in occurrences(m, 0.0, 10 * WEEK_S)] == [
        1000.0,
        1000.0 + WEEK_S,
        1000.0 + 2 * WEEK_S,  # until is inclusive of the last start
    ]
    assert current_or_next(m, 4600.0 + 2 * WEEK_S) is None
    assert occurrences(m, 5000.0, 6000.0) == []  # between two occurrences


async def test_bad_meetings_are_refused_and_roles_apply(tmp_path: Path) -> None:
    async with running_hub(tmp_path / "hub") as hub:
        await hub.enrol_room("r1", district="A")
        await hub.enrol_room("r2", district="B")
        start = time.time() + 3600
        async with (
            await hub.client("operator") as op,
            await hub.client("technician", districts=("B",)) as tech,
            await hub.client("viewer") as viewer,
        ):
            for bad, word in (
                (_meeting(start, end=_iso(start - 60), room_ids=["r1"]), "kết thúc"),
                (_meeting(start, end=_iso(start + 2 * 86_400), room_ids=["r1"]), "24 giờ"),
                (_meeting(start, room_ids=["r1"], until=_iso(start + WEEK_S)), "hằng tuần"),
                (_meeting(start, room_ids=["nowhere"]), "nowhere"),
                (_meeting(start, room_ids=["r1"], check_before_min=-1), "check_before_min"),
            ):
                resp = await op.post("/api/v1/meetings", json=bad)
                assert resp.status_code in (404, 422), resp.text
                assert word in resp.json()["message"], resp.text
            ok = await op.post("/api/v1/meetings", json=_meeting(start, room_ids=["r1"]))
            assert ok.status_code == 201
            mid = ok.json()["id"]
            assert (await tech.post("/api/v1/meetings", json=_meeting(start))).status_code == 403
            assert (await tech.get("/api/v1/meetings")).json() == []  # not their district
            assert (await tech.get(f"/api/v1/meetings/{mid}")).status_code == 404
            assert [m["id"] for m in (await viewer.get("/api/v1/meetings")).json()] == [mid]
            assert (await viewer.delete(f"/api/v1/meetings/{mid}")).status_code == 403
            moved = await op.put(
                f"/api/v1/meetings/{mid}", json=_meeting(start + 600, room_ids=["r1", "r2"])
            )
            assert moved.json()["rooms"] == ["r1", "r2"]
            assert [m["id"] for m in (await tech.get("/api/v1/meetings")).json()] == [mid]
            assert (await op.delete(f"/api/v1/meetings/{mid}")).status_code == 204
            assert (await op.get(f"/api/v1/meetings/{mid}")).status_code == 404
        async with httpx.AsyncClient(base_url=hub.base_url) as anonymous:
            assert (await anonymous.get("/api/v1/meetings")).status_code == 401


# -- iCalendar -------------------------------------------------------------------------------

OUTLOOK = (
    "BEGIN:VCALENDAR\r\n"
    "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\n"
    "VERSION:2.0\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:SE Asia Standard Time\r\nBEGIN:STANDARD\r\n"
    "DTSTART:16010101T000000\r\nTZOFFSETFROM:+0700\r\nTZOFFSETTO:+0700\r\n"
    "END:STANDARD\r\nEND:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:giao-ban-thu-hai@ubnd\r\n"
    "SUMMARY:Giao ban tuần\\, UBND tỉnh với các huyện (họp\r\n"
    "  trực tuyến)\r\n"  # folded: the first space belongs to the fold (RFC 5545 §3.1)
    "LOCATION:Huyện Cẩm Thủy\\, r3\r\n"
    "DTSTART;TZID=SE Asia Standard Time:20261207T080000\r\n"
    "DTEND;TZID=SE Asia Standard Time:20261207T093000\r\n"
    "RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO;WKST=MO\r\n"
    "BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nACTION:DISPLAY\r\nDESCRIPTION:Nhắc họp\r\n"
    "END:VALARM\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:ky-hop-hdnd@tinh\r\n"
    "SUMMARY:Kỳ họp HĐND tỉnh\r\n"
    "LOCATION:tất cả\r\n"
    "DTSTART:20261210T013000Z\r\n"
    "DURATION:PT2H30M\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:huy@tinh\r\nSUMMARY:Đã hủy\r\nSTATUS:CANCELLED\r\nLOCATION:r1\r\n"
    "DTSTART:20261211T013000Z\r\nDTEND:20261211T023000Z\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


async def test_icalendar_import_and_refusals(tmp_path: Path) -> None:
    async with running_hub(tmp_path / "hub") as hub:
        for room_id, district in (("r1", "Huyện Cẩm Thủy"), ("r2", "Huyện Cẩm Thủy"), ("r3", "B")):
            await hub.enrol_room(room_id, district=district)
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        async with await hub.client("operator") as op:
            url = "/api/v1/meetings/import"
            first = await op.post(url, content=OUTLOOK.encode(), headers=headers)
            assert first.status_code == 200, first.text
            assert len(first.json()["created"]) == 2
            assert first.json()["updated"] == []
            period = {"from": "2026-12-01", "to": "2027-01-31"}
            listed = {m["uid"]: m for m in (await op.get("/api/v1/meetings", params=period)).json()}
            weekly = listed["giao-ban-thu-hai@ubnd"]
            assert weekly["title"] == "Giao ban tuần, UBND tỉnh với các huyện (họp trực tuyến)"
            monday_8 = datetime(2026, 12, 7, 8, 0, tzinfo=VN).timestamp()
            assert (weekly["starts_at"], weekly["ends_at"]) == (monday_8, monday_8 + 90 * MIN)
            assert weekly["weekly"] is True
            assert weekly["until_at"] == monday_8 + 3 * WEEK_S  # COUNT=4
            assert [o["starts_at"] for o in weekly["occurrences"]] == [
                monday_8 + k * WEEK_S for k in range(4)
            ]
            assert weekly["rooms"] == ["r1", "r2", "r3"]  # the district, then the room id
            council = listed["ky-hop-hdnd@tinh"]
            assert council["starts_at"] == datetime(2026, 12, 10, 8, 30, tzinfo=VN).timestamp()
            assert council["ends_at"] - council["starts_at"] == 150 * MIN
            assert council["rooms"] == ["r1", "r2", "r3"]
            # Importing the same file again updates, by UID, and creates nothing.
            again = await op.post(url, content=OUTLOOK.encode(), headers=headers)
            assert again.json()["created"] == []
            assert len(again.json()["updated"]) == 2

            for change, word in (
                ("FREQ=WEEKLY;COUNT=4;BYDAY=MO;WKST=MO", "FREQ=MONTHLY"),
                ("FREQ=WEEKLY;COUNT=4;BYDAY=MO;WKST=MO", "FREQ=WEEKLY;INTERVAL=2"),
                ("FREQ=WEEKLY;COUNT=4;BYDAY=MO;WKST=MO", "FREQ=WEEKLY;BYDAY=MO,WE"),
                ("LOCATION:tất cả", "LOCATION:Phòng không có"),
                ("DURATION:PT2H30M", "DURATION:PT2H30M\r\nEXDATE:20261217T013000Z"),
                ("DTSTART:20261210T013000Z", "DTSTART;VALUE=DATE:20261210"),
                ("DTSTART;TZID=SE Asia Standard Time:", "DTSTART;TZID=Mars/Olympus:"),
            ):
                bad = OUTLOOK.replace(change, word).replace("UID:", "UID:x-")
                resp = await op.post(url, content=bad.encode(), headers=headers)
                assert resp.status_code == 422, (word, resp.text)
                assert "chưa nhập gì" in resp.json()["message"]
            not_ical = await op.post(url, content=b"hello", headers=headers)
            assert not_ical.status_code == 422
            # Nothing of the refused files came in.
            assert len((await op.get("/api/v1/meetings", params=period)).json()) == 2
        async with await hub.client("technician", districts=("B",)) as tech:
            refused = await tech.post(url, content=OUTLOOK.encode(), headers=headers)
            assert refused.status_code == 403


# -- helpers ---------------------------------------------------------------------------------


async def _next(sub: Any, kind: str, timeout_s: float = EVENT_TIMEOUT_S) -> HubEvent:
    async with asyncio.timeout(timeout_s):
        while True:
            ev: HubEvent = await sub.get()
            if ev.kind == kind:
                return ev


async def _active_alerts(client: httpx.AsyncClient, n: int) -> bool:
    return len((await client.get("/api/v1/alerts")).json()) >= n


def _rows(audit: Any) -> list[dict[str, Any]]:
    return list(audit["rows"] if isinstance(audit, dict) else audit)


def _in_meeting_series(resp: httpx.Response) -> dict[str, float]:
    assert resp.status_code == 200, resp.text
    out = {}
    for family in text_string_to_metric_families(resp.text):
        for s in family.samples:
            if s.name == "appliance_hub_room_in_meeting":
                out[s.labels["room"]] = s.value
    return out
