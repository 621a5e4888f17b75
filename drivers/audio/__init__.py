"""Room audio: devices by name, microphone levels, the speaker→microphone loopback test.

    from drivers.audio import DeviceKind, find_device, measure_level, loopback_test
    mic = await find_device("Room Mic", DeviceKind.INPUT)
    reading = await measure_level(mic, 1.0)            # LevelReading
    result = await loopback_test("Room Speaker", mic)   # LoopbackResult (pass/warn/fail)

Modules: ``_sd`` (the only one importing sounddevice/PortAudio; converts its errors),
``devices`` (list, find by name, rescan, busy claims), ``signals`` (pure numpy: levels, test
signals, detection), ``levels`` (LevelMeter, live stream), ``verdict`` (judging a loopback
recording; thresholds), ``loopback`` (running the test), ``aliases`` (named ALSA devices for
PulseAudio), ``simulator`` (a PulseAudio room for demo and tests).
Importing this package does not load PortAudio; the first device call does (~0.1 s).
"""

from __future__ import annotations

from drivers.audio.devices import (
    AudioDevice,
    DeviceKind,
    find_device,
    list_devices,
    rescan_devices,
)
from drivers.audio.levels import LevelMeter, level_stream, measure_level
from drivers.audio.loopback import LoopbackParams, loopback_test
from drivers.audio.signals import LevelReading
from drivers.audio.verdict import LoopbackIssue, LoopbackResult, LoopbackStatus, LoopbackTimings

__all__ = [
    "AudioDevice",
    "DeviceKind",
    "LevelMeter",
    "LevelReading",
    "LoopbackIssue",
    "LoopbackParams",
    "LoopbackResult",
    "LoopbackStatus",
    "LoopbackTimings",
    "find_device",
    "level_stream",
    "list_devices",
    "loopback_test",
    "measure_level",
    "rescan_devices",
]
