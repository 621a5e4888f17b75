"""Token auth: every route but /healthz refuses a missing or wrong token (HTTP and WebSocket).

The routes are enumerated from ``app.routes`` of the real app factory, so a route added
later is covered without touching this test; the requests go over real HTTP to an
``appliance agent`` process.
"""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute, RouteContext, iter_route_contexts
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from appliance.agent.api import create_app
from appliance.agent.api.auth import load_or_create_token, token_matches
from appliance.agent.service import AgentService
from appliance.config import parse_config
from drivers.errors import ConfigError
from tests.agent.conftest import (
    AgentProcess,
    NotifySocket,
    free_port,
    running_agent,
    spawn_agent,
    write_config,
)

WRONG = "not-the-token-but-long-enough"


def _routes() -> list[RouteContext]:
    """Every route of the real app; ``app.routes`` holds included routers lazily
    (FastAPI ≥ 0.16x), ``iter_route_contexts`` flattens them with their full paths."""
    cfg = parse_config({"room": {"id": "r", "name": "R"}})
    app = create_app(AgentService(cfg, hotplug=False), token="t" * 32)
    return list(iter_route_contexts(app.routes))


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


HTTP_CASES = [
    (method, str(route.path))
    for route in _routes()
    if isinstance(route.original_route, APIRoute)
    for method in sorted(route.methods or ())
    if route.path != "/healthz"
]
WS_PATHS = [
    str(route.path) for route in _routes() if isinstance(route.original_route, APIWebSocketRoute)
]


def test_route_table_is_what_we_think() -> None:
    # Guard against an enumeration that silently finds nothing.
    assert len(HTTP_CASES) >= 30
    assert WS_PATHS == ["/api/v1/audio/{device_id}/levels", "/api/v1/follow/live"]
    assert len(HTTP_CASES) + len(WS_PATHS) + 1 == len(_routes())  # nothing else (mounts…)
    assert {r.path for r in _routes() if isinstance(r.original_route, APIRoute)} >= {
        "/healthz",
        "/metrics",
        "/api/v1/openapi.json",
    }


@pytest.mark.parametrize(("method", "path"), HTTP_CASES)
def test_http_route_refuses_missing_and_wrong_token(
    empty_agent: AgentProcess, method: str, path: str
) -> None:
    url = empty_agent.base_url + _concrete(path)
    with httpx.Client(timeout=10) as client:
        for headers in ({}, empty_agent.headers(WRONG), {"Authorization": "Basic abc"}):
            r = client.request(method, url, headers=headers, json={})
            assert r.status_code == 401, (method, path, headers, r.text)
            body = r.json()
            assert body["error"] == "unauthorized"
            assert body["message"]
            assert (body["device"], body["operation"]) == (None, None)
            assert r.headers["www-authenticate"].startswith("Bearer")
        ok = client.request(method, url, headers=empty_agent.headers(), json={})
        assert ok.status_code != 401, (method, path)


@pytest.mark.parametrize("path", WS_PATHS)
async def test_websocket_refuses_missing_and_wrong_token(
    empty_agent: AgentProcess, path: str
) -> None:
    url = empty_agent.base_url.replace("http", "ws") + _concrete(path)
    for headers in ({}, empty_agent.headers(WRONG)):
        with pytest.raises(InvalidStatus) as info:
            async with connect(url, additional_headers=headers, open_timeout=5):
                pass
        assert info.value.response.status_code == 403


def test_healthz_needs_no_token(empty_agent: AgentProcess) -> None:
    r = httpx.get(empty_agent.base_url + "/healthz", timeout=5)
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_openapi_is_served_and_typed(empty_agent: AgentProcess) -> None:
    r = httpx.get(
        empty_agent.base_url + "/api/v1/openapi.json", headers=empty_agent.headers(), timeout=5
    )
    assert r.status_code == 200
    doc = r.json()
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    recall = doc["paths"]["/api/v1/cameras/{camera_id}/presets/{preset}/recall"]["post"]
    assert recall["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "RecallOut"
    )
    assert "ErrorOut" in doc["components"]["schemas"]


def test_token_file_created_0600(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "api-token"
    token = load_or_create_token(path)
    assert len(token) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_token(path) == token  # kept, not regenerated
    assert token_matches(token, token)
    assert not token_matches(token, token[:-1])
    assert not token_matches(token, None)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_insecure_token_file_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "api-token"
    path.write_text("x" * 40)
    path.chmod(mode)
    with pytest.raises(ConfigError, match="accessible by group/others"):
        load_or_create_token(path)


def test_agent_refuses_to_start_with_readable_token(
    tmp_path: Path, notify_socket: NotifySocket
) -> None:
    port = free_port()
    state = tmp_path / "state"
    state.mkdir()
    (state / "api-token").write_text("y" * 40)
    (state / "api-token").chmod(0o644)
    config = write_config(tmp_path / "a.toml", port=port, state_dir=state)
    proc = spawn_agent(config, tmp_path / "a.log", notify_socket)
    try:
        rc = proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        raise
    log = (tmp_path / "a.log").read_text()
    assert rc == 1, log
    assert "api-token" in log
    assert "chmod 600" in log
    assert "y" * 40 not in log  # the token is never printed
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    assert notify_socket.messages == []


def test_token_never_logged(tmp_path: Path) -> None:
    with running_agent(tmp_path) as agent:
        httpx.get(agent.base_url + "/api/v1/status", headers=agent.headers(), timeout=5)
        httpx.get(agent.base_url + "/api/v1/status", headers=agent.headers(WRONG), timeout=5)
        agent.terminate()
        log = agent.log()
    assert "ready" in log  # the log is there and has content
    assert agent.token not in log
    assert WRONG not in log
