"""The hub's link endpoint against simulated agents over real WebSockets on loopback.

Presence (Online at hello, Offline at once on a closed link, Offline after the silence
limit on a half-open one, no flip on one late heartbeat), the upgrade's secret check,
the hello's room check, one link per room, commands matched to results with their
errors, events stored once and acknowledged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from appliance.hub.errors import CommandError
from appliance.hub.events import EventBus
from appliance.hub.link_server import (
    CLOSE_BAD_HELLO,
    CLOSE_REPLACED,
    CLOSE_SILENT,
    CLOSE_WRONG_ROOM,
)
from appliance.hub.presence import Presence
from appliance.hub.simagent import SimAgent
from appliance.link.messages import DeviceInfo, Heartbeat, Hello, decode_hub_message, encode
from tests.support.hub import HubHandle, agents, running_hub, until

__all__ = ["agents"]  # the fixture, re-exported for pytest

# Small on purpose (the production values are 40 s / 2 s, settings.py): the rule under
# test is "no frame for offline_after_s → Offline", not the number.
OFFLINE_AFTER_S = 1.0


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[HubHandle]:
    async with running_hub(
        tmp_path / "hub", offline_after_s=OFFLINE_AFTER_S, offline_scan_s=OFFLINE_AFTER_S / 5
    ) as handle:
        yield handle


async def _linked(hub: HubHandle, agents: list[SimAgent], room: str, **kw: object) -> SimAgent:
    secret = await hub.enrol_room(room)
    agent = SimAgent(room, secret, hub.link_url, **kw)  # type: ignore[arg-type]
    agents.append(agent)
    await agent.start()
    return agent


async def test_hello_welcome_heartbeat_presence(hub: HubHandle, agents: list[SimAgent]) -> None:
    with hub.bus.subscribe(lambda ev: ev.room_id == "r1") as sub:
        agent = await _linked(hub, agents, "r1", heartbeat_s=0.05)
        first = await asyncio.wait_for(sub.get(), 5)
        assert (first.kind, first.data["online"], first.district) == ("presence", True, "d1")
        assert agent.welcomes[0].last_event_id == 0
        assert hub.presence.is_online("r1")
        agent.health = "warning"
        await until(lambda: hub.presence.get("r1").health == "warning", 5)  # type: ignore[union-attr]
        kinds = []
        while (ev := sub.get_nowait()) is not None:
            kinds.append((ev.kind, ev.data.get("health")))
        assert ("health", "warning") in kinds
    room = hub.presence.get("r1")
    assert room is not None
    assert room.agent_version == "sim-1"
    assert [d.id for d in room.devices] == ["cam1", "main"]


async def test_closed_link_is_offline_at_once(hub: HubHandle, agents: list[SimAgent]) -> None:
    agent = await _linked(hub, agents, "r1")
    with hub.bus.subscribe(lambda ev: ev.kind == "presence") as sub:
        await agent.stop()
        ev = await asyncio.wait_for(sub.get(), 5)
    assert ev.data == {"online": False, "reason": "closed by the agent"}
    assert not hub.presence.is_online("r1")
    assert not hub.links.is_linked("r1")


async def test_half_open_link_is_closed_and_offline(hub: HubHandle, agents: list[SimAgent]) -> None:
    agent = await _linked(hub, agents, "r1", reconnect=False, ping_interval_s=None)
    agent.freeze()  # the socket stays open, nothing more is sent: a frozen agent
    with hub.bus.subscribe(lambda ev: ev.kind == "presence") as sub:
        ev = await asyncio.wait_for(sub.get(), OFFLINE_AFTER_S * 10)
    assert ev.data["online"] is False
    assert "no frame" in ev.data["reason"]
    await until(lambda: CLOSE_SILENT in agent.close_codes, 5)


async def test_heartbeats_keep_a_room_online(hub: HubHandle, agents: list[SimAgent]) -> None:
    # Heartbeats at 40 % of the silence limit: two limits pass and the room never flips.
    with hub.bus.subscribe(lambda ev: ev.kind == "presence") as sub:
        await _linked(hub, agents, "r1", heartbeat_s=OFFLINE_AFTER_S * 0.4)
        assert (await asyncio.wait_for(sub.get(), 5)).data["online"] is True
        beats = hub.presence.heartbeats
        await until(lambda: hub.presence.heartbeats >= beats + 5, OFFLINE_AFTER_S * 10)
        assert sub.get_nowait() is None
    assert hub.presence.is_online("r1")


@pytest.mark.parametrize("header", [None, "Bearer not-a-secret", "Basic abc"])
async def test_upgrade_without_a_valid_secret_is_refused(
    hub: HubHandle, header: str | None
) -> None:
    await hub.enrol_room("r1")
    headers = {} if header is None else {"Authorization": header}
    with pytest.raises(InvalidStatus) as refused:
        async with connect(hub.link_url, additional_headers=headers, open_timeout=5):
            pass
    assert refused.value.response.status_code == 401
    assert hub.links.link_count == 0


async def test_room_a_secret_cannot_speak_as_room_b(hub: HubHandle) -> None:
    secret_a = await hub.enrol_room("room-a")
    await hub.enrol_room("room-b")
    headers = {"Authorization": f"Bearer {secret_a}"}
    async with connect(hub.link_url, additional_headers=headers, open_timeout=5) as ws:
        await ws.send(encode(Hello(room_id="room-b", agent_version="x", boot_id="b")))
        answer = decode_hub_message(await asyncio.wait_for(ws.recv(), 5))
        assert answer.type == "error"
        await asyncio.wait_for(ws.wait_closed(), 5)
        assert ws.close_code == CLOSE_WRONG_ROOM
    assert not hub.presence.is_online("room-b")
    assert not hub.presence.is_online("room-a")


async def test_a_new_link_replaces_the_old(hub: HubHandle, agents: list[SimAgent]) -> None:
    old = await _linked(hub, agents, "r1", reconnect=False)
    new = SimAgent("r1", old.secret, hub.link_url)
    agents.append(new)
    await new.start()
    await until(lambda: CLOSE_REPLACED in old.close_codes, 5)
    assert hub.presence.is_online("r1")
    assert hub.links.link_count == 1
    res = await hub.links.command("r1", "status")
    assert res.data["room_id"] == "r1"
    assert len(new.commands) == 1
    assert old.commands == []


async def test_commands_results_and_errors(hub: HubHandle, agents: list[SimAgent]) -> None:
    agent = await _linked(hub, agents, "r1")
    await hub.links.command(
        "r1", "camera.preset.store", {"camera": "cam1", "number": 3, "name": "podium"}
    )
    await hub.links.command(
        "r1", "camera.position", {"camera": "cam1", "pan_deg": 10.0, "tilt_deg": 2.0}
    )
    res = await hub.links.command(
        "r1", "camera.preset.recall", {"camera": "cam1", "preset": "home"}
    )
    assert res.data["name"] == "home"
    assert (agent.cameras["cam1"].pan_deg, agent.cameras["cam1"].last_preset) == (0.0, "home")
    # Ten commands at once: each result reaches its own caller.
    many = await asyncio.gather(
        *(
            hub.links.command("r1", "camera.zoom", {"camera": "cam1", "position": n})
            for n in range(10)
        )
    )
    assert len({r.request_id for r in many}) == 10

    with pytest.raises(CommandError) as not_found:
        await hub.links.command("r1", "camera.preset.recall", {"camera": "cam9", "preset": "1"})
    assert (not_found.value.kind, not_found.value.status) == ("not_found", 404)
    agent.fail_ops["camera.power"] = "unavailable"
    with pytest.raises(CommandError) as unavailable:
        await hub.links.command("r1", "camera.power", {"camera": "cam1", "on": True})
    assert unavailable.value.status == 503
    with pytest.raises(CommandError) as invalid:
        await hub.links.command("r1", "camera.power", {"camera": "cam1", "on": "yes"})
    assert invalid.value.status == 422
    with pytest.raises(CommandError) as unknown:
        await hub.links.command("r1", "camera.explode", {})
    assert unknown.value.kind == "invalid"
    with pytest.raises(CommandError) as offline:
        await hub.links.command("nowhere", "status")
    assert (offline.value.kind, offline.value.status) == ("offline", 503)


async def test_a_command_past_its_deadline_times_out(
    hub: HubHandle, agents: list[SimAgent]
) -> None:
    agent = await _linked(hub, agents, "r1")
    agent.op_delay_s["camera.snapshot"] = 60.0
    with pytest.raises(CommandError) as timeout:
        await hub.links.command("r1", "camera.snapshot", {"camera": "cam1"}, timeout_s=0.2)
    assert (timeout.value.kind, timeout.value.status) == ("timeout", 504)
    # The link is still good for the next command.
    assert (await hub.links.command("r1", "status")).outcome == "ok"


async def test_pending_command_fails_offline_when_the_link_drops(
    hub: HubHandle, agents: list[SimAgent]
) -> None:
    agent = await _linked(hub, agents, "r1", reconnect=False)
    agent.op_delay_s["camera.snapshot"] = 60.0
    pending = asyncio.create_task(hub.links.command("r1", "camera.snapshot", {"camera": "cam1"}))
    await until(lambda: len(agent.commands) == 1, 5)
    await agent.drop()
    with pytest.raises(CommandError) as lost:
        await asyncio.wait_for(pending, 10)
    assert lost.value.kind == "offline"


async def test_events_are_stored_once_and_acked(hub: HubHandle, agents: list[SimAgent]) -> None:
    agent = await _linked(hub, agents, "r1")
    ids = [
        await agent.emit("device", {"id": "cam1", "kind": "camera", "state": s})
        for s in ("failed", "ready")
    ]
    await until(lambda: agent.acked == ids[-1], 5)
    assert agent.outbox == {}
    # A resend of stored events (a lost ack) is acked again and not stored twice.
    await agent.send_raw(
        json.dumps({"type": "event", "id": ids[0], "at": 1.0, "kind": "device", "data": {}})
    )
    await agent.drop()  # reconnect: welcome carries the stored id, nothing is resent
    await until(lambda: len(agent.welcomes) == 2, 10)
    assert agent.welcomes[1].last_event_id == ids[-1]
    stored = await hub.store.list_events("r1")
    assert [e.event_id for e in stored] == ids
    assert [e.data["state"] for e in stored] == ["failed", "ready"]


async def test_enrol_token_is_spent_and_refused_the_second_time(hub: HubHandle) -> None:
    await hub.enrol_room("r1")
    token = await hub.store.issue_enrolment_token("r1")
    body = {"token": token, "room_id": "r1", "agent_version": "sim-1"}
    async with httpx.AsyncClient(base_url=hub.base_url, timeout=10) as client:
        first = await client.post("/api/v1/enrol", json=body)
        again = await client.post("/api/v1/enrol", json=body)
    assert first.status_code == 200
    assert first.json()["link_url"] == hub.link_url
    assert again.status_code == 401


async def test_presence_is_written_to_the_database_in_batches(tmp_path: Path) -> None:
    async with running_hub(tmp_path / "hub", presence_flush_s=0.2) as hub:
        secrets = {r: await hub.enrol_room(r) for r in ("r1", "r2")}
        agents = [SimAgent(r, s, hub.link_url, heartbeat_s=0.05) for r, s in secrets.items()]
        for agent in agents:
            agent.health = "warning"
            await agent.start()
        try:

            async def stored_health() -> bool:
                rooms = await hub.store.list_rooms()
                return all(r.health == "warning" and r.last_seen_at for r in rooms)

            await until(stored_health, 10)
            row = await hub.store.get_room("r1")
            assert row is not None
            assert row.agent_version == "sim-1"
            assert [d["id"] for d in row.devices] == ["cam1", "main"]
            assert row.presets == {"cam1": ["home"]}
        finally:
            for agent in agents:
                await agent.stop()


def test_a_heartbeat_that_changes_nothing_is_flushed_only_with_the_seen_batch() -> None:
    bus = EventBus()
    presence = Presence(bus)
    cam = DeviceInfo(id="cam1", kind="camera", state="ready")
    presence.online("r1", "d1", Hello(room_id="r1", agent_version="9", boot_id="b", devices=[cam]))
    first = presence.take_dirty(seen=False)
    assert [(u.room_id, u.agent_version, u.devices) for u in first] == [
        ("r1", "9", [cam.model_dump()])
    ]
    presence.heartbeat("r1", Heartbeat(seq=1, sent_at=time.time(), health="unknown", devices=[cam]))
    assert presence.take_dirty(seen=False) == []
    [seen] = presence.take_dirty(seen=True)
    assert (seen.devices, seen.agent_version, seen.presets) == (None, None, None)
    failed = cam.model_copy(update={"state": "failed"})
    presence.heartbeat(
        "r1", Heartbeat(seq=2, sent_at=time.time(), health="error", devices=[failed])
    )
    [changed] = presence.take_dirty(seen=False)
    assert (changed.health, changed.devices) == ("error", [failed.model_dump()])
    presence.put_back([changed])
    assert presence.take_dirty(seen=False)[0].devices == [failed.model_dump()]


def test_the_seen_batch_is_written_a_slot_of_the_fleet_at_a_time() -> None:
    """A room only seen again is written once per n flushes, 1/n of the fleet per flush
    (10,000 rows at once stalled the hub's loop): every room exactly once over n slots."""
    presence = Presence(EventBus())
    rooms = [f"r{i:03d}" for i in range(60)]
    for room_id in rooms:
        presence.online(room_id, "d1", Hello(room_id=room_id, agent_version="9", boot_id="b"))
    presence.take_dirty(seen=False)  # the hellos
    for room_id in rooms:
        presence.heartbeat(room_id, Heartbeat(seq=1, sent_at=time.time(), health="unknown"))
    batches = [presence.take_dirty(seen=(slot, 6)) for slot in range(6)]
    written = [u.room_id for batch in batches for u in batch]
    assert sorted(written) == rooms  # each once
    assert max(len(b) for b in batches) < len(rooms)  # spread, not all in one flush
    assert presence.take_dirty(seen=True) == []  # nothing left behind


async def test_no_hello_closes_the_link(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with running_hub(tmp_path / "hub", hello_timeout_s=0.5) as hub:
        secret = await hub.enrol_room("r1")
        headers = {"Authorization": f"Bearer {secret}"}
        async with connect(hub.link_url, additional_headers=headers, open_timeout=5) as quiet:
            await asyncio.wait_for(quiet.wait_closed(), 10)
        assert quiet.close_code == CLOSE_BAD_HELLO
        assert hub.links.link_count == 0
        assert not hub.presence.is_online("r1")
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
