"""Two hub replicas (real ``appliance hub serve`` processes) on a real PostgreSQL, behind a
TCP balancer with fail-over, simulated rooms on real links (docs/SCALING.md):

- an operator on replica A recalls a preset in a room linked to replica B: the camera moves;
- an SSE client on A sees an event of a room on B;
- alerts run on the leader only: a room that goes offline pages once, not twice;
- the scheduled check of a meeting runs exactly once (both replicas tried to claim it);
- kill -9 replica B: its rooms are back, through the balancer, on A (well within the
  agents' 60 s backoff cap), and commands reach them again.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from appliance.hub.db import migrate
from appliance.hub.db.records import RoomIn
from appliance.hub.simagent import SimAgent
from appliance.hub.store import Store
from tests.support.balancer import Balancer
from tests.support.hub import TEST_PASSWORD, agents, enrol, free_port, hub_process, until
from tests.support.postgres import PostgresServer, postgres
from tests.support.receivers import WebhookReceiver

__all__ = ["agents", "postgres"]  # fixtures, re-exported for pytest

VN = timezone(timedelta(hours=7))
WAIT_S = 30.0
FAILOVER_S = 60.0  # the agents' reconnect backoff cap (docs/LINK.md): the target


class SseClient:
    """``GET /api/v1/events`` read in the background: (kind, data) of every event."""

    def __init__(self, base_url: str, token: str) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}"},
            # An event stream is quiet between events: no read timeout, a connect timeout.
            timeout=httpx.Timeout(None, connect=WAIT_S),
        )
        self._task: asyncio.Task[None] | None = None
        self.open = asyncio.Event()

    async def __aenter__(self) -> SseClient:
        self._task = asyncio.create_task(self._read())
        async with asyncio.timeout(WAIT_S):
            await self.open.wait()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await self._task
        await self._client.aclose()

    async def _read(self) -> None:
        async with self._client.stream("GET", "/api/v1/events") as resp:
            self.open.set()
            kind = ""
            async for line in resp.aiter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    self.events.append((kind, json.loads(line[6:])))


async def _setup(url: str, rooms: list[str]) -> str:
    """Rooms and an operator's API token, written straight into the shared database."""
    store = await Store.open(url, upgrade=False)
    try:
        for room in rooms:
            await store.add_room(RoomIn(id=room, name=f"Phòng {room}", district="Huyện Cẩm Thủy"))
        user = await store.create_user("dieu-hanh", TEST_PASSWORD, "operator")
        token, _ = await store.create_api_token(user.id, "tests")
        return token
    finally:
        await store.close()


def _log_has(path: Path, text: str) -> bool:
    return path.exists() and text in path.read_text(errors="replace")


@contextlib.asynccontextmanager
async def _client(port: int, token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    ) as client:
        yield client


