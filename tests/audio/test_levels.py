"""Level meter against the real PulseAudio room: known levels in, readings within 1 dB out."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

import pytest

from drivers.audio import LevelMeter, _sd, level_stream, measure_level
from drivers.audio.results import SILENCE_FLOOR_DBFS
from drivers.audio.simulator import ROOM_NOISE_DBFS, RoomAudioSimulator
from drivers.errors import DeviceTimeoutError
from tests.support.pulse import start_room

BURST_DBFS = -10.0  # a speech burst, well above the room's hum
TONE_ARRIVAL_TIMEOUT_S = 2.0  # play_tone → the tone in the microphone's blocks


async def _until_heard(meter: LevelMeter, level_dbfs: float) -> None:
    """Read short stretches until one is nearer ``level_dbfs`` than the room's noise.

    read() never reuses audio an earlier read took (it takes whole chunks and drops the
    rest of the last one), so the next reading starts after the onset.
    """
    onset = (ROOM_NOISE_DBFS + level_dbfs) / 2
    try:
        async with asyncio.timeout(TONE_ARRIVAL_TIMEOUT_S):
            while (await meter.read(0.02)).rms_dbfs < onset:
                pass
    except TimeoutError:
        pytest.fail(f"the tone did not reach the microphone within {TONE_ARRIVAL_TIMEOUT_S} s")


@pytest.mark.parametrize("level", [-20.0, -35.0])
async def test_known_tone_reads_within_1_db(room_audio: RoomAudioSimulator, level: float) -> None:
    room_audio.set_room_noise(None)
    room_audio.play_tone(1000, level)  # generated inside the server, not by our code
    reading = await measure_level("Room Mic", 0.5)
    assert reading.rms_dbfs == pytest.approx(level, abs=1.0)
    assert reading.peak_dbfs == pytest.approx(level, abs=1.0)
    assert reading.clipping_ratio == 0.0
    assert reading.seconds == pytest.approx(0.5)


async def test_noise_floor_is_the_room_noise_under_speech_bursts(
    room_audio: RoomAudioSimulator,
) -> None:
    async with LevelMeter("Room Mic") as meter:
        quiet = await meter.read(0.3)
        tone = room_audio.play_tone(1000, BURST_DBFS)
        # A reading covers the audio since the previous one: what the microphone heard
        # while play_tone's three pactl calls ran (20-50 ms idle, up to 300 ms with both
        # cores busy) comes before the tone. Measured: that quiet lead-in alone read
        # -11.07 dB (0.11 s of 0.5 s without the tone = -1.1 dB), the meter was right.
        # So the burst is measured from when it reaches the microphone.
        await _until_heard(meter, BURST_DBFS)
        loud = await meter.read(0.5)
        room_audio.stop_tone(tone)
    assert quiet.rms_dbfs == pytest.approx(ROOM_NOISE_DBFS, abs=1.0)
    assert loud.rms_dbfs == pytest.approx(BURST_DBFS, abs=1.0)
    # The floor spans the meter's window (quiet + loud): the quiet 10th percentile wins.
    assert loud.noise_floor_dbfs == pytest.approx(ROOM_NOISE_DBFS, abs=1.0)


async def test_clipping_and_silence(room_audio: RoomAudioSimulator) -> None:
    room_audio.play_tone(1000, -6.0)
    room_audio.set_microphone_clipping(True)
    clipped = await measure_level("Room Mic", 0.3)
    assert clipped.clipping_ratio > 0.5
    assert clipped.peak_dbfs > -0.01
    room_audio.set_microphone_clipping(False)
    room_audio.set_microphone_silent(True)
    silent = await measure_level("Room Mic", 0.3)
    assert silent.rms_dbfs == silent.peak_dbfs == SILENCE_FLOOR_DBFS
    assert silent.noise_floor_dbfs == SILENCE_FLOOR_DBFS


async def test_live_stream_follows_the_room_and_closes(room_audio: RoomAudioSimulator) -> None:
    seen = []
    async with contextlib.aclosing(level_stream("Room Mic", 0.1)) as stream:
        async for reading in stream:
            seen.append(reading)
            if len(seen) == 4:
                room_audio.play_tone(440, -12.0)
            if len(seen) >= 4 and reading.rms_dbfs > -13.0:
                break
            assert len(seen) < 40, "the tone never showed up in the live readings"
    assert all(r.seconds == pytest.approx(0.1) for r in seen)
    assert seen[0].rms_dbfs == pytest.approx(ROOM_NOISE_DBFS, abs=1.0)
    assert seen[-1].rms_dbfs == pytest.approx(-12.0, abs=1.0)
    assert _sd._open_streams == 0  # leaving the loop closed the microphone


async def test_a_hung_sound_server_times_out() -> None:
    spare = start_room(speaker_name="Hung Speaker", mic_name="Hung Mic")
    try:
        assert spare.pid is not None
        async with LevelMeter("Hung Mic", stall_timeout_s=0.5) as meter:
            await meter.read(0.1)
            os.kill(spare.pid, signal.SIGSTOP)  # our own server, by PID
            try:
                with pytest.raises(DeviceTimeoutError, match="no audio") as err:
                    await meter.read(1.0)
            finally:
                os.kill(spare.pid, signal.SIGCONT)
        assert err.value.device_id == "Hung Mic"
    finally:
        spare.stop()
