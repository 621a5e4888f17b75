"""No secret, token or password in the logs of a real ``appliance hub serve`` at DEBUG.

The in-process hub tests are checked after each test by ``tests/support/secret_guard``
(tests/hub/conftest.py); this test covers the hub as a process, with ``-v`` (DEBUG for
every logger), through a whole working day: CLI admin + room + enrolment token, a wrong
and a right login, an API token made with the session's CSRF token, enrolment, a live
link from a simulated agent, a command through the link, logout, SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from appliance.hub.security.logredact import redact
from appliance.hub.simagent import SimAgent
from tests.support.hub import free_port
from tests.support.secret_guard import SECRETS, find_secrets, mask, remember

PASSWORD = "một mật khẩu rất dài 42"  # noqa: S105 (test account)
WRONG = "không phải mật khẩu này"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0


def _cli(state: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(
        [sys.executable, "-m", "appliance", "hub", *args, "--state-dir", str(state)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, mask(res.stderr)
    return res


def _start_hub(state: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """``appliance -v hub serve`` (DEBUG for every logger), output to ``log_path``."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "appliance",
                "-v",
                "hub",
                "serve",
                "--state-dir",
                str(state),
                "--listen",
                f"127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


def test_guard_finds_and_masks_a_credential() -> None:
    """The per-test guard can fail: a recorded credential is found and masked."""
    probe = "probe-" + os.urandom(16).hex()
    remember(probe)
    try:
        assert find_secrets(f"GET /x?token={probe} 200") == [probe]
        assert probe not in mask(f"token={probe}")
    finally:
        SECRETS.discard(probe)


async def test_hub_process_logs_no_credential(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _cli(state, "create-admin", "quantri", "--password-stdin", stdin=PASSWORD + "\n")
    _cli(state, "rooms", "add", "r1", "--name", "Phòng 1", "--district", "d1")
    enrol_token = _cli(state, "rooms", "token", "r1").stdout.strip().splitlines()[-1]
    port = free_port()
    log_path = tmp_path / "hub.log"
    base = f"http://127.0.0.1:{port}"
    proc = _start_hub(state, port, log_path)
    agent: SimAgent | None = None
    used: list[str] = [PASSWORD, WRONG, enrol_token]
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                assert proc.poll() is None, "the hub exited during start"
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the hub did not answer /healthz"
                await asyncio.sleep(0.05)  # poll interval of the bounded wait above
            bad = await client.post(
                "/api/v1/auth/login", json={"username": "quantri", "password": WRONG}
            )
            assert bad.status_code == 401
            login = await client.post(
                "/api/v1/auth/login", json={"username": "quantri", "password": PASSWORD}
            )
            assert login.status_code == 200, login.text
            csrf = login.json()["csrf_token"]
            cookie = client.cookies["hub_session"]
            made = await client.post(
                "/api/v1/tokens", json={"name": "script"}, headers={"x-csrf-token": csrf}
            )
            assert made.status_code == 201, made.text
            api_token = made.json()["token"]
            spare = await client.post(
                "/api/v1/rooms/r1/enrolment-token", json={}, headers={"x-csrf-token": csrf}
            )
            assert spare.status_code == 201, spare.text
            enrolled = await client.post(
                "/api/v1/enrol", json={"token": enrol_token, "room_id": "r1", "agent_version": "1"}
            )
            assert enrolled.status_code == 200, enrolled.text
            secret = enrolled.json()["secret"]
            used += [csrf, cookie, api_token, spare.json()["token"], secret]
            agent = SimAgent("r1", secret, f"ws://127.0.0.1:{port}/api/v1/link")
            await agent.start()
            bearer = {"Authorization": f"Bearer {api_token}"}
            power = await client.post(
                "/api/v1/rooms/r1/cameras/cam1/power", json={"on": True}, headers=bearer
            )
            assert power.status_code == 200, power.text
            out = await client.post("/api/v1/auth/logout", headers={"x-csrf-token": csrf})
            assert out.status_code == 204
    finally:
        if agent is not None:
            await agent.stop()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    text = log_path.read_text(encoding="utf-8", errors="replace")
    # The log is real and verbose: DEBUG lines (the link's upgrade headers among them,
    # masked), the login, the enrolment.
    assert " DEBUG " in text
    assert "authorization: ***" in text.lower()
    assert "quantri logged in" in text
    assert "room r1 enrolled" in text
    leaked = [i for i, value in enumerate(used) if value in text]
    assert leaked == [], f"credential(s) #{leaked} of {len(used)} found in the hub's log"


def test_redact_masks_header_lines_and_inline_credentials() -> None:

    secret = os.urandom(24).hex()
    for line in (
        f"< authorization: Bearer {secret}",
        f"> Cookie: hub_session={secret}; hub_csrf={secret}",
        f"headers=[(b'authorization', b'Bearer {secret}'), (b'host', b'x')]",
        f"refused hub_session={secret}",
        f"x-csrf-token: {secret}",
    ):
        masked = redact(line)
        assert secret not in masked, line
        assert "***" in masked
    assert redact("GET /api/v1/rooms 200") == "GET /api/v1/rooms 200"
