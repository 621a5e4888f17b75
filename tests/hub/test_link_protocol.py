"""Bad frames from an agent (docs/LINK.md §4): each gets an ``error`` with its code, is
logged once per kind, and neither the hub nor the room's link goes down."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from appliance.hub.simagent import SimAgent
from appliance.link.messages import MAX_FRAME_BYTES
from tests.support.hub import HubHandle, running_hub, until


@pytest.fixture
async def linked(tmp_path: Path) -> AsyncIterator[tuple[HubHandle, SimAgent]]:
    async with running_hub(tmp_path / "hub") as hub:
        secret = await hub.enrol_room("r1")
        agent = SimAgent("r1", secret, hub.link_url, reconnect=False)
        await agent.start()
        try:
            yield hub, agent
        finally:
            await agent.stop()


BAD_FRAMES = [
    ("not json {", "bad_json"),
    (b"\xff\xfe\x00binary", "bad_json"),
    ("[1, 2, 3]", "invalid"),
    ('{"type": "teleport", "to": "mars"}', "unknown_type"),
    ('{"no_type": true}', "unknown_type"),
    ('{"type": "heartbeat", "seq": -1, "sent_at": 1.0, "health": "healthy"}', "invalid"),
    ('{"type": "heartbeat", "seq": 1, "sent_at": 1.0, "health": "fine"}', "invalid"),
    ('{"type": "event", "id": 0, "at": 1.0, "kind": "device"}', "invalid"),
    ('{"type": "event", "id": 5, "at": 1.0, "kind": "gossip"}', "invalid"),
    ('{"type": "result", "request_id": "x", "outcome": "ok", "extra": 1}', "invalid"),
    (
        '{"type": "hello", "v": 2, "room_id": "r1", "agent_version": "9", "boot_id": "b"}',
        "unsupported_version",
    ),
    ('{"type": "hello", "room_id": "r1", "agent_version": "9", "boot_id": "b"}', "invalid"),
    ('{"type": "welcome", "room_id": "r1", "hub_time": 1.0, "last_event_id": 0}', "unknown_type"),
]


async def test_bad_frames_get_an_error_and_the_link_survives(
    linked: tuple[HubHandle, SimAgent], caplog: pytest.LogCaptureFixture
) -> None:
    hub, agent = linked
    caplog.set_level(logging.WARNING, logger="appliance.hub.link_server")
    for frame, _ in BAD_FRAMES:
        await agent.send_raw(frame)
    await until(lambda: len(agent.protocol_errors) == len(BAD_FRAMES), 10)
    assert [e.code for e in agent.protocol_errors] == [code for _, code in BAD_FRAMES]
    assert agent.protocol_errors[3].ref == "teleport"

    # Still the same link: no close, no second welcome; it carries commands, events and
    # heartbeats as before.
    assert agent.close_codes == []
    assert len(agent.welcomes) == 1
    assert (await hub.links.command("r1", "status")).data["room_id"] == "r1"
    event_id = await agent.emit("health", {"health": "warning"})
    await until(lambda: agent.acked == event_id, 5)
    assert [e.event_id for e in await hub.store.list_events("r1")] == [event_id]

    # One warning per kind, however often it came (bad_json twice, invalid seven times).
    logged = [r.getMessage() for r in caplog.records if "protocol error" in r.getMessage()]
    kinds = [m.split("protocol error ")[1].split(":")[0] for m in logged]
    assert sorted(kinds) == sorted({code for _, code in BAD_FRAMES})


async def test_an_oversized_frame_is_refused_and_the_link_survives(
    linked: tuple[HubHandle, SimAgent],
) -> None:
    hub, agent = linked
    big = json.dumps(
        {
            "type": "event",
            "id": 1,
            "at": 1.0,
            "kind": "device",
            "data": {"blob": "x" * MAX_FRAME_BYTES},
        }
    )
    await agent.send_raw(big)
    await until(lambda: len(agent.protocol_errors) == 1, 20)
    assert agent.protocol_errors[0].code == "too_large"
    assert agent.close_codes == []
    assert await hub.store.list_events("r1") == []
    assert (await hub.links.command("r1", "status")).outcome == "ok"
    async with httpx.AsyncClient(base_url=hub.base_url) as client:
        assert (await client.get("/healthz")).status_code == 200
