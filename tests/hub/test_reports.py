"""Reports: a planted history (link sessions, check results) against hand-computed figures,
through the real hub's API (JSON and CSV), and the link sessions a real link writes."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from appliance.hub.db.records import RoomIn
from appliance.hub.simagent import SimAgent
from appliance.hub.store import Store
from appliance.link.messages import Event
from tests.support.hub import HubHandle, agents, running_hub, until

__all__ = ["agents"]  # the fixture, re-exported for pytest

VN = timezone(timedelta(hours=7))
START = datetime(2026, 11, 1, tzinfo=VN).timestamp()
DAY = 86_400.0
END = START + DAY
A, B = "Huyện Cẩm Thủy", "Huyện Bá Thước"
R3_NAME = "Điểm cầu UBND huyện Bá Thước"


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[HubHandle]:
    async with running_hub(tmp_path / "hub") as handle:
        yield handle


def _result(
    run: str, overall: str, fails: tuple[str, ...] = (), status: str = "done"
) -> dict[str, Any]:
    items = [{"id": "camera.cam1.snapshot", "status": "pass"}]
    items += [{"id": item, "status": "fail"} for item in fails]
    return {"run_id": run, "status": status, "overall": overall, "results": items}


async def _plant(hub: HubHandle) -> None:
    """A day of history written by a second store on the hub's database, clock in hand."""
    for room_id, name, district in (("r1", "Phòng 1", A), ("r2", "Phòng 2", A), ("r3", R3_NAME, B)):
        await hub.store.add_room(RoomIn(id=room_id, name=name, district=district))
    now = [0.0]
    planted = await Store.open(hub.settings.database_url, upgrade=False, clock=lambda: now[0])
    try:

        async def session(room: str, on: float, off: float) -> None:
            now[0] = on
            sid = await planted.open_link_session(room)
            now[0] = off
            await planted.close_link_session(sid)

        await session("r1", START - 3600, START + 7200)  # clipped at the start: 7,200 s
        await session("r1", START + 36_000, START + 43_200)
        await session("r1", START + 40_000, START + 50_000)  # a replacing link overlaps: 14,000
        await session("r2", END - 1800, END + 1000)  # clipped at the end: 1,800 s
        events = {
            "r1": [
                (START - 10, _result("old", "fail", ("audio.mic1.level",))),  # before the period
                (START + 100, _result("a", "pass")),
                (START + 200, _result("b", "fail", ("audio.mic1.level", "camera.cam1.preset"))),
                (START + 300, _result("c", "warn")),
                (START + 400, _result("d", "fail", ("x",), status="cancelled")),  # not counted
            ],
            "r2": [(START + 500, _result("e", "fail", ("audio.mic1.level",)))],
        }

        async def alert(room: str, raised: float, resolved: float) -> None:
            now[0] = raised
            made = await planted.raise_alert(room, "offline", "", "critical", "", {}, raised, ())
            assert made is not None
            now[0] = resolved
            assert await planted.resolve_alert(room, "offline", "", ()) is not None

        await alert("r1", START + 1000, START + 1600)  # 600 s
        await alert("r1", START + 5000, START + 5300)  # 300 s → mean 450
        await alert("r2", START - 100, END + 10)  # resolved after the period: not counted
        for room, planted_events in events.items():
            await planted.save_events(
                room,
                [
                    Event(id=i, at=at, kind="check.result", data=data)
                    for i, (at, data) in enumerate(planted_events, 1)
                ],
            )
    finally:
        await planted.close()


