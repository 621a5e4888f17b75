"""``appliance agent enrol`` (a real process) against the real hub on loopback.

The secret lands 0600 in the state directory and is never printed; a used token, a token
issued for another room and a hub that is not there each get a clear message in
Vietnamese (default) and English with exit 1; re-enrolling with a new token replaces the
secret and keeps the one room row.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from appliance.hub.db.records import RoomIn
from tests.agent.conftest import (
    AgentProcess,
    free_port,
    open_notify_socket,
    start_agent,
    write_config,
)
from tests.support.hub import HubHandle, running_hub, until

ENROL_TIMEOUT_S = 60.0
LINK_S = 30.0


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[HubHandle]:
    async with running_hub(tmp_path / "hub") as handle:
        for room in ("enrol-a", "enrol-b"):
            await handle.store.add_room(RoomIn(id=room, name=room, district="d1"))
        yield handle


def _config(tmp_path: Path, room_id: str, hub_url: str | None = None) -> Path:
    directory = tmp_path / room_id
    directory.mkdir(exist_ok=True)
    hub = f'[hub]\nurl = "{hub_url}"\n' if hub_url else ""
    return write_config(
        directory / "appliance.toml",
        port=free_port(),
        state_dir=directory / "state",
        hub=hub,
        room_id=room_id,
    )


async def _enrol(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "appliance", "agent", "enrol", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=ENROL_TIMEOUT_S,
        check=False,
    )


async def test_enrol_writes_a_private_secret_and_a_token_works_once(
    hub: HubHandle, tmp_path: Path
) -> None:
    config = _config(tmp_path, "enrol-a", hub.base_url)
    token = await hub.store.issue_enrolment_token("enrol-a")
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n", encoding="utf-8")
    done = await _enrol(config, "--token-file", str(token_file))
    assert done.returncode == 0, done.stderr
    assert "Đã đăng ký điểm cầu enrol-a" in done.stdout
    secret_file = tmp_path / "enrol-a" / "state" / "hub-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    stored = json.loads(secret_file.read_text(encoding="utf-8"))
    assert stored["room_id"] == "enrol-a"
    assert stored["link_url"] == hub.link_url
    assert stored["secret"] not in done.stdout + done.stderr
    assert await hub.store.room_for_secret(stored["secret"]) == "enrol-a"

    again = await _enrol(config, "--hub", hub.base_url, "--token", token, "--lang", "en")
    assert again.returncode == 1
    assert "refused the enrolment token: wrong, already used or expired" in again.stderr
    assert json.loads(secret_file.read_text(encoding="utf-8")) == stored  # untouched

    # An administrator issues a new token: the secret is replaced, the room row is the same.
    fresh = await _enrol(config, "--token", await hub.store.issue_enrolment_token("enrol-a"))
    assert fresh.returncode == 0, fresh.stderr
    replaced = json.loads(secret_file.read_text(encoding="utf-8"))
    assert replaced["secret"] != stored["secret"]
    assert await hub.store.room_for_secret(replaced["secret"]) == "enrol-a"
    assert await hub.store.room_for_secret(stored["secret"]) is None
    rooms = [r.id for r in await hub.store.list_rooms()]
    assert sorted(rooms) == ["enrol-a", "enrol-b"]


async def test_wrong_room_and_hub_down_are_explained(hub: HubHandle, tmp_path: Path) -> None:
    config = _config(tmp_path, "enrol-a", hub.base_url)
    other = await hub.store.issue_enrolment_token("enrol-b")
    wrong = await _enrol(config, "--token", other)
    assert wrong.returncode == 1
    assert "Mã đăng ký này không dành cho điểm cầu enrol-a" in wrong.stderr
    assert not (tmp_path / "enrol-a" / "state" / "hub-secret").exists()

    down = await _enrol(config, "--hub", f"http://127.0.0.1:{free_port()}", "--token", "x")
    assert down.returncode == 1
    assert "Không kết nối được máy chủ trung tâm" in down.stderr
    missing = await _enrol(_config(tmp_path, "enrol-b"), "--token", "x", "--lang", "en")
    assert missing.returncode == 1
    assert "No hub address" in missing.stderr


@contextlib.asynccontextmanager
async def _agent(directory: Path, hub: str, room_id: str) -> AsyncIterator[AgentProcess]:
    """An agent process; started and stopped off the loop (the hub runs on it)."""
    port = free_port()
    state = directory / "state"
    config = write_config(
        directory / "appliance.toml", port=port, state_dir=state, hub=hub, room_id=room_id
    )
    with open_notify_socket(directory) as notify:
        agent = await asyncio.to_thread(start_agent, config, state, port, notify)
        try:
            yield agent
        finally:
            await asyncio.to_thread(agent.terminate)


async def test_the_agent_enrols_itself_from_the_token_file(hub: HubHandle, tmp_path: Path) -> None:
    """The rollout puts a token in hub.enrolment_token_file: the agent process enrols, links
    (Online at the hub) and deletes the used token; a refused one is logged, not retried."""
    token_file = tmp_path / "enrol-token"
    token_file.write_text(await hub.store.issue_enrolment_token("enrol-a"), encoding="utf-8")
    hub_section = f'[hub]\nurl = "{hub.base_url}"\nenrolment_token_file = "{token_file}"\n'
    directory = tmp_path / "self"
    directory.mkdir()
    async with _agent(directory, hub_section, "enrol-a") as agent:
        await until(lambda: hub.presence.is_online("enrol-a"), LINK_S)
        assert not token_file.exists()
        assert (directory / "state" / "hub-secret").is_file()
        status = await asyncio.to_thread(
            httpx.get, agent.base_url + "/api/v1/status", headers=agent.headers(), timeout=10
        )
        assert status.json()["hub_link"] == "connected"
    other = tmp_path / "other"
    other.mkdir()
    used = tmp_path / "used-token"
    used.write_text("not-a-token-the-hub-issued", encoding="utf-8")
    refused = f'[hub]\nurl = "{hub.base_url}"\nenrolment_token_file = "{used}"\n'
    async with _agent(other, refused, "enrol-b") as agent:

        def logged() -> bool:
            return "refused the enrolment token" in agent.log()

        await until(logged, LINK_S)
        assert used.exists()  # kept for the technician to see
        assert not hub.presence.is_online("enrol-b")
        assert agent.log().count("refused the enrolment token") == 1