async def test_two_replicas_route_commands_and_events_and_take_over_a_dead_one(
    tmp_path: Path, postgres: PostgresServer, agents: list[SimAgent]
) -> None:
    url = postgres.create_database()
    migrate.upgrade(url)  # once, before the replicas start (docs/SCALING.md)
    token = await _setup(url, ["r1", "r2"])
    port_a, port_b = free_port(), free_port()
    secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    (tmp_path / "hook.secret").write_text(secret)
    hook = WebhookReceiver(secret)
    (tmp_path / "alerts.toml").write_text(
        "[rules]\noffline_hold_s = 1\n[retry]\ninitial_s = 0.2\nmax_s = 1\n"
        f'[[webhook]]\nname = "noc"\nurl = "{hook.url}"\nsecret_file = "hook.secret"\n'
    )
    extra = ("--db", url, "--alerts", str(tmp_path / "alerts.toml"))
    with (
        hook,
        hub_process(tmp_path / "a", port_a, *extra, "--replica-id", "hub-a") as hub_a,
        hub_process(tmp_path / "b", port_b, *extra, "--replica-id", "hub-b") as hub_b,
    ):
        async with (
            Balancer([port_b, port_a]) as lb,
            _client(port_a, token) as on_a,
            _client(port_b, token) as on_b,
        ):
            base_b = f"http://127.0.0.1:{port_b}"
            store = await Store.open(url, upgrade=False)
            try:
                secrets = {room: await enrol(base_b, store, room) for room in ("r1", "r2")}
            finally:
                await store.close()
            link_url = f"ws://127.0.0.1:{lb.port}/api/v1/link"
            for room, secret in secrets.items():
                agent = SimAgent(room, secret, link_url, check_item_s=0.01)
                agents.append(agent)
                await agent.start()
            r1 = agents[0]
            assert lb.connections == {port_b: 2}  # both rooms linked to replica B

            # A knows B's rooms (the bridge's presence mirror) …
            await until(lambda: _held_by(on_a, "r1", "hub-b"), WAIT_S)
            await until(lambda: _held_by(on_a, "r2", "hub-b"), WAIT_S)
            assert (await on_b.get("/api/v1/rooms/r1")).json()["hub_replica"] == "hub-b"
            async with SseClient(f"http://127.0.0.1:{port_a}", token) as sse:
                # … an event of a room on B reaches an SSE client on A …
                cam = {"id": "cam1", "kind": "camera", "state": "connecting", "last_error": None}
                await r1.emit("device", cam)
                await until(
                    lambda: any(
                        k == "device" and d.get("state") == "connecting" for k, d in sse.events
                    ),
                    WAIT_S,
                )
                await r1.emit("device", {**cam, "state": "ready"})
                # … and a preset recalled on A moves the camera of a room on B.
                r1.cameras["cam1"].pan_deg = 30.0  # somewhere off its preset
                recall = await on_a.post("/api/v1/rooms/r1/cameras/cam1/presets/home/recall")
                assert recall.status_code == 200, recall.text
                assert r1.cameras["cam1"].pan_deg == 0.0
                assert [c.op for c in r1.commands if c.op == "camera.preset.recall"] == [
                    "camera.preset.recall"
                ]
                # A command that fails in the room fails the same on A, through B.
                missing = await on_a.post("/api/v1/rooms/r1/cameras/cam1/presets/nowhere/recall")
                assert missing.status_code == 404, missing.text

            # Alerts run on the leader only: a room that goes offline pages once, not twice.
            r2 = agents[1]
            await r2.stop()
            await until(lambda: len(hook.received) >= 1, WAIT_S)
            await until(lambda: _outbox_empty(url), WAIT_S)
            assert [b["status"] for b in hook.bodies()] == ["firing"]
            r2 = SimAgent("r2", secrets["r2"], link_url, check_item_s=0.01)
            agents[1] = r2
            await r2.start()
            await until(lambda: len(hook.received) >= 2, WAIT_S)
            await until(lambda: _outbox_empty(url), WAIT_S)
            assert [b["status"] for b in hook.bodies()] == ["firing", "resolved"]
            assert hook.rejected == []

            # The scheduled check: the window is open as the meeting is created; both
            # replicas try to claim it, one runs it.
            start = time.time() + 600
            meeting = {
                "title": "Họp trực tuyến hai trung tâm",
                "start": datetime.fromtimestamp(start, VN).isoformat(),
                "end": datetime.fromtimestamp(start + 3600, VN).isoformat(),
                "room_ids": ["r1", "r2"],
            }
            created = await on_a.post("/api/v1/meetings", json=meeting)
            assert created.status_code == 201, created.text
            logs = [tmp_path / f"hub-{port_a}.log", tmp_path / f"hub-{port_b}.log"]
            known = f"meeting {created.json()['id']} (Họp trực tuyến hai trung tâm) in the schedule"
            # Both schedulers have it (B through the bridge's schedule.changed) …
            await until(lambda: all(_log_has(p, known) for p in logs), WAIT_S)
            # … the check ran in every room (a scheduler starts a due check in the same
            # pass that loads the meeting: a second one would have started by now) …
            await until(lambda: all(_check_done(a) for a in agents), WAIT_S)
            assert [len(a.checks) for a in agents] == [1, 1]
            started = [p for p in logs if _log_has(p, "automatic check")]
            assert len(started) == 1, "the check started on exactly one replica"

            # Kill replica B: its rooms come back on A through the balancer.
            killed_at = time.monotonic()
            hub_b.send_signal(signal.SIGKILL)
            hub_b.wait(30)
            await until(lambda: lb.connections.get(port_a, 0) >= 2, FAILOVER_S)
            await until(lambda: _held_by(on_a, "r1", "hub-a"), FAILOVER_S)
            await until(lambda: _held_by(on_a, "r2", "hub-a"), FAILOVER_S)
            back_after = time.monotonic() - killed_at
            print(f"rooms of the killed replica back on the other: {back_after:.1f} s")
            r1.cameras["cam1"].pan_deg = 45.0
            again = await on_a.post("/api/v1/rooms/r1/cameras/cam1/presets/home/recall")
            assert again.status_code == 200, again.text
            assert r1.cameras["cam1"].pan_deg == 0.0
            assert hub_a.poll() is None
            with contextlib.suppress(httpx.HTTPError):
                await on_b.get("/healthz")  # B is gone: nothing answers there


def _check_done(agent: SimAgent) -> bool:
    return any(run.get("status") == "finished" for run in agent.checks.values())


async def _outbox_empty(url: str) -> bool:
    store = await Store.open(url, upgrade=False)
    try:
        return await store.next_delivery_at() is None
    finally:
        await store.close()


async def _held_by(client: httpx.AsyncClient, room: str, replica: str) -> bool:
    """Online, its link held by ``replica``, as this client's replica sees it."""
    resp = await client.get(f"/api/v1/rooms/{room}")
    return resp.status_code == 200 and resp.json()["hub_replica"] == replica
