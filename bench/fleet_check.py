"""Readiness check of the whole province at once against one room (DESIGN.md §7: 31 rooms
in parallel ≤ 1.3 × one room).

    .venv/bin/python bench/fleet_check.py [--rooms 31] [--runs 2]

Brings up the demo province (appliance/cli/demo_province.py: a hub and one real agent
process per room on simulated hardware, the sound server and the screen shared, no
planted faults), then starts fleet checks through the hub's public API
(``POST /api/v1/checks`` with ``wait``): first one room alone (after a warm-up run),
then every room at once. Figures: the wall time of each fleet check (hub start → last
result) and the rooms' own check durations; the ratio is all rooms' wall time ÷ one
room's, measured in this run on this machine. The simulated rooms share this machine's
cores, which real district PCs do not: on 2 cores the ratio mostly measures 31 rooms'
worth of camera-picture analysis on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from report import record

from appliance.cli.demo_province import ADMIN, ROOMS, Province

TARGET_RATIO = 1.3  # DESIGN.md §7
WAIT_S = 600.0


def _check(api: httpx.Client, body: dict[str, Any]) -> tuple[float, list[float], list[str]]:
    """One fleet check, followed to its end; (wall s, the rooms' durations, rooms not passed)."""
    resp = api.post("/checks", json=body)
    if resp.status_code != 202:
        raise SystemExit(f"fleet check: {resp.status_code} {resp.text}")
    fleet_id = resp.json()["id"]
    deadline = time.monotonic() + WAIT_S
    while (out := api.get(f"/checks/{fleet_id}").json())["finished_at"] is None:
        if time.monotonic() > deadline:
            raise SystemExit(f"fleet check {fleet_id} not finished after {WAIT_S:.0f} s: {out}")
        time.sleep(0.2)
    wall = out["finished_at"] - out["started_at"]
    durations = [r["duration_s"] for r in out["rooms"] if r["duration_s"] is not None]
    bad = [
        f"{r['room_id']}: {r['state']} {r['overall']}"
        for r in out["rooms"]
        if r["overall"] != "pass"
    ]
    return wall, durations, bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=len(ROOMS))
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    n = max(2, min(args.rooms, len(ROOMS)))
    print(f"{n} rooms, {args.runs} runs each; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="bench-fleet-check-") as tmp:
        province = Province(
            directory=Path(tmp), rooms=list(ROOMS[:n]), faults=False, say=lambda _: None
        )
        try:
            province.start()
            print(f"all {n} rooms Online after {province.online_after_s:.1f} s")
            with httpx.Client(base_url=province.hub_url + "/api/v1", timeout=60) as api:
                login = api.post(
                    "/auth/login", json={"username": ADMIN, "password": province.admin_password}
                )
                login.raise_for_status()
                api.headers["X-CSRF-Token"] = login.json()["csrf_token"]
                one_room = {"room_ids": [ROOMS[0][0]]}
                _check(api, one_room)  # warm-up: the first check opens every device
                ones, alls, spread = [], [], []
                for run in range(args.runs):
                    wall, durations, bad = _check(api, one_room)
                    ones.append(wall)
                    print(f"  one room, run {run + 1}: {wall:6.2f} s {'; '.join(bad)}")
                for run in range(args.runs):
                    wall, durations, bad = _check(api, {"all": True})
                    alls.append(wall)
                    spread.extend(durations)
                    print(
                        f"  {n} rooms, run {run + 1}: {wall:6.2f} s (rooms' own: median "
                        f"{statistics.median(durations):.2f} s, max {max(durations):.2f} s) "
                        f"{len(bad)} not passed {'; '.join(bad[:3])}"
                    )
        finally:
            province.stop()
    one, many = statistics.median(ones), statistics.median(alls)
    ratio = many / one
    print(
        f"one room {one:.2f} s, {n} rooms at once {many:.2f} s → {ratio:.2f}× "
        f"(target ≤ {TARGET_RATIO}×: {'meets' if ratio <= TARGET_RATIO else 'MISSES'}); "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )
    record(
        "check.fleet.ratio",
        many,
        "s",
        title=f"Readiness check of {n} rooms at once (demo province, one machine)",
        limit=one,
        target_ratio=TARGET_RATIO,
        note=f"limit: one room's check through the hub, this run; {os.cpu_count()} cores shared by all rooms",
    )


if __name__ == "__main__":
    main()
