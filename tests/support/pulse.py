"""A throwaway PulseAudio room for tests: ``pulse_room`` (session) and ``room_audio`` (per test).

Use in a conftest.py:

    from tests.support.pulse import pulse_room, room_audio

    __all__ = ["pulse_room", "room_audio"]  # fixtures, re-exported for pytest

- ``pulse_room``: one :class:`RoomAudioSimulator` for the session — a user-mode PulseAudio
  server in a temp dir, activated in this process (``"Room Speaker"`` and ``"Room Mic"``
  appear in ``list_devices()``), stopped by PID and its directory removed at the end.
- ``room_audio``: the same room, with every fault cleared before and after the test.
- For a subprocess (e.g. ``appliance agent``), pass ``env=dict(os.environ, **room.env())``.

If PulseAudio, pactl, the ALSA plugin or PortAudio is missing, the fixture FAILS with a
message naming the Debian packages (the project's rule: never skip for a missing part).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.audio.simulator import RoomAudioSimulator
from drivers.errors import DeviceError


def start_room(**kwargs: object) -> RoomAudioSimulator:
    """Start and activate a simulator, failing the test (not skipping) if that is impossible."""
    sim = RoomAudioSimulator(**kwargs)  # type: ignore[arg-type]
    try:
        sim.start()
        sim.activate()
    except DeviceError as exc:
        sim.stop()
        pytest.fail(f"cannot start the simulated room audio: {exc}", pytrace=False)
    return sim


@pytest.fixture(scope="session")
def pulse_room() -> Iterator[RoomAudioSimulator]:
    sim = start_room()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def room_audio(pulse_room: RoomAudioSimulator) -> Iterator[RoomAudioSimulator]:
    # The session's room may have been activated before another simulator of this worker
    # changed the process's PULSE_SERVER: point the sound stack at this room again.
    pulse_room.activate()
    pulse_room.reset_faults()
    yield pulse_room
    pulse_room.reset_faults()
