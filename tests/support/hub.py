"""A real hub on loopback for tests and benches: in-process (same loop) or as a process.

    async with running_hub(tmp_path, offline_after_s=1.5) as hub:
        secret = await hub.enrol_room("r1", district="d1")      # store + POST /api/v1/enrol
        agent = SimAgent("r1", secret, hub.link_url); await agent.start()
        await until(lambda: hub.presence.is_online("r1"), 5)

    with hub_process(state_dir, port) as proc: ...            # `appliance hub serve` (kill -9 tests)

``until`` polls a predicate with a bounded deadline (tests order events by real signals,
never by sleeping a guessed time).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from appliance.hub.db.records import Role, RoomIn
from appliance.hub.events import EventBus
from appliance.hub.fleet import Fleet
from appliance.hub.link_server import LinkServer
from appliance.hub.presence import Presence
from appliance.hub.schedule import Scheduler
from appliance.hub.server import bound_port, make_server
from appliance.hub.settings import HubSettings
from appliance.hub.simagent import SimAgent
from appliance.hub.store import Store

# A hub process imports FastAPI, SQLAlchemy and Alembic and upgrades its schema: seconds on
# an idle machine, tens of seconds on CI cores shared with other jobs.
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0
TEST_PASSWORD = "rooms-31-Tinh-hub!"  # noqa: S105 - test accounts only (fits the policy)


async def until(
    predicate: Callable[[], bool | Awaitable[bool]], timeout_s: float, step_s: float = 0.02
) -> None:
    """Wait until ``predicate()`` is true; AssertionError naming it after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if not isinstance(value, bool):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_s} s: {predicate}")
        await asyncio.sleep(step_s)


@dataclass
class HubHandle:
    settings: HubSettings
    port: int
    app: FastAPI

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def link_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/link"

    @property
    def store(self) -> Store:
        store: Store = self.app.state.store
        return store

    @property
    def presence(self) -> Presence:
        presence: Presence = self.app.state.presence
        return presence

    @property
    def links(self) -> LinkServer:
        links: LinkServer = self.app.state.links
        return links

    @property
    def bus(self) -> EventBus:
        bus: EventBus = self.app.state.bus
        return bus

    @property
    def scheduler(self) -> Scheduler:
        scheduler: Scheduler = self.app.state.scheduler
        return scheduler

    @property
    def fleet(self) -> Fleet:
        fleet: Fleet = self.app.state.fleet
        return fleet

    async def client(
        self, role: Role = "admin", *, districts: tuple[str, ...] = (), name: str | None = None
    ) -> httpx.AsyncClient:
        """An HTTP client acting as a new user of ``role`` (API token; close it)."""
        user = await self.store.create_user(
            name or f"{role}-{len(districts)}-{time.monotonic_ns()}",
            TEST_PASSWORD,
            role,
            districts=districts,
        )
        token, _ = await self.store.create_api_token(user.id, "tests")
        return httpx.AsyncClient(
            base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    async def enrol_room(self, room_id: str, *, district: str = "d1", name: str = "") -> str:
        """Add the room (if new), issue a token, enrol through the HTTP API; the secret."""
        if await self.store.get_room(room_id) is None:
            await self.store.add_room(RoomIn(id=room_id, name=name or room_id, district=district))
        return await enrol(self.base_url, self.store, room_id)


async def enrol(
    base_url: str, store: Store, room_id: str, *, tls: ssl.SSLContext | None = None
) -> str:
    token = await store.issue_enrolment_token(room_id)
    async with httpx.AsyncClient(base_url=base_url, timeout=10, verify=tls or True) as client:
        resp = await client.post(
            "/api/v1/enrol", json={"token": token, "room_id": room_id, "agent_version": "sim-1"}
        )
    resp.raise_for_status()
    secret: str = resp.json()["secret"]
    return secret


@contextlib.asynccontextmanager
async def running_hub(
    state_dir: Path, *, clock: Callable[[], float] = time.time, **settings: Any
) -> AsyncIterator[HubHandle]:
    """The hub's app under uvicorn on 127.0.0.1 (a free port), in this event loop;
    ``clock``: the meeting schedule's (a test moves it)."""
    hub_settings = HubSettings(state_dir=state_dir, listen="127.0.0.1:0", **settings)
    server = make_server(hub_settings, clock=clock)
    task = asyncio.create_task(server.serve(), name="test-hub")
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the hub stopped during start")
        if time.monotonic() > deadline:
            raise TimeoutError("the hub did not start")
        await asyncio.sleep(0.01)
    app = server.config.app
    assert isinstance(app, FastAPI)
    try:
        yield HubHandle(hub_settings, bound_port(server), app)
    finally:
        server.should_exit = True
        async with asyncio.timeout(STOP_TIMEOUT_S):
            await task


@pytest.fixture
async def agents() -> AsyncIterator[list[SimAgent]]:
    """A list for the test's simulated agents; each is stopped at the end."""
    started: list[SimAgent] = []
    yield started
    for agent in started:
        await agent.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def hub_process(
    state_dir: Path, port: int, *extra: str, tls: ssl.SSLContext | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``appliance hub serve`` as a child process (SIGTERM, then SIGKILL, by PID, when the
    block ends). ``tls``: the client context that trusts its certificate (--tls-cert)."""
    log = (state_dir.parent / f"hub-{port}.log").open("ab")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "appliance",
            "hub",
            "serve",
            "--state-dir",
            str(state_dir),
            "--listen",
            f"127.0.0.1:{port}",
            *extra,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        scheme = "https" if tls is not None else "http"
        _wait_http(f"{scheme}://127.0.0.1:{port}/healthz", proc, tls)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def _wait_http(url: str, proc: subprocess.Popen[bytes], tls: ssl.SSLContext | None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the hub exited with {proc.returncode} during start")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1, verify=tls or True).status_code == 200:
                return
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {START_TIMEOUT_S} s")
