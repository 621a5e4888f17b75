"""PortAudio leaves the process when the last audio stream closes, and comes back on demand.

The agent's idle memory target (DESIGN.md §7, RSS ≤ 80 MB) cannot hold with PortAudio's
ALSA/PulseAudio state loaded; these tests read /proc/self/maps, the kernel's own answer
to "is libportaudio still in this process?".
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from drivers.audio import (
    DeviceKind,
    LevelMeter,
    LoopbackStatus,
    _sd,
    find_device,
    loopback_test,
    measure_level,
    release,
)
from drivers.audio.simulator import ROOM_NOISE_DBFS, RoomAudioSimulator
from drivers.errors import DeviceUnavailableError


def portaudio_mapped() -> bool:
    maps = Path("/proc/self/maps").read_text(encoding="utf-8")
    return any("libportaudio" in line for line in maps.splitlines())


async def test_level_and_loopback_leave_no_portaudio_and_a_second_reading_works(
    room_audio: RoomAudioSimulator,
) -> None:
    first = await measure_level("Room Mic", 0.3)
    assert first.rms_dbfs == pytest.approx(ROOM_NOISE_DBFS, abs=1.0)
    assert not portaudio_mapped(), "libportaudio still mapped after a level reading"
    assert "sounddevice" not in sys.modules

    result = await loopback_test("Room Speaker", "Room Mic")
    assert result.status is LoopbackStatus.PASS, result.issues
    assert not portaudio_mapped(), "libportaudio still mapped after a loopback test"

    room_audio.play_tone(1000, -20.0)
    second = await measure_level("Room Mic", 0.3)
    assert second.rms_dbfs == pytest.approx(-20.0, abs=1.0)
    assert not portaudio_mapped()
    assert _sd._open_streams == 0


async def test_an_open_stream_keeps_portaudio_until_it_closes(
    room_audio: RoomAudioSimulator,
) -> None:
    async with LevelMeter("Room Mic") as meter:
        await meter.read(0.1)
        assert await asyncio.to_thread(release) is False
        assert portaudio_mapped()
        reading = await meter.read(0.2)  # still measuring after the refused release
        assert reading.rms_dbfs == pytest.approx(ROOM_NOISE_DBFS, abs=1.0)
    assert not portaudio_mapped()


async def test_release_after_look_ups_and_stale_devices_are_found_again(
    room_audio: RoomAudioSimulator,
) -> None:
    mic = await find_device("Room Mic", DeviceKind.INPUT)  # a look-up loads PortAudio
    speaker = await find_device("Room Speaker", DeviceKind.OUTPUT)
    assert portaudio_mapped()
    assert await asyncio.to_thread(release) is True
    assert not portaudio_mapped()
    assert mic.generation != _sd.generation()  # indices of the old scan are void

    reading = await measure_level(mic, 0.2)  # re-found by name at the new scan
    assert reading.rms_dbfs == pytest.approx(ROOM_NOISE_DBFS, abs=1.0)

    # An index that names another device (taken before a release) is corrected by name.
    stream = await asyncio.to_thread(
        _sd.open_input, speaker.index, mic.name, samplerate=48000, channels=1, latency_s=0.1,
        handler=lambda *_: None,
    )  # fmt: skip
    await asyncio.to_thread(stream.close)
    with pytest.raises(DeviceUnavailableError, match="no longer exists"):
        await asyncio.to_thread(
            _sd.open_input, mic.index, "Unplugged Mic", samplerate=48000, channels=1,
            latency_s=0.1, handler=lambda *_: None,
        )  # fmt: skip
    assert _sd._open_streams == 0
    await asyncio.to_thread(release)
    assert not portaudio_mapped()
