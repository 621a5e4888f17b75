"""``appliance demo province`` (make demo): a hub and rooms on simulated hardware come
Online at the hub; Ctrl-C stops every process of the demo's tree (issue 13)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ROOMS = 4  # ≥ 4: the three planted faults are in the demo too
START_TIMEOUT_S = 300.0


def _tree(pid: int) -> set[int]:
    """``pid`` and every descendant, from /proc (children of children …)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        todo += children.get(current, [])
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_province_comes_online_and_ctrl_c_leaves_nothing(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "appliance", "demo", "province", "--rooms", str(ROOMS),
         "--dir", str(tmp_path), "--lang", "en"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"},
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
        tree = _tree(proc.pid)
        assert len(tree) >= ROOMS + 2  # the demo, its hub and one agent per room (+ Xvfb …)
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == 130
        assert "Everything stopped." in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    left = [pid for pid in tree if _alive(pid)]
    assert left == [], f"left behind: {left}"
