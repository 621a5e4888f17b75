"""``appliance demo province`` (make demo): a hub and rooms on simulated hardware come
Online at the hub; Ctrl-C stops every process of the demo's tree (issue 13).

Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group (the demo,
its hub, its agents and their children at once), not only to the demo's own pid."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.proctree import PROC, alive, descendants, start_ticks

ROOT = Path(__file__).resolve().parents[1]
ROOMS = 4  # ≥ 4: the three planted faults are in the demo too
START_TIMEOUT_S = 300.0


def test_province_comes_online_and_ctrl_c_leaves_nothing(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "appliance", "demo", "province", "--rooms", str(ROOMS),
         "--dir", str(tmp_path), "--lang", "en"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"},
        start_new_session=True,  # its own process group, as in a terminal
    )  # fmt: skip
    lines: list[str] = []
    summary: dict[str, object] | None = None
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while summary is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith('{"hub"'):
                summary = json.loads(line)
        assert summary is not None, "".join(lines)
        text = "".join(lines)
        assert f"{ROOMS} rooms online after" in text
        assert "Account:    admin   password: " in text
        assert "Planted fault in" in text
        # The hub agrees: every room Online, as the admin the demo printed.
        password = text.split("password: ", 1)[1].split()[0]
        with httpx.Client(base_url=str(summary["hub"]), timeout=10) as client:
            login = client.post(
                "/api/v1/auth/login", json={"username": "admin", "password": password}
            )
            assert login.status_code == 200
            rooms = client.get("/api/v1/rooms").json()
            meetings = client.get("/api/v1/meetings").json()
        assert len(rooms) == ROOMS
        # The schedule at work: a meeting ahead whose automatic check comes soon.
        assert "Schedule: a province-wide meeting at" in text
        assert [len(m["rooms"]) for m in meetings] == [ROOMS]
        assert meetings[0]["next"]["check_at"] > time.time()
        assert all(room["online"] for room in rooms), rooms
        tree = descendants(proc.pid)
        labels = [p.label for p in tree.values()]
        assert len(tree) >= ROOMS + 2, labels  # the demo, its hub, an agent per room, …
        assert sum("--room-id" in label for label in labels) == ROOMS, labels
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == 130
        assert "Everything stopped." in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    # Every process of the tree as it stood (identity: pid and start time), and anything
    # still in the demo's process group or session (a child started after the reading).
    left = [p.label for p in tree.values() if alive(p.pid) and start_ticks(p.pid) == p.start_ticks]
    assert left == [], f"left behind: {left}"
    assert _in_session(proc.pid) == [], "left behind in the demo's session"


def _in_session(sid: int) -> list[int]:
    """Live processes whose session id is ``sid`` (the demo's: it led its own session)."""
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and alive(int(entry.name)):
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid:
                found.append(int(entry.name))
    return found


def test_a_hub_port_taken_meanwhile_gets_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo chooses the hub's port free and the hub binds it a moment later; when
    another program took it in between, the hub stops on "address already in use" and
    the demo starts it again on another port instead of giving up."""
    import socket

    from appliance.cli import demo_province

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    ports = [taken.getsockname()[1]]
    real = demo_province._free_port
    monkeypatch.setattr(demo_province, "_free_port", lambda: ports.pop() if ports else real())
    said: list[str] = []
    demo = demo_province.Province(
        directory=tmp_path / "province", rooms=[], lang="en", say=said.append
    )
    try:
        demo.directory.mkdir(parents=True)
        demo._start_hub()
        assert not demo.hub_url.endswith(f":{taken.getsockname()[1]}")
        assert httpx.get(f"{demo.hub_url}/healthz", timeout=10).status_code == 200
        assert any(demo.hub_url in line for line in said), said
    finally:
        demo.stop()
        taken.close()
