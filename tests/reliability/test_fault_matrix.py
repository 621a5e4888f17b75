"""Issue 13: the fault matrix over the running system — one table, one harness, each row
its expected observable outcome, asserted.

The harness is tests/fleet/harness.py's: a real hub process (``run_hub`` with a short
offline window) and one real agent process (``python -m appliance agent``, started the
way systemd starts it) on simulated hardware in a thread of this process (VISCA chain of
two cameras on a pty at 9600 baud, MJPEG video, ...), enrolled through the hub's API. The
agent's state directory is a small real tmpfs (tests/support/disk.py) so that its disk
can really fill. The faults are the simulators' own (drivers/visca/sim/server.py) and
real process signals; every outcome is read through the public APIs — the hub's fleet
API as an administrator, the room's own control API — and compared with the
simulator's true state where a value is involved. Waits poll those APIs for the signal
(tests/support/polling.py), never a guessed sleep.

=====================  ====================================================================
fault                  expected outcome
=====================  ====================================================================
camera unplugged       cam1 not ready at the hub (with its error); a recall through the hub
                       is a typed 503 "unavailable", not a success; replugged → ready, the
                       recall succeeds and the camera is at the preset
camera silent          the recall through the hub is a 504 "timeout" naming the camera
line noise             the recall is an "unavailable" error saying the camera answers with
                       noise (the catalogue's agent.error.line_noise)
slow answers           every move through the hub either reports the simulator's true
                       position or is an honest error; never a wrong value with success
error replies          the camera's error reaches the hub's caller as a 409 "rejected"
hub down and up        the room serves locally (checks, camera moves); its check results
                       wait in the outbox and reach the hub exactly once after the restart
agent SIGKILL+restart  the room goes Offline at the hub, then Online again as the same room
disk full (agent)      a check's result is kept in memory: the check says the disk is full,
                       the agent's log names the full disk, nothing reaches the hub; once
                       space is back it is delivered exactly once
=====================  ====================================================================

Some rows are also covered piecewise elsewhere (tests/hub/test_link_durability.py,
tests/fleet/test_fleet.py, tests/agent/); this file is the system-level view.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from appliance.i18n import t
from drivers.visca.sim.server import PtySimulator
from tests.fleet.harness import FleetRoom, HubProcess
from tests.support.disk import SmallDisk, small_disk
from tests.support.polling import until

pytestmark = [pytest.mark.timeout(600), pytest.mark.slow]

ROOM = "fm-r1"
CAMERA, ADDRESS = "cam1", 1  # cam1 is the first camera on the chain
PRESETS = ("chu-toa", "toan-canh")  # the simulated room's presets of cam1
OFFLINE_AFTER_S = 3.0
HEARTBEAT_S = 1.0
LINK_S = 60.0  # agent start → Online, device changes → hub (loaded machine)
CHECK_S = 120.0
VISCA_ERROR_NOT_EXECUTABLE = 0x41
SLOW_MOVES = 6


@dataclass
class System:
    hub: HubProcess
    api: httpx.Client  # the hub's /api/v1 as an administrator (session + CSRF)
    room: FleetRoom
    disk: SmallDisk

    # -- the hub's view ------------------------------------------------------------------

    def detail(self) -> dict[str, Any]:
        resp = self.api.get(f"/rooms/{ROOM}")
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    def camera_at_hub(self) -> dict[str, Any]:
        return next(d for d in self.detail()["devices"] if d["id"] == CAMERA)

    def online(self) -> bool:
        return bool(self.detail()["online"])

    def recall(self, preset: str) -> httpx.Response:
        return self.api.post(f"/rooms/{ROOM}/cameras/{CAMERA}/presets/{preset}/recall")

    def move(self, pan_deg: float, tilt_deg: float) -> httpx.Response:
        body = {"pan_deg": pan_deg, "tilt_deg": tilt_deg}
        return self.api.put(f"/rooms/{ROOM}/cameras/{CAMERA}/position", json=body)

    def hub_runs(self) -> list[str]:
        resp = self.api.get(f"/rooms/{ROOM}/checks", params={"limit": 200})
        assert resp.status_code == 200, resp.text
        return [r["run_id"] for r in resp.json()]

    # -- the room ------------------------------------------------------------------------

    def visca(self, fault: Callable[[PtySimulator], Any]) -> Any:
        """Run ``fault(simulator)`` on the simulators' loop (their state is not
        thread-safe)."""
        sim = self.room.sim
        assert sim is not None
        assert sim.hardware.visca is not None
        chain = sim.hardware.visca
        return sim.call(lambda: fault(chain))

    def true_position(self) -> tuple[int, int]:
        state = self.visca(lambda chain: chain.state(ADDRESS))
        return state.pan, state.tilt

    def local_check(self) -> dict[str, Any]:
        """A readiness check run on the room's own API (system items only); its result."""
        with self.room.local() as c:
            started = c.post("/checks", json={"only": ["system"]})
            assert started.status_code in (200, 201, 202), started.text
            run_id = started.json()["run_id"]
            result = c.get(f"/checks/{run_id}/result", timeout=CHECK_S)
            assert result.status_code == 200, result.text
            body: dict[str, Any] = result.json()
        assert body["status"] == "done", body
        return body

    def agent_log(self) -> str:
        assert self.room.agent is not None
        return self.room.agent.log()

    # -- back to normal between rows -------------------------------------------------------

    def settled(self) -> None:
        """No fault, the hub up, the room Online with cam1 ready at the hub."""
        self.visca(lambda chain: chain.clear_faults())
        if not self.visca(lambda chain: chain.plugged):
            self.visca(lambda chain: chain.replug())
        self.disk.free()
        until(lambda: self.online(), timeout_s=LINK_S, what="room Online at the hub")
        until(
            lambda: self.camera_at_hub()["state"] == "ready",
            timeout_s=LINK_S,
            what="cam1 ready at the hub",
        )


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    base: Path = tmp_path_factory.mktemp("fault-matrix")
    hub = HubProcess(base / "hub" / "state", OFFLINE_AFTER_S, HEARTBEAT_S)
    hub.create_admin()
    hub.start()
    room = FleetRoom(base / ROOM, ROOM, hub.base_url)
    api: httpx.Client | None = None
    try:
        with small_disk(room.state_dir, size=4 * 1024 * 1024) as disk:
            try:
                api = hub.login()
                body = {"id": ROOM, "name": "Phòng ma trận lỗi", "district": "Huyện A"}
                assert api.post("/rooms", json=body).status_code == 201
                room.start_hardware()
                token = api.post(f"/rooms/{ROOM}/enrolment-token", json={})
                assert token.status_code == 201, token.text
                enrolled = room.enrol(token.json()["token"])
                assert enrolled.returncode == 0, enrolled.stderr
                room.start_agent()
                state = System(hub, api, room, disk)
                state.settled()
                yield state
                api = state.api  # a row may have logged in again
            finally:
                room.close()  # the agent first: it must not hold files on the tmpfs
    finally:
        if api is not None:
            api.close()
        hub.stop()


