"""Many simulated rooms in ONE PulseAudio server (the demo province): each room's
"Room Mic" hears its own room only, faults stay in their room, a room that stops leaves
the others and the server running. Measured through the real driver in a child process
per room, as each room's agent would (its env() picks the room)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.audio.simulator import RoomAudioSimulator, SharedAudioServer
from drivers.errors import DeviceError

_MEASURE = (
    "import asyncio, json\n"
    "from drivers.audio import measure_level\n"
    "r = asyncio.run(measure_level('Room Mic', 0.5))\n"
    "print(json.dumps({'peak': r.peak_dbfs}))\n"
)
ROOT = Path(__file__).resolve().parents[2]


def _peak(room: RoomAudioSimulator) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE],
        env=dict(os.environ, **room.env()),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        cwd=ROOT,
    ).stdout
    peak: float = json.loads(out.strip().splitlines()[-1])["peak"]
    return peak


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[SharedAudioServer]:
    server = SharedAudioServer(base_dir=tmp_path)
    try:
        server.start()
    except DeviceError as exc:
        pytest.fail(f"cannot start PulseAudio: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def test_rooms_in_one_server_hear_only_themselves(
    shared: SharedAudioServer, tmp_path: Path
) -> None:
    a = RoomAudioSimulator(server=shared.server, prefix="r01_", base_dir=tmp_path)
    b = RoomAudioSimulator(server=shared.server, prefix="r02_", base_dir=tmp_path)
    a.start()
    b.start()
    try:
        assert a.env()["PULSE_SERVER"] == b.env()["PULSE_SERVER"] == shared.server
        a.play_tone(1000, -12.0)
        assert _peak(a) == pytest.approx(-12.0, abs=1.0)
        assert _peak(b) < -50.0  # room 2 hears its own hum (-60 dBFS), not room 1's tone
        b.set_microphone_silent(True)
        assert _peak(b) == float("-inf") or _peak(b) < -90.0
        assert _peak(a) == pytest.approx(-12.0, abs=1.0)  # room 1 untouched by room 2's fault
    finally:
        a.stop()
    # Room 1's modules are gone; room 2 and the server go on.
    sinks = subprocess.run(
        ["pactl", "-s", shared.server, "list", "short", "sinks"],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    ).stdout
    assert "r01_" not in sinks
    assert "r02_room_speaker" in sinks
    b.set_microphone_silent(False)
    assert _peak(b) == pytest.approx(-60.0, abs=1.5)
    b.stop()
    assert shared.pid is not None
    assert Path(f"/proc/{shared.pid}").exists()


def test_prefix_is_checked() -> None:
    with pytest.raises(ValueError, match="prefix"):
        RoomAudioSimulator(server="unix:/nowhere", prefix="a b")


def test_a_room_needs_the_shared_server_up(tmp_path: Path) -> None:
    room = RoomAudioSimulator(server=f"unix:{tmp_path}/native", prefix="r1_", base_dir=tmp_path)
    with pytest.raises(DeviceError):
        room.start()
    assert not room.running
    assert room.dir is None


def _modules(server: str) -> list[str]:
    return subprocess.run(
        ["pactl", "-s", server, "list", "short", "modules"],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    ).stdout.splitlines()


def test_a_room_built_again_clears_what_its_earlier_life_left(
    shared: SharedAudioServer, tmp_path: Path
) -> None:
    """An agent killed (or a build cut half-way) leaves its room's modules in the shared
    server; the room built again first unloads them, so no sink becomes ``ha_room.2`` with
    the names still pointing at the old one — and room ``ha_`` leaves ``ha_trung_`` alone."""
    neighbour = RoomAudioSimulator(server=shared.server, prefix="ha_trung_", base_dir=tmp_path)
    neighbour.start()
    first = RoomAudioSimulator(server=shared.server, prefix="ha_", base_dir=tmp_path)
    first.start()
    first.play_tone(440, -20.0)  # a check's tone, cut off by the kill
    neighbours_modules = [m for m in _modules(shared.server) if "ha_trung_" in m]
    before = len(_modules(shared.server))
    # The agent dies: nobody calls first.stop(); a new life builds the same room.
    again = RoomAudioSimulator(server=shared.server, prefix="ha_", base_dir=tmp_path)
    again.start()
    try:
        after = _modules(shared.server)
        assert len(after) == before - 2, after  # the old room's tone (sine + remap) is gone
        sinks = subprocess.run(
            ["pactl", "-s", shared.server, "list", "short", "sinks"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout  # fmt: skip
        assert ".2" not in sinks, sinks
        assert sum(1 for m in after if "sink_name=ha_room " in m) == 1
        assert [m for m in after if "ha_trung_" in m] == neighbours_modules
        again.play_tone(1000, -12.0)
        assert _peak(again) == pytest.approx(-12.0, abs=1.0)
        assert _peak(neighbour) < -50.0
    finally:
        again.stop()
        neighbour.stop()
        if first.dir is not None:  # its modules went with the new life; its ALSA file too
            shutil.rmtree(first.dir, ignore_errors=True)


def test_a_busy_server_refusing_connections_is_tried_again(
    shared: SharedAudioServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """PulseAudio listens with a backlog of 5: while it is busy, the 7th waiting client is
    refused. Such a pactl did nothing, so the simulator tries it again instead of failing
    the room (in the demo 31 rooms build themselves at once)."""
    room = RoomAudioSimulator(server=shared.server, prefix="r01_", base_dir=tmp_path)
    room.start()
    assert shared.pid is not None
    path = shared.server.removeprefix("unix:")
    fillers: list[socket.socket] = []
    refused = threading.Event()

    class _Refusals(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "refused the connection" in record.getMessage():
                refused.set()

    handler = _Refusals()
    caplog.set_level(logging.INFO, logger="drivers.audio.simulator")
    logging.getLogger("drivers.audio.simulator").addHandler(handler)
    os.kill(shared.pid, signal.SIGSTOP)
    try:
        while True:  # fill the backlog of the stopped server
            filler = socket.socket(socket.AF_UNIX)
            filler.setblocking(False)
            try:
                filler.connect(path)
            except BlockingIOError:
                filler.close()
                break
            fillers.append(filler)
        answer: dict[str, object] = {}

        def mute() -> None:
            try:
                room.set_microphone_silent(True)
                answer["done"] = True
            except DeviceError as exc:
                answer["error"] = exc

        worker = threading.Thread(target=mute)
        worker.start()
        assert refused.wait(30), "the refused pactl was not reported"
    finally:
        os.kill(shared.pid, signal.SIGCONT)
        for filler in fillers:
            filler.close()
        logging.getLogger("drivers.audio.simulator").removeHandler(handler)
    worker.join(30)
    try:
        assert answer == {"done": True}
        assert _peak(room) == float("-inf") or _peak(room) < -90.0
    finally:
        room.stop()
