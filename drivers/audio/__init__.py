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

The names below are exported lazily (PEP 562 module ``__getattr__``): importing the package
loads neither numpy nor PortAudio; the first use of a name loads its module. PortAudio
itself loads on the first device call (~0.1 s) and is unloaded again by :func:`release`,
which the driver calls when its last stream closes (see ``_sd.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from drivers.lazy_exports import lazy_exports

if TYPE_CHECKING:  # the real imports for type checkers; at run time see __getattr__
    from drivers.audio._sd import release
    from drivers.audio.devices import (
        AudioDevice,
        DeviceKind,
        find_device,
        list_devices,
        rescan_devices,
    )
    from drivers.audio.levels import LevelMeter, level_stream, measure_level
    from drivers.audio.loopback import LoopbackParams, loopback_test
    from drivers.audio.results import (
        LevelReading,
        LoopbackIssue,
        LoopbackResult,
        LoopbackStatus,
        LoopbackTimings,
    )

# exported name -> the submodule that defines it
_EXPORTS: Final[dict[str, str]] = {
    "release": "_sd",
    "AudioDevice": "devices",
    "DeviceKind": "devices",
    "find_device": "devices",
    "list_devices": "devices",
    "rescan_devices": "devices",
    "LevelMeter": "levels",
    "level_stream": "levels",
    "measure_level": "levels",
    "LoopbackParams": "loopback",
    "loopback_test": "loopback",
    "LevelReading": "results",
    "LoopbackIssue": "results",
    "LoopbackResult": "results",
    "LoopbackStatus": "results",
    "LoopbackTimings": "results",
}

if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any name as `object`
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


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
    "release",
    "rescan_devices",
]
