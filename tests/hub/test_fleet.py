"""The fleet API against simulated agents on loopback: rooms list and detail, control
proxied to a room (errors mapped to HTTP, every command audited), fleet checks with
progress and evidence, scenes, rooms on/off, live events (SSE) filtered by scope, and
who may do what (viewer, technician of another district)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from appliance.hub.simagent import EVIDENCE_JPEG, SimAgent
from tests.support.hub import HubHandle, running_hub, until

ROOMS = {"r1": "d1", "r2": "d1", "r3": "d2"}


@dataclass
class Fleet:
    hub: HubHandle
    agents: dict[str, SimAgent]
    admin: httpx.AsyncClient


@pytest.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[Fleet]:
    async with running_hub(tmp_path / "hub") as hub:
        agents = {}
        for room, district in ROOMS.items():
            secret = await hub.enrol_room(room, district=district)
            agents[room] = SimAgent(room, secret, hub.link_url, cameras=("cam1", "cam2"))
        await asyncio.gather(*(a.start() for a in agents.values()))
        admin = await hub.client("admin")
        try:
            yield Fleet(hub, agents, admin)
        finally:
            await admin.aclose()
            for agent in agents.values():
                await agent.stop()


async def test_rooms_list_rollup_and_filters(fleet: Fleet) -> None:
    await fleet.agents["r2"].stop()
    await until(lambda: not fleet.hub.presence.is_online("r2"), 5)
    fleet.agents["r3"].health = "error"
    await fleet.agents["r3"].heartbeat()
    await until(lambda: fleet.hub.presence.get("r3").health == "error", 5)  # type: ignore[union-attr]

    rooms = (await fleet.admin.get("/api/v1/rooms")).json()
    assert {r["id"]: r["status"] for r in rooms} == {
        "r1": "healthy",
        "r2": "offline",
        "r3": "error",
    }
    d1 = (await fleet.admin.get("/api/v1/rooms", params={"district": "d1"})).json()
    assert [r["id"] for r in d1] == ["r1", "r2"]
    off = (await fleet.admin.get("/api/v1/rooms", params={"status": "offline"})).json()
    assert [r["id"] for r in off] == ["r2"]
    detail = (await fleet.admin.get("/api/v1/rooms/r1")).json()
    assert [d["id"] for d in detail["devices"]] == ["cam1", "cam2", "main"]
    assert detail["presets"] == {"cam1": ["home"], "cam2": ["home"]}
    assert (await fleet.admin.get("/api/v1/rooms/nope")).status_code == 404


async def test_camera_control_through_the_hub_is_audited(fleet: Fleet) -> None:
    api, agent = fleet.admin, fleet.agents["r1"]
    url = "/api/v1/rooms/r1/cameras/cam1"
    assert (
        await api.put(f"{url}/position", json={"pan_deg": 12.5, "tilt_deg": -3.0})
    ).status_code == 200
    stored = await api.post(f"{url}/presets", json={"number": 4, "name": "podium"})
    assert stored.json()["data"] == {"number": 4, "name": "podium"}
    await api.put(f"{url}/position", json={"pan_deg": 0.0, "tilt_deg": 0.0})
    recalled = await api.post(f"{url}/presets/podium/recall")
    assert recalled.status_code == 200
    assert (agent.cameras["cam1"].pan_deg, agent.cameras["cam1"].tilt_deg) == (12.5, -3.0)
    presets = (await api.get(f"{url}/presets")).json()["data"]
    assert {"number": 4, "name": "podium"} in presets
    snap = await api.get(f"{url}/snapshot")
    assert (snap.status_code, snap.headers["content-type"], snap.content) == (
        200,
        "image/jpeg",
        EVIDENCE_JPEG,
    )
    assert (await api.post(f"{url}/power", json={"on": False})).json()["data"] == {"on": False}
    assert agent.cameras["cam1"].on is False

    audit = await fleet.hub.store.list_audit(room_id="r1")
    actions = [a.action for a in reversed(audit)]
    assert actions == [
        "camera.position",
        "camera.preset.store",
        "camera.position",
        "camera.preset.recall",
        "camera.presets",
        "camera.snapshot",
        "camera.power",
    ]
    assert all(a.outcome == "ok" and a.who.startswith("admin") for a in audit)
    assert audit[0].args == {"camera": "cam1", "on": False}


async def test_room_errors_map_to_http_status(fleet: Fleet) -> None:
    api, agent = fleet.admin, fleet.agents["r1"]
    missing = await api.post("/api/v1/rooms/r1/cameras/cam9/presets/1/recall")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    agent.fail_ops["display.power"] = "unavailable"
    unavailable = await api.post("/api/v1/rooms/r1/displays/main/power", json={"on": True})
    assert unavailable.status_code == 503
    assert "r1" in unavailable.json()["message"]
    agent.fail_ops["camera.stop"] = "busy"
    assert (await api.post("/api/v1/rooms/r1/cameras/cam1/stop")).status_code == 409
    bad = await api.post("/api/v1/rooms/r1/cameras/cam1/zoom", json={"position": -1})
    assert (bad.status_code, bad.json()["error"]) == (422, "invalid")
    await fleet.agents["r2"].stop()
    await until(lambda: not fleet.hub.links.is_linked("r2"), 5)
    offline = await api.post("/api/v1/rooms/r2/cameras/cam1/stop")
    assert (offline.status_code, offline.json()["error"]) == (503, "offline")
    failed = await fleet.hub.store.list_audit(room_id="r1", action="display.power")
    assert failed[0].outcome == "error"
    assert failed[0].error is not None
    assert failed[0].error.startswith("unavailable")


async def test_fleet_check_all_rooms_with_progress_and_evidence(fleet: Fleet) -> None:
    with fleet.hub.bus.subscribe(lambda ev: ev.kind == "fleet.progress") as progress:
        resp = await fleet.admin.post("/api/v1/checks", json={"all": True, "wait": True})
        assert resp.status_code == 202
        run = resp.json()
        seen = []
        while (ev := progress.get_nowait()) is not None:
            seen.append((ev.room_id, ev.data.get("done")))
    assert run["finished_at"] is not None
    assert {r["room_id"]: (r["state"], r["overall"]) for r in run["rooms"]} == dict.fromkeys(
        ROOMS, ("done", "pass")
    )
    for room in ROOMS:
        assert {(room, n) for n in (1, 2, 3, 4)} <= set(seen)
    r1 = next(r for r in run["rooms"] if r["room_id"] == "r1")
    assert len(r1["evidence"]) == 4
    results = (await fleet.admin.get("/api/v1/rooms/r1/checks")).json()
    assert [r["run_id"] for r in results] == [r1["run_id"]]
    assert all(e["fetched"] for e in results[0]["evidence"])
    name = results[0]["evidence"][0]["name"]
    picture = await fleet.admin.get(f"/api/v1/rooms/r1/checks/{r1['run_id']}/evidence/{name}")
    assert (picture.status_code, picture.content) == (200, EVIDENCE_JPEG)
    again = (await fleet.admin.get(f"/api/v1/checks/{run['id']}")).json()
    assert again["rooms"] == run["rooms"]


async def test_fleet_check_reports_an_offline_room_and_runs_the_others(fleet: Fleet) -> None:
    await fleet.agents["r3"].stop()
    await until(lambda: not fleet.hub.links.is_linked("r3"), 5)
    resp = await fleet.admin.post(
        "/api/v1/checks", json={"room_ids": ["r1", "r3"], "wait": True, "only": ["camera"]}
    )
    rooms = {r["room_id"]: r for r in resp.json()["rooms"]}
    assert rooms["r1"]["state"] == "done"
    assert rooms["r3"]["state"] == "error"
    assert rooms["r3"]["error"]["kind"] == "offline"
    assert fleet.agents["r1"].commands[0].args == {"only": ["camera"]}
    assert (await fleet.admin.post("/api/v1/checks", json={"room_ids": ["zz"]})).status_code == 404
    assert (await fleet.admin.post("/api/v1/checks", json={})).status_code == 422


async def test_scene_recall_moves_every_camera_and_reports_each_room(fleet: Fleet) -> None:
    for room, agent in fleet.agents.items():
        for cam in ("cam1", "cam2"):
            agent.cameras[cam].presets[7] = ("speaker", 30.0 + len(room), 5.0)
    items = [
        {"room_id": r, "camera": c, "preset": "speaker"} for r in ROOMS for c in ("cam1", "cam2")
    ]
    created = await fleet.admin.post("/api/v1/scenes", json={"name": "Phát biểu", "items": items})
    assert created.status_code == 201
    scene_id = created.json()["id"]
    await fleet.agents["r3"].stop()
    await until(lambda: not fleet.hub.links.is_linked("r3"), 5)

    with fleet.hub.bus.subscribe(lambda ev: ev.kind == "scene.outcome") as events:
        answer = await fleet.admin.post(
            f"/api/v1/scenes/{scene_id}/recall", params={"recall_id": "lan-1"}
        )
        published = []
        while (ev := events.get_nowait()) is not None:
            published.append(ev)
    recall = answer.json()
    assert (recall["ok"], recall["failed"]) == (4, 2)
    # Each outcome was also published as it came, with the room's district (the stream's
    # scope) and the caller's recall_id.
    assert sorted((e.room_id, e.district, e.data["camera"], e.data["ok"]) for e in published) == [
        (r, ROOMS[r], c, r != "r3") for r in ROOMS for c in ("cam1", "cam2")
    ]
    assert {(e.data["scene_id"], e.data["recall_id"]) for e in published} == {(scene_id, "lan-1")}
    bad_id = await fleet.admin.post(f"/api/v1/scenes/{scene_id}/recall?recall_id=a%20b")
    assert bad_id.status_code == 422
    by_room = {(o["room_id"], o["camera"]): o for o in recall["outcomes"]}
    assert by_room[("r3", "cam1")]["error"]["kind"] == "offline"
    for room in ("r1", "r2"):
        for cam in ("cam1", "cam2"):
            assert by_room[(room, cam)]["ok"] is True
            state = fleet.agents[room].cameras[cam]
            assert (state.last_preset, state.pan_deg) == ("speaker", 32.0)
    listed = (await fleet.admin.get("/api/v1/scenes")).json()
    assert [s["name"] for s in listed] == ["Phát biểu"]
    assert (await fleet.admin.delete(f"/api/v1/scenes/{scene_id}")).status_code == 204


async def test_rooms_off_and_on(fleet: Fleet) -> None:
    off = await fleet.admin.post("/api/v1/rooms/power", json={"on": False, "district": "d1"})
    assert sorted((o["room_id"], o["ok"]) for o in off.json()) == [("r1", True), ("r2", True)]
    for room in ("r1", "r2"):
        assert fleet.agents[room].displays["main"]["power"] == "standby"
        assert not fleet.agents[room].cameras["cam1"].on
    assert fleet.agents["r3"].displays["main"]["power"] == "on"
    on = await fleet.admin.post("/api/v1/rooms/power", json={"on": True, "all": True})
    assert all(o["ok"] for o in on.json())
    assert len(on.json()) == 3
    assert all(a.displays["main"]["showing"] == "slate" for a in fleet.agents.values())


async def test_viewer_cannot_command_technician_sees_only_their_district(fleet: Fleet) -> None:
    viewer = await fleet.hub.client("viewer")
    tech = await fleet.hub.client("technician", districts=("d2",))
    async with viewer, tech:
        assert (await viewer.get("/api/v1/rooms")).status_code == 200
        assert (await viewer.post("/api/v1/rooms/r1/cameras/cam1/stop")).status_code == 403
        assert (await viewer.post("/api/v1/checks", json={"all": True})).status_code == 403
        assert fleet.agents["r1"].commands == []

        assert [r["id"] for r in (await tech.get("/api/v1/rooms")).json()] == ["r3"]
        assert (await tech.get("/api/v1/rooms/r1")).status_code == 404
        assert (await tech.post("/api/v1/rooms/r1/cameras/cam1/stop")).status_code == 404
        assert (await tech.post("/api/v1/rooms/r3/cameras/cam1/stop")).status_code == 200
        off = await tech.post("/api/v1/rooms/power", json={"on": False, "all": True})
        assert [o["room_id"] for o in off.json()] == ["r3"]
        assert fleet.agents["r1"].commands == []
        assert fleet.agents["r1"].cameras["cam1"].on


async def _sse_events(
    client: httpx.AsyncClient, want: int, out: list[tuple[str, dict[str, object]]]
) -> None:
    async with client.stream("GET", "/api/v1/events") as resp:
        assert resp.status_code == 200
        kind = ""
        async for line in resp.aiter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                out.append((kind, json.loads(line.removeprefix("data: "))))
                if len(out) >= want:
                    return


async def test_sse_streams_presence_filtered_by_scope(fleet: Fleet) -> None:
    tech = await fleet.hub.client("technician", districts=("d1",))
    async with tech:
        admin_seen: list[tuple[str, dict[str, object]]] = []
        tech_seen: list[tuple[str, dict[str, object]]] = []
        subs = fleet.hub.bus.subscribers
        readers = [
            asyncio.create_task(_sse_events(fleet.admin, 2, admin_seen)),
            asyncio.create_task(_sse_events(tech, 1, tech_seen)),
        ]
        await until(lambda: fleet.hub.bus.subscribers == subs + 2, 5)
        await fleet.agents["r3"].stop()  # d2: the d1 technician must not see it
        await until(lambda: len(admin_seen) == 1, 5)
        await fleet.agents["r1"].stop()
        await asyncio.wait_for(asyncio.gather(*readers), 10)
        # A closed stream drops its subscription (no queue left filling for nobody).
        await until(lambda: fleet.hub.bus.subscribers == subs, 10)
    assert [(k, e["room_id"], e["online"]) for k, e in admin_seen] == [
        ("presence", "r3", False),
        ("presence", "r1", False),
    ]
    assert [(k, e["room_id"]) for k, e in tech_seen] == [("presence", "r1")]
    anonymous = httpx.AsyncClient(base_url=fleet.hub.base_url)
    async with anonymous:
        assert (await anonymous.get("/api/v1/events")).status_code == 401


async def test_fleet_check_wait_gives_the_state_when_rooms_are_slower(fleet: Fleet) -> None:
    fleet.agents["r2"].check_item_s = 0.5  # four items: 2 s, longer than the wait below
    resp = await fleet.admin.post(
        "/api/v1/checks", json={"room_ids": ["r1", "r2"], "wait": True, "wait_s": 0.3}
    )
    run = resp.json()
    assert run["finished_at"] is None
    states = {r["room_id"]: r["state"] for r in run["rooms"]}
    assert states["r2"] == "running"

    async def finished() -> bool:
        again = (await fleet.admin.get(f"/api/v1/checks/{run['id']}")).json()
        return again["finished_at"] is not None

    await until(finished, 20)
    done = (await fleet.admin.get(f"/api/v1/checks/{run['id']}")).json()
    assert [r["state"] for r in done["rooms"]] == ["done", "done"]


async def test_audio_level_and_displays_through_the_hub(fleet: Fleet) -> None:
    api, agent = fleet.admin, fleet.agents["r2"]
    level = await api.get("/api/v1/rooms/r2/audio/mic1/level", params={"seconds": 0.2})
    assert level.json()["data"]["device"] == "mic1"
    assert (
        await api.get("/api/v1/rooms/r2/audio/mic1/level", params={"seconds": 99})
    ).status_code == 422
    slate = await api.post(
        "/api/v1/rooms/r2/displays/main/show", json={"what": "slate", "text": "Sẵn sàng"}
    )
    assert slate.status_code == 200
    assert agent.displays["main"]["showing"] == "slate"
    await api.post(
        "/api/v1/rooms/r2/displays/main/show", json={"what": "pattern", "pattern": "bars"}
    )
    assert agent.displays["main"]["showing"] == "pattern"
    await api.post("/api/v1/rooms/r2/displays/main/stop")
    assert agent.displays["main"]["showing"] is None
    await api.post("/api/v1/rooms/r2/displays/main/power", json={"on": False})
    assert agent.displays["main"]["power"] == "standby"
    shown = [c.args for c in agent.commands if c.op == "display.show"]
    assert shown == [
        {"display": "main", "what": "slate", "text": "Sẵn sàng"},
        {"display": "main", "what": "pattern", "pattern": "bars"},
    ]