async def test_figures_match_the_planted_history(hub: HubHandle) -> None:
    await _plant(hub)
    query = {"from": "2026-11-01", "to": "2026-11-02"}  # Vietnam's days (UTC+7)
    async with await hub.client("viewer") as client:
        rooms = (await client.get("/api/v1/reports", params=query)).json()
        districts = (
            await client.get("/api/v1/reports", params={**query, "group": "district"})
        ).json()
        csv_resp = await client.get("/api/v1/reports", params={**query, "format": "csv"})
    assert (rooms["from"], rooms["to"]) == (START, END)
    by_key = {r["key"]: r for r in rooms["rows"]}
    r1, r2, r3 = by_key["r1"], by_key["r2"], by_key["r3"]
    assert r1["online_s"] == pytest.approx(7200 + 14_000)
    assert r1["online_ratio"] == pytest.approx(21_200 / DAY)
    assert (r1["checks"], r1["ready"], r1["pass_rate"]) == (3, 2, pytest.approx(2 / 3))
    assert r1["failed_items"] == [
        {"item": "audio.mic1.level", "count": 1},
        {"item": "camera.cam1.preset", "count": 1},
    ]
    assert (r2["online_s"], r2["checks"], r2["ready"], r2["pass_rate"]) == (1800, 1, 0, 0.0)
    assert (r3["name"], r3["online_s"], r3["checks"], r3["pass_rate"]) == (R3_NAME, 0, 0, None)
    assert (r1["mean_time_to_resolve_s"], r1["alerts_resolved"]) == (450.0, 2)
    assert (r2["mean_time_to_resolve_s"], r2["alerts_resolved"]) == (None, 0)

    d = {r["key"]: r for r in districts["rows"]}
    assert d[A]["rooms"] == 2
    assert (d[A]["mean_time_to_resolve_s"], d[A]["alerts_resolved"]) == (450.0, 2)
    assert d[A]["online_ratio"] == pytest.approx((21_200 + 1800) / (2 * DAY))
    assert (d[A]["checks"], d[A]["ready"]) == (4, 2)
    assert d[A]["failed_items"][0] == {"item": "audio.mic1.level", "count": 2}
    assert (d[B]["rooms"], d[B]["online_s"]) == (1, 0)

    assert csv_resp.status_code == 200
    assert csv_resp.headers["content-type"].startswith("text/csv")
    assert csv_resp.content.startswith(b"\xef\xbb\xbf")  # BOM: a spreadsheet reads UTF-8
    table = list(csv.reader(io.StringIO(csv_resp.content.decode("utf-8-sig"))))
    assert table[0][0] == "Mã (key)"
    rows = {row[0]: row for row in table[1:]}
    assert rows["r3"][1] == R3_NAME
    assert rows["r1"][4] == f"{21_200 / 3600:.2f}"
    assert rows["r1"][9] == "audio.mic1.level ×1; camera.cam1.preset ×1"
    assert rows["r1"][10] == "450"  # mean time from alert to resolution, s


async def test_scope_auth_and_bad_periods(hub: HubHandle) -> None:
    await _plant(hub)
    query = {"from": "2026-11-01", "to": "2026-11-02"}
    async with await hub.client("technician", districts=(B,)) as tech:
        rows = (await tech.get("/api/v1/reports", params=query)).json()["rows"]
        assert [r["key"] for r in rows] == ["r3"]
        backwards = await tech.get(
            "/api/v1/reports", params={"from": "2026-11-02", "to": "2026-11-01"}
        )
        assert backwards.status_code == 422
        assert (
            await tech.get("/api/v1/reports", params={"from": "soon", "to": "later"})
        ).status_code == 422
    async with httpx.AsyncClient(base_url=hub.base_url, timeout=10) as anonymous:
        assert (await anonymous.get("/api/v1/reports", params=query)).status_code == 401


async def test_a_real_link_writes_its_session(hub: HubHandle, agents: list[SimAgent]) -> None:
    agent = SimAgent("r1", await hub.enrol_room("r1"), hub.link_url, reconnect=False)
    agents.append(agent)
    await agent.start()
    await until(lambda: hub.presence.is_online("r1"), 10)
    spans = await hub.store.link_spans(0, 1e12, ["r1"])
    assert len(spans) == 1
    assert spans[0].disconnected_at is None
    await agent.stop()

    async def closed() -> bool:
        spans = await hub.store.link_spans(0, 1e12, ["r1"])
        return len(spans) == 1 and spans[0].disconnected_at is not None

    await until(closed, 10)
    # A hub that dies leaves a session open; the next start closes it.
    await hub.store.open_link_session("r1")
    assert await hub.store.close_dangling_link_sessions() == 1
    spans = await hub.store.link_spans(0, 1e12, ["r1"])
    assert len(spans) == 2
    assert all(sp.disconnected_at is not None for sp in spans)


async def test_cli_report_of_the_same_history(hub: HubHandle, tmp_path: Path) -> None:
    await _plant(hub)
    out = tmp_path / "bao-cao.csv"
    base = [sys.executable, "-m", "appliance", "hub", "report", "--state-dir"]
    base += [str(hub.settings.state_dir), "--from", "2026-11-01", "--to", "2026-11-02"]
    done = await asyncio.to_thread(
        subprocess.run,
        [*base, "--group", "district", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Đã ghi báo cáo (2 dòng)" in done.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = {r[0]: r for r in csv.reader(io.StringIO(raw.decode("utf-8-sig")))}
    assert rows[A][3] == "2"
    assert rows[A][5] == f"{(21_200 + 1800) / (2 * DAY):.4f}"
    assert rows[B][2] == B
    bad = await asyncio.to_thread(
        subprocess.run,
        [*base[:-4], "--from", "2026-11-02", "--to", "2026-11-01"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert "--to phải sau --from" in bad.stderr
