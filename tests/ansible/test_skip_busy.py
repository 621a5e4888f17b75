"""The rollout's question to the hub (ansible/tasks/skip_busy_room.yml, which rollout.yml
runs before touching a room): a real ``ansible-playbook`` asks a real hub on loopback, and
a room in a meeting under way (the hub's schedule) or in maintenance ends its play
skipped while the other room goes on. The full rollout against real systemd containers
is tests/ansible/test_rollout.py; this one is about the meeting half of the question."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.support.hub import running_hub

ANSIBLE_DIR = Path(__file__).resolve().parents[2] / "ansible"
VN = timezone(timedelta(hours=7))
PLAYBOOK_TIMEOUT_S = 300.0

PLAY = f"""---
- name: A rollout's first step
  hosts: rooms
  gather_facts: false
  pre_tasks:
    - name: Skip a room that is in a meeting or in maintenance
      ansible.builtin.include_tasks: {ANSIBLE_DIR / "tasks" / "skip_busy_room.yml"}
  tasks:
    - name: Upgrade
      ansible.builtin.debug:
        msg: "{{{{ inventory_hostname }}}} would be upgraded"
"""


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, VN).isoformat()


async def _playbook(work: Path, hub_url: str, token: str, *extra: str) -> tuple[int, str]:
    (work / "play.yml").write_text(PLAY)
    (work / "inventory.yml").write_text(
        "rooms:\n  hosts:\n"
        + "".join(
            f"    {room}:\n      ansible_connection: local\n"
            f"      ansible_python_interpreter: {sys.executable}\n"
            for room in ("r-meeting", "r-maint", "r-free")
        )
    )
    (work / "vars.yml").write_text(f"hub_url: {hub_url}\nhub_api_token: {token}\n")
    venv_bin = Path(sys.executable).parent
    env = dict(
        os.environ,
        PATH=f"{venv_bin}:{os.environ.get('PATH', '')}",
        ANSIBLE_CONFIG=str(ANSIBLE_DIR / "ansible.cfg"),
        ANSIBLE_LOCAL_TEMP=str(work / "ansible-local"),
        ANSIBLE_NOCOLOR="1",
    )
    proc = await asyncio.create_subprocess_exec(
        str(venv_bin / "ansible-playbook"),
        "-i",
        str(work / "inventory.yml"),
        "-e",
        f"@{work / 'vars.yml'}",
        str(work / "play.yml"),
        *extra,
        cwd=ANSIBLE_DIR,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(PLAYBOOK_TIMEOUT_S):
        out, _ = await proc.communicate()
    return int(proc.returncode or 0), out.decode()


async def test_a_room_in_a_meeting_or_in_maintenance_is_skipped_unless_forced(
    tmp_path: Path,
) -> None:
    async with running_hub(tmp_path / "hub") as hub:
        for room in ("r-meeting", "r-maint", "r-free"):
            await hub.enrol_room(room, district="Huyện Cẩm Thủy")
        async with await hub.client("operator") as op:
            now = time.time()
            meeting = {
                "title": "Họp trực tuyến đang diễn ra",
                "start": _iso(now - 600),
                "end": _iso(now + 3000),
                "room_ids": ["r-meeting"],
            }
            assert (await op.post("/api/v1/meetings", json=meeting)).status_code == 201
            maint = await op.put("/api/v1/rooms/r-maint/maintenance", json={"on": True})
            assert maint.status_code == 200
            state = (await op.get("/api/v1/rooms/r-meeting")).json()
            assert state["in_meeting"] is True  # what the playbook will read
            token = op.headers["Authorization"].removeprefix("Bearer ")
            code, out = await _playbook(tmp_path, hub.base_url, token)
            forced_code, forced = await _playbook(
                tmp_path, hub.base_url, token, "-e", "rollout_force=true"
            )
    assert code == 0, out[-4000:]
    assert "r-meeting skipped: in a meeting" in out
    assert "r-maint skipped: in maintenance" in out
    assert "r-free would be upgraded" in out
    assert "r-meeting would be upgraded" not in out
    assert "r-maint would be upgraded" not in out
    assert token not in out  # no_log: the request carried the token
    # Forced (an urgent fix): every room goes on.
    assert forced_code == 0, forced[-4000:]
    for room in ("r-meeting", "r-maint", "r-free"):
        assert f"{room} would be upgraded" in forced
