"""The same loopback on a real room's devices (``-m hardware``; never in CI).

    APPLIANCE_AUDIO_SPEAKER="Jabra" APPLIANCE_AUDIO_MIC="Jabra" \
        .venv/bin/python -m pytest -m hardware tests/audio
"""

from __future__ import annotations

import os

import pytest

from drivers.audio import LoopbackStatus, loopback_test, measure_level


@pytest.mark.hardware
async def test_real_room_speaker_is_heard_by_its_microphone() -> None:
    speaker = os.environ.get("APPLIANCE_AUDIO_SPEAKER")
    mic = os.environ.get("APPLIANCE_AUDIO_MIC")
    if not (speaker and mic):
        pytest.skip(
            "set APPLIANCE_AUDIO_SPEAKER and APPLIANCE_AUDIO_MIC to the room's device names"
        )
    ambient = await measure_level(mic, 1.0)
    assert ambient.peak_dbfs > -90.0, "the microphone delivers digital silence"
    result = await loopback_test(speaker, mic)
    assert result.status is not LoopbackStatus.FAIL, result