def _says(key: str, text: str) -> bool:
    """``text`` carries the catalogue message ``key`` (Vietnamese: what the agent tells
    the hub): every literal part of its template, placeholders aside."""
    template = t(key, "vi")
    parts = [p for chunk in template.split("{") for p in [chunk.split("}")[-1]] if p.strip()]
    return all(part.strip() in text for part in parts)


def _error(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code >= 400, f"a success under a fault: {resp.status_code} {resp.text}"
    body: dict[str, Any] = resp.json()
    assert body["room"] == ROOM, body
    assert body["operation"] == "camera.preset.recall", body
    return body


# -- the rows -----------------------------------------------------------------------------


def camera_unplugged(s: System) -> None:
    s.visca(lambda chain: chain.unplug())
    until(
        lambda: s.camera_at_hub()["state"] != "ready",
        timeout_s=LINK_S,
        what="cam1 lost at the hub",
    )
    lost = s.camera_at_hub()
    assert lost["state"] in ("disconnected", "connecting", "failed"), lost
    recall = s.recall(PRESETS[0])
    assert recall.status_code == 503, recall.text
    assert _error(recall)["error"] == "unavailable"
    s.visca(lambda chain: chain.replug())
    until(
        lambda: s.camera_at_hub()["state"] == "ready",
        timeout_s=LINK_S,
        what="cam1 ready again at the hub",
    )
    back = s.recall(PRESETS[1])
    assert back.status_code == 200, back.text


def camera_silent(s: System) -> None:
    s.visca(lambda chain: chain.silent(True, ADDRESS))
    recall = s.recall(PRESETS[0])
    assert recall.status_code == 504, recall.text
    body = _error(recall)
    assert body["error"] == "timeout", body
    assert body["device"] == CAMERA, body


def line_noise(s: System) -> None:
    s.visca(lambda chain: chain.garbage(True))
    recall = s.recall(PRESETS[0])
    body = _error(recall)
    assert recall.status_code == 503, recall.text
    assert body["error"] == "unavailable", body
    assert _says("agent.error.line_noise", body["detail"]), body


def slow_answers(s: System) -> None:
    """Moves whose answers come late: past the driver's 0.5 s deadline (the move fails,
    or succeeds after the driver's own retries; late replies then arrive during the next
    exchange), then within it. A success must report where the simulated camera is."""
    outcomes: list[tuple[str, int]] = []
    for n in range(SLOW_MOVES):
        late = n % 2 == 0
        if late:
            s.visca(lambda chain: chain.slow(0.6, ADDRESS, up_to_s=1.0))
        else:
            s.visca(lambda chain: chain.slow(0.1, ADDRESS, up_to_s=0.2))
        moved = s.move(-20.0 + 8.0 * n, 2.0 * (n % 3))
        outcomes.append(("late" if late else "in time", moved.status_code))
        if moved.status_code == 200:
            data = moved.json()["data"]
            assert (data["pan"], data["tilt"]) == s.true_position(), (n, data)
        else:
            body = moved.json()
            assert moved.status_code in (409, 503, 504), moved.text
            assert body["error"] in ("timeout", "unavailable", "rejected"), body
    print(f"slow answers: {outcomes}")
    assert ("in time", 200) in outcomes, outcomes  # the value check above ran


def error_replies(s: System) -> None:
    s.visca(lambda chain: chain.error_reply(VISCA_ERROR_NOT_EXECUTABLE, -1, ADDRESS))
    recall = s.recall(PRESETS[0])
    assert recall.status_code == 409, recall.text
    body = _error(recall)
    assert body["error"] == "rejected", body
    assert body["device"] == CAMERA, body


def hub_down_and_up(s: System) -> None:
    s.hub.stop()
    with s.room.local() as c:
        until(
            lambda: c.get("/status").json()["hub_link"] != "connected",
            timeout_s=LINK_S,
            what="the agent sees the hub gone",
        )
        moved = c.put(f"/cameras/{CAMERA}/position", json={"pan_deg": 12, "tilt_deg": 0})
        assert moved.status_code == 200, moved.text  # local control goes on
    runs = [s.local_check()["run_id"] for _ in range(2)]
    s.hub.start()
    s.api.close()
    s.api = s.hub.login()
    until(
        lambda: set(runs) <= set(s.hub_runs()),
        timeout_s=LINK_S,
        what="the outage's check results at the hub",
    )
    stored = s.hub_runs()
    assert all(stored.count(run) == 1 for run in runs), stored


def agent_killed(s: System) -> None:
    agent = s.room.agent
    assert agent is not None
    s.room.signal(signal.SIGKILL)
    agent.proc.wait(10)
    until(lambda: not s.online(), timeout_s=LINK_S, what="the killed room Offline at the hub")
    s.room.start_agent()
    until(lambda: s.online(), timeout_s=LINK_S, what="the restarted room Online")
    rooms = s.api.get("/rooms").json()
    assert [r["id"] for r in rooms] == [ROOM], rooms  # the same room, not a new one


def disk_full(s: System) -> None:
    before = s.agent_log().count("the disk is full")
    s.disk.fill()
    result = s.local_check()
    run_id = result["run_id"]
    unsaved = [r for r in result["results"] if r["id"] == "system.history"]
    assert unsaved, result["results"]
    assert unsaved[0]["status"] == "fail", unsaved
    assert "disk is full" in unsaved[0]["message"]["en"].lower(), unsaved
    until(
        lambda: s.agent_log().count("the disk is full") > before,
        timeout_s=LINK_S,
        what="the agent's log names the full disk",
    )
    assert run_id not in s.hub_runs()  # in the agent's memory: nothing sent from there
    s.disk.free()
    until(
        lambda: run_id in s.hub_runs(),
        timeout_s=LINK_S,
        what="the result delivered once space is back",
    )
    assert s.hub_runs().count(run_id) == 1


ROWS: dict[str, Callable[[System], None]] = {
    "camera unplugged": camera_unplugged,
    "camera silent": camera_silent,
    "line noise": line_noise,
    "slow answers": slow_answers,
    "error replies": error_replies,
    "hub down and up": hub_down_and_up,
    "agent SIGKILL and restart": agent_killed,
    "disk full": disk_full,
}


@pytest.mark.parametrize("fault", list(ROWS))
def test_fault(system: System, fault: str) -> None:
    system.settled()
    try:
        ROWS[fault](system)
    finally:
        with contextlib.suppress(Exception):  # the next row starts by settling again
            system.visca(lambda chain: chain.clear_faults())
        system.disk.free()
        if system.hub.proc is None:  # the hub row failed while the hub was down
            system.hub.start()
            system.api.close()
            system.api = system.hub.login()
