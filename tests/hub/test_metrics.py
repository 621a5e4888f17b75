"""The hub's ``/metrics``: a real hub and simulated agents on loopback, scraped over HTTP.

Every figure is checked against what the test made happen (links, commands, stored check
results), parsed with prometheus-client's own text parser.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from appliance.hub.errors import CommandError
from appliance.hub.simagent import SimAgent
from tests.support.hub import HubHandle, agents, running_hub, until

__all__ = ["agents"]  # the fixture, re-exported for pytest


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[HubHandle]:
    async with running_hub(tmp_path / "hub") as handle:
        yield handle


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def _value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples[(name, frozenset(labels.items()))]


async def _scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    resp = await client.get("/metrics")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    return _samples(resp.text)


async def test_metrics_follow_links_commands_and_check_results(
    hub: HubHandle, agents: list[SimAgent]
) -> None:
    r1 = SimAgent("r1", await hub.enrol_room("r1", district="d1"), hub.link_url)
    r2 = SimAgent("r2", await hub.enrol_room("r2", district="d2"), hub.link_url)
    agents.extend([r1, r2])
    await r1.start()
    await r2.start()
    await until(lambda: hub.presence.is_online("r1") and hub.presence.is_online("r2"), 10)

    # Commands: two recalls that work, one refused by the room (not_found).
    for _ in range(2):
        await hub.links.command("r1", "camera.preset.recall", {"camera": "cam1", "preset": "home"})
    with pytest.raises(CommandError):
        await hub.links.command("r1", "camera.preset.recall", {"camera": "cam9", "preset": "1"})
    # A check result with two passes and a failure, through the real link and store.
    result = {
        "run_id": "run-1",
        "status": "finished",
        "overall": "fail",
        "results": [
            {"id": "camera.cam1.preset", "status": "pass"},
            {"id": "audio.mic1.level", "status": "fail"},
            {"id": "camera.cam1.preset", "status": "pass"},
        ],
    }
    event_id = await r2.emit("check.result", result)
    await until(lambda: r2.acked >= event_id, 10)

    async with await hub.client("operator") as client:
        samples = await _scrape(client)
        assert _value(samples, "appliance_hub_room_up", room="r1", district="d1") == 1.0
        assert _value(samples, "appliance_hub_room_up", room="r2", district="d2") == 1.0
        assert _value(samples, "appliance_hub_links") == 2.0
        health = {
            h: _value(samples, "appliance_hub_room_health", room="r1", district="d1", health=h)
            for h in ("healthy", "warning", "error", "unknown")
        }
        assert sum(health.values()) == 1.0
        assert health[hub.presence.get("r1").health] == 1.0  # type: ignore[union-attr]
        op = "camera.preset.recall"
        assert _value(samples, "appliance_hub_commands_total", operation=op, outcome="ok") == 2
        assert (
            _value(samples, "appliance_hub_commands_total", operation=op, outcome="not_found") == 1
        )
        assert _value(samples, "appliance_hub_command_seconds_count", operation=op) == 3
        assert _value(samples, "appliance_hub_command_seconds_sum", operation=op) > 0
        items = "appliance_hub_check_items_total"
        assert _value(samples, items, item="camera.cam1.preset", status="pass") == 2
        assert _value(samples, items, item="audio.mic1.level", status="fail") == 1
        assert _value(samples, "appliance_hub_link_reconnects_total", room="r1") == 0

        # r1's link drops and comes back: up again with one reconnect counted.
        await r1.drop()
        await until(lambda: not hub.links.is_linked("r1"), 10)
        await until(lambda: hub.links.is_linked("r1") and hub.presence.is_online("r1"), 30)
        samples = await _scrape(client)
        assert _value(samples, "appliance_hub_room_up", room="r1", district="d1") == 1.0
        assert _value(samples, "appliance_hub_link_reconnects_total", room="r1") == 1
        # The resent check result (if any) was not counted twice.
        assert _value(samples, items, item="audio.mic1.level", status="fail") == 1


async def test_a_room_that_stops_is_down(hub: HubHandle, agents: list[SimAgent]) -> None:
    r1 = SimAgent("r1", await hub.enrol_room("r1"), hub.link_url, reconnect=False)
    agents.append(r1)
    await r1.start()
    await until(lambda: hub.presence.is_online("r1"), 10)
    await r1.stop()
    await until(lambda: not hub.presence.is_online("r1"), 10)
    async with await hub.client("operator") as client:
        samples = await _scrape(client)
    assert _value(samples, "appliance_hub_room_up", room="r1", district="d1") == 0.0
    assert _value(samples, "appliance_hub_links") == 0.0


async def test_metrics_need_an_operator(hub: HubHandle) -> None:
    async with httpx.AsyncClient(base_url=hub.base_url, timeout=10) as anonymous:
        assert (await anonymous.get("/metrics")).status_code == 401
    async with await hub.client("viewer") as viewer:
        assert (await viewer.get("/metrics")).status_code == 403


async def test_garbage_collector_passes_are_counted(hub: HubHandle) -> None:
    """The hub's event loop stands still during a collection (appliance/hub/gcwatch.py): a
    full pass made here, in the hub's process, shows in /metrics and in the link figures."""
    async with await hub.client("admin") as client:
        before = _value(await _scrape(client), "appliance_hub_gc_collections_total", generation="2")
        stats0 = (await client.get("/api/v1/link/stats")).json()["gc"]["2"]
        gc.collect()
        gc.collect()
        after = await _scrape(client)
        stats1 = (await client.get("/api/v1/link/stats")).json()["gc"]["2"]
    assert _value(after, "appliance_hub_gc_collections_total", generation="2") >= before + 2
    assert _value(after, "appliance_hub_gc_pause_seconds_total", generation="2") > 0
    assert _value(after, "appliance_hub_gc_pause_max_seconds", generation="2") > 0
    assert stats1["collections"] >= stats0["collections"] + 2
    assert stats1["max_ms"] > 0
