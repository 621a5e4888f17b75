"""Many simulated rooms in ONE PulseAudio server (the demo province): each room's
"Room Mic" hears its own room only, faults stay in their room, a room that stops leaves
the others and the server running. Measured through the real driver in a child process
per room, as each room's agent would (its env() picks the room)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
