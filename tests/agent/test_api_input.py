"""What the control API must refuse or survive (issue 7 item 7), over real HTTP to an
agent served by ``run_agent`` in this process: strict body types, malformed JSON as a
documented 400, every allowed method in a 405, and a 500 that keeps the keep-alive
connection usable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from appliance.agent.api import OPENAPI_URL
from appliance.agent.server import run_agent
from appliance.agent.service import AgentService
from appliance.agent.simulate import bound_loopback_socket
from appliance.agent.status import DeviceStatus
from appliance.config import AgentConfig, parse_config

READY_TIMEOUT_S = 20.0


class _DevicesBug(AgentService):
    """A service whose device listing has a bug once the agent is up: the route's answer
    is an internal error."""

    armed = False

    def devices(self) -> list[DeviceStatus]:
        if self.armed:
            raise RuntimeError("a bug in the device listing")
        return super().devices()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    # Served on a socket bound before the agent starts (as a simulated room is): had
    # run_agent ignored it and bound the port itself, the bind would fail (in use).
    sock = bound_loopback_socket()
    port = sock.getsockname()[1]
    config = parse_config(
        {
            "room": {"id": "r1", "name": "Phòng họp thử"},
            "api": {"listen": f"127.0.0.1:{port}"},
            "state": {"dir": str(tmp_path / "state")},
        }
    )
    ready = asyncio.Event()
    stop = asyncio.Event()

    def factory(cfg: AgentConfig) -> AgentService:
        return _DevicesBug(cfg, hotplug=False)

    def on_ready(service: AgentService) -> None:
        assert isinstance(service, _DevicesBug)
        service.armed = True
        ready.set()

    task = asyncio.create_task(
        run_agent(config, service_factory=factory, stop=stop, on_ready=on_ready, sock=sock)
    )
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            await ready.wait()
        token = (tmp_path / "state" / "api-token").read_text(encoding="ascii").strip()
        yield f"127.0.0.1:{port}", token
    finally:
        stop.set()
        await task
        sock.close()


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, dict[str, str], bytes]:
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return int(status_line.split()[1]), headers, body


async def test_a_500_keeps_the_keep_alive_connection(served: tuple[str, str]) -> None:
    address, token = served
    host, port = address.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        auth = f"Authorization: Bearer {token}\r\n".encode()
        status, headers, body = await _exchange(
            reader, writer, b"GET /api/v1/devices HTTP/1.1\r\nHost: a\r\n" + auth + b"\r\n"
        )
        assert status == 500
        assert b'"error":"internal"' in body
        assert headers.get("connection") != "close"
        # The same connection answers the next request (it used to be dropped silently).
        status, _, body = await _exchange(
            reader, writer, b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        assert (status, body) == (200, b'{"status":"ok"}')
    finally:
        writer.close()
        await writer.wait_closed()


async def test_bodies_are_strict_and_errors_documented(served: tuple[str, str]) -> None:
    address, token = served
    async with httpx.AsyncClient(
        base_url=f"http://{address}", headers={"Authorization": f"Bearer {token}"}
    ) as c:
        for path, body in (
            ("/api/v1/cameras/cam1/presets", {"number": True}),  # stored preset 1
            ("/api/v1/cameras/cam1/presets", {"number": "3"}),
            ("/api/v1/cameras/cam1/zoom", {"position": 1.5}),
        ):
            r = await c.post(path, json=body)
            assert r.status_code == 422, (path, body, r.text)
        r = await c.put("/api/v1/cameras/cam1/power", json={"on": 0})  # was accepted as off
        assert r.status_code == 422, r.text
        assert "on: " in r.json()["message"]

        r = await c.post(
            "/api/v1/checks", content=b'{"only": [', headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "malformed_json"

        r = await c.delete("/api/v1/cameras/cam1/power")
        assert r.status_code == 405
        assert r.headers["allow"] == "GET, PUT"  # Starlette named only the first route's GET
        assert "GET, PUT" in r.json()["message"]

        doc = (await c.get(OPENAPI_URL)).json()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if path == "/healthz":
                continue
            for code in ("401", "500"):
                assert code in operation["responses"], (method, path, code)
            if "requestBody" in operation:
                assert {"400", "422"} <= set(operation["responses"]), (method, path)
    schemas = doc["components"]["schemas"]
    assert [sorted(g["required"]) for g in schemas["ZoomIn"]["oneOf"]] == [["action"], ["position"]]
    assert len(schemas["FocusIn"]["oneOf"]) == 3
    assert [sorted(g["required"]) for g in schemas["PositionIn"]["oneOf"]] == [
        ["pan", "tilt"],
        ["pan_deg", "tilt_deg"],
    ]
