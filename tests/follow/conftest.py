"""Fixtures of the voice-follow tests: the meeting's sound server, espeak-ng speech.

A missing system part FAILS the test with the Debian package to install (never a skip).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from drivers.audio.meeting_sim import MeetingAudioSimulator
from drivers.errors import DeviceError

SEATS = 8


def need_espeak() -> None:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: install the Debian package espeak-ng", pytrace=False)


@pytest.fixture(scope="module")
def meeting_audio() -> Iterator[MeetingAudioSimulator]:
    """A PulseAudio room with 8 seat microphones ("Meeting Mics"), active in this process."""
    need_espeak()
    sim = MeetingAudioSimulator(seats=SEATS)
    try:
        sim.start()
        sim.activate()
    except DeviceError as exc:
        sim.stop()
        pytest.fail(f"cannot start the simulated meeting audio: {exc}", pytrace=False)
    try:
        yield sim
    finally:
        sim.stop()
