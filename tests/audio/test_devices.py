"""Devices against the real PulseAudio room: listing, selection by name, each typed error."""

from __future__ import annotations

import asyncio
import errno
import os
from pathlib import Path

import pytest

from drivers.audio import DeviceKind, _sd, find_device, list_devices, loopback_test, rescan_devices
from drivers.audio.aliases import AlsaPulseAlias, alsa_config_path_with, alsa_pulse_config
from drivers.audio.devices import resolve
from drivers.audio.levels import measure_level
from drivers.audio.simulator import RoomAudioSimulator
from drivers.errors import DeviceTimeoutError, DeviceUnavailableError, NotSupportedError
from tests.support.pulse import start_room


async def test_room_devices_are_listed_by_name_one_direction_each(
    room_audio: RoomAudioSimulator,
) -> None:
    names = {d.name: d for d in await list_devices()}
    assert names["Room Speaker"].max_output_channels > 0
    assert names["Room Speaker"].max_input_channels == 0
    assert names["Room Mic"].max_input_channels > 0
    assert names["Room Mic"].max_output_channels == 0
    inputs = [d.name for d in await list_devices(DeviceKind.INPUT)]
    assert "Room Mic" in inputs
    assert "Room Speaker" not in inputs


@pytest.mark.parametrize(
    ("query", "kind", "expected"),
    [
        ("room mic", DeviceKind.INPUT, "Room Mic"),
        ("  SPEAKER ", DeviceKind.OUTPUT, "Room Speaker"),
        ("Room", DeviceKind.OUTPUT, "Room Speaker"),  # the mic is not an output
        ("pulse", DeviceKind.INPUT, "pulse"),
    ],
)
async def test_find_by_case_insensitive_substring(
    room_audio: RoomAudioSimulator, query: str, kind: DeviceKind, expected: str
) -> None:
    assert (await find_device(query, kind)).name == expected


async def test_no_match_lists_what_exists(room_audio: RoomAudioSimulator) -> None:
    with pytest.raises(DeviceUnavailableError) as err:
        await find_device("Jabra", DeviceKind.INPUT)
    assert err.value.device_id == "Jabra"
    assert "'Room Mic'" in str(err.value)
    assert "'Room Speaker'" in str(err.value)
    with pytest.raises(DeviceUnavailableError, match=r"no speaker .* other devices: 'Room Mic'"):
        await find_device("Room Mic", DeviceKind.OUTPUT)
    with pytest.raises(DeviceUnavailableError, match=r"ambiguous: 2 .*'pulse', 'default'"):
        await find_device("u", DeviceKind.INPUT)  # in "pulse" and "default", not "Room Mic"
    with pytest.raises(DeviceUnavailableError, match="empty"):
        await find_device(" ", DeviceKind.INPUT)


async def test_no_sound_system_says_what_to_start(
    room_audio: RoomAudioSimulator, tmp_path: Path
) -> None:
    saved = {k: os.environ.get(k) for k in ("PULSE_SERVER", "ALSA_CONFIG_PATH")}
    os.environ["PULSE_SERVER"] = f"unix:{tmp_path / 'no-server'}"
    os.environ.pop("ALSA_CONFIG_PATH")
    try:
        assert await rescan_devices() == []  # this machine has no sound card: nothing at all
        with pytest.raises(DeviceUnavailableError) as err:
            await find_device("Room Mic", DeviceKind.INPUT)
    finally:
        for key, value in saved.items():
            os.environ[key] = value  # type: ignore[assignment]
        await rescan_devices()
    text = str(err.value)
    assert "not running" in text
    assert "start PulseAudio" in text
    assert f"{tmp_path / 'no-server'}: missing" in text
    assert "pulseaudio pulseaudio-utils libasound2-plugins libportaudio2" in text


async def test_a_device_found_before_a_rescan_is_found_again_by_name(
    room_audio: RoomAudioSimulator,
) -> None:
    mic = await find_device("Room Mic", DeviceKind.INPUT)
    await rescan_devices()
    again = await resolve(mic, DeviceKind.INPUT)
    assert again.name == mic.name
    assert again.generation == mic.generation + 1


async def test_a_second_loopback_on_the_same_devices_is_busy(
    room_audio: RoomAudioSimulator,
) -> None:
    spk = await find_device("Room Speaker", DeviceKind.OUTPUT)
    mic = await find_device("Room Mic", DeviceKind.INPUT)
    first = asyncio.create_task(loopback_test(spk, mic))
    await asyncio.sleep(0)  # found devices need no lookup: it claims them before it yields
    with pytest.raises(DeviceUnavailableError, match=r"busy .*loopback test"):
        await loopback_test("Room Speaker", "Room Mic")
    assert (await first).status.value == "pass"


