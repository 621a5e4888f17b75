"""Speaker→microphone loopback through the real PulseAudio room, healthy and with each fault."""

from __future__ import annotations

import asyncio

import pytest

from drivers.audio import LoopbackIssue, LoopbackStatus, _sd, loopback_test
from drivers.audio.simulator import ROOM_NOISE_DBFS, RoomAudioSimulator


async def test_healthy_room_detects_the_1khz_tone(room_audio: RoomAudioSimulator) -> None:
    r = await loopback_test("Room Speaker", "Room Mic")
    assert r.status is LoopbackStatus.PASS, r
    assert r.issues == ()
    assert r.freq_hz == pytest.approx(1000.0, abs=1.0)
    assert r.level_dbfs == pytest.approx(-6.02, abs=1.0)  # amplitude 0.5, unity path
    assert r.noise_dbfs == pytest.approx(ROOM_NOISE_DBFS, abs=1.0)
    assert r.snr_db == pytest.approx(-6.02 - ROOM_NOISE_DBFS, abs=2.0)  # ~54 dB
    assert r.band_snr_db is not None
    assert r.band_snr_db > 40.0
    # A null sink is an instant "room": the latency is the path's buffering, a few ms at most.
    assert r.latency_ms is not None
    assert 0.0 <= r.latency_ms < 50.0
    assert r.timings.total_s > r.timings.play_s > 0.5  # the tone is 0.5 s long


async def test_chirp_gives_the_latency_and_another_frequency_works(
    room_audio: RoomAudioSimulator,
) -> None:
    r = await loopback_test("Room Speaker", "Room Mic", chirp=True, freq_hz=800.0)
    assert r.status is LoopbackStatus.PASS, r
    assert r.freq_hz == pytest.approx(800.0, abs=1.0)
    assert r.latency_ms is not None
    assert 0.0 <= r.latency_ms < 50.0


async def test_silent_microphone_fails(room_audio: RoomAudioSimulator) -> None:
    room_audio.set_microphone_silent(True)
    r = await loopback_test("Room Speaker", "Room Mic")
    assert r.status is LoopbackStatus.FAIL
    assert r.issues == (LoopbackIssue.SILENCE,)
    assert r.freq_hz is None
    assert r.latency_ms is None


async def test_clipping_microphone_warns(room_audio: RoomAudioSimulator) -> None:
    room_audio.set_microphone_clipping(True)
    r = await loopback_test("Room Speaker", "Room Mic")
    assert r.status is LoopbackStatus.WARN
    assert LoopbackIssue.CLIPPING in r.issues
    assert r.clipping_ratio > 0.1
    assert r.freq_hz == pytest.approx(1000.0, abs=1.0)  # still our tone, just too hot


async def test_speaker_not_heard_fails(room_audio: RoomAudioSimulator) -> None:
    room_audio.set_speaker_heard(False)
    r = await loopback_test("Room Speaker", "Room Mic")
    assert r.status is LoopbackStatus.FAIL
    assert r.issues == (LoopbackIssue.NOT_HEARD,)
    assert r.noise_dbfs == pytest.approx(ROOM_NOISE_DBFS, abs=1.0)  # the mic itself works


async def test_noisy_room_warns_low_snr(room_audio: RoomAudioSimulator) -> None:
    room_audio.set_room_noise(-25.0)
    r = await loopback_test("Room Speaker", "Room Mic")
    assert r.status is LoopbackStatus.WARN
    assert LoopbackIssue.LOW_SNR in r.issues
    assert r.snr_db == pytest.approx(-6.02 + 25.0, abs=2.0)


async def test_cancelling_a_test_closes_both_streams(room_audio: RoomAudioSimulator) -> None:
    task = asyncio.create_task(loopback_test("Room Speaker", "Room Mic"))
    # Cancel once the microphone stream is really open (a signal, not a guessed sleep).
    for _ in range(1500):  # ≤ 15 s
        if _sd._open_streams or task.done():
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Both streams are closed by their opener's thread: done within a bounded wait
    # (under a loaded machine the close lags the cancel by a moment; it never leaks).
    for _ in range(1000):  # ≤ 10 s
        if _sd._open_streams == 0:
            break
        await asyncio.sleep(0.01)
    assert _sd._open_streams == 0
    r = await loopback_test("Room Speaker", "Room Mic")  # the devices are free again
    assert r.status is LoopbackStatus.PASS
