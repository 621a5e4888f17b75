"""Audio tests run against a real PulseAudio server started for the session (tests/support/pulse.py)."""

from __future__ import annotations

from tests.support.pulse import pulse_room, room_audio

__all__ = ["pulse_room", "room_audio"]  # fixtures, re-exported for pytest