def test_portaudio_errors_map_to_the_error_tree() -> None:
    sd = _sd._sd()
    busy = _sd.convert_error(
        sd.PortAudioError("Error opening InputStream: Device unavailable", -9985), "mic", "open"
    )
    assert isinstance(busy, DeviceUnavailableError)
    assert "busy" in str(busy)
    host_busy = _sd.convert_error(
        sd.PortAudioError("Error opening", -9999, (0, -errno.EBUSY, "Device or resource busy")),
        "mic",
        "open",
    )
    assert "busy" in str(host_busy)
    assert isinstance(_sd.convert_error(sd.PortAudioError("x", -9998), "m", "o"), NotSupportedError)
    assert isinstance(
        _sd.convert_error(sd.PortAudioError("x", -9987), "m", "o"), DeviceTimeoutError
    )
    gone = _sd.convert_error(sd.PortAudioError("Invalid device", -9996), "m", "o")
    assert "unplugged" in str(gone)


async def test_server_gone_after_the_scan_is_unavailable_with_a_hint() -> None:
    spare = start_room(speaker_name="Spare Speaker", mic_name="Spare Mic", room_noise_dbfs=None)
    try:
        mic = await find_device("spare mic", DeviceKind.INPUT)
        assert spare._proc is not None
        spare._proc.terminate()  # the sound server dies (our own process, by PID)
        spare._proc.wait(5)
        with pytest.raises(DeviceUnavailableError, match=r"sound server .*running") as err:
            await measure_level(mic, 0.1)
        assert err.value.device_id == "Spare Mic"
        assert err.value.operation == "open input"
    finally:
        spare.stop()
    assert "Spare Mic" not in [d.name for d in await list_devices()]


def test_alsa_alias_config_text_and_path() -> None:
    text = alsa_pulse_config(
        [
            AlsaPulseAlias("Room Speaker", "room_speaker", "output", "unix:/tmp/x/native"),
            AlsaPulseAlias("Room Mic", "room_mic", "input"),
        ]
    )
    assert 'pcm."Room Speaker" {' in text
    assert 'playback.pcm { type pulse device "room_speaker" server "unix:/tmp/x/native" }' in text
    assert 'capture.pcm { type pulse device "room_mic" }' in text
    assert "hint { show on" in text
    for bad in ('Evil"Name', "a\\b", "", "x" * 65, "new\nline"):
        with pytest.raises(ValueError, match="device name"):
            AlsaPulseAlias(bad, "room", "input")
    with pytest.raises(ValueError, match="PulseAudio device"):
        AlsaPulseAlias("ok", "room mic", "input")
    extra = Path("/tmp/x/asound.conf")
    assert alsa_config_path_with(extra, {}) == f"/usr/share/alsa/alsa.conf:{extra}"
    assert (
        alsa_config_path_with(extra, {"ALSA_CONFIG_PATH": f"/a.conf:{extra}"}) == f"/a.conf:{extra}"
    )


async def test_rescan_waits_for_open_streams_then_times_out(room_audio: RoomAudioSimulator) -> None:
    mic = await find_device("Room Mic", DeviceKind.INPUT)
    stream = await asyncio.to_thread(
        _sd.open_input, mic.index, mic.name, samplerate=48000, channels=1, latency_s=0.1,
        handler=lambda *_: None,
    )  # fmt: skip
    try:
        with pytest.raises(DeviceTimeoutError, match="still open"):
            await rescan_devices(wait_s=0.2)
    finally:
        await asyncio.to_thread(stream.close)
    assert [d.name for d in await rescan_devices(wait_s=0.2)]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"freq_hz": 30_000.0}, "freq_hz=30000.0 is outside 20…23000"),
        ({"amplitude": 1.5}, "amplitude=1.5"),
        ({"tone_s": 0.0}, "tone_s=0.0"),
        ({"volume": 3.0}, "unexpected keyword argument 'volume'"),
    ],
)
async def test_bad_parameters_are_rejected_before_anything_plays(
    room_audio: RoomAudioSimulator, overrides: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await loopback_test("Room Speaker", "Room Mic", **overrides)
    with pytest.raises(ValueError, match="seconds=0"):
        await measure_level("Room Mic", 0.0)
    assert _sd._open_streams == 0
