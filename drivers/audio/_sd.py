"""The one module that imports ``sounddevice`` (PortAudio): typed, lock-guarded, errors converted.

PortAudio is not thread-safe for opening, closing and re-initialising, so every such call
runs under one process-wide lock. ``Pa_Terminate`` closes every open stream, so a rescan
(``reinitialize``) waits until no stream of ours is open. PortAudio scans devices only at
initialisation (PLATFORM.md Media 1 gotchas), which is why a rescan is needed at all.

Stream callbacks run on PortAudio's own thread; they get plain numpy arrays and a
``time.monotonic()`` stamp taken on entry (PortAudio's ADC/DAC times are unusable on the
ALSA→PulseAudio path, PLATFORM.md Media 1).

PortAudio is unloaded again when the last stream of ours closes (:func:`release`:
``Pa_Terminate``, then ``dlclose`` of libportaudio and a fresh ``import sounddevice`` on
the next use, ~40 ms). Loaded, it keeps ~14 MB of the agent's memory (its ALSA/PulseAudio
state and the library; DESIGN.md §7 idle RSS ≤ 80 MB); ``Pa_Terminate`` alone returns
only part of it, the library stays mapped.

Every ``sounddevice.PortAudioError`` is converted here, once, to the error tree of
``drivers/errors.py`` (see :func:`convert_error`).
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from drivers.errors import (
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    NotSupportedError,
)

log = logging.getLogger(__name__)

Samples = npt.NDArray[np.float32]

# PortAudio error codes (portaudio.h, PaErrorCode).
PA_UNANTICIPATED_HOST_ERROR: Final = -9999
PA_INVALID_CHANNEL_COUNT: Final = -9998
PA_INVALID_SAMPLE_RATE: Final = -9997
PA_INVALID_DEVICE: Final = -9996
PA_SAMPLE_FORMAT_NOT_SUPPORTED: Final = -9994
PA_BAD_IO_DEVICE_COMBINATION: Final = -9993
PA_TIMED_OUT: Final = -9987
PA_DEVICE_UNAVAILABLE: Final = -9985

PACKAGES_HINT: Final = "pulseaudio pulseaudio-utils libasound2-plugins libportaudio2"

# Blocks until the streams of a rescan are closed; a rescan never interrupts a measurement.
RESCAN_WAIT_S: Final = 5.0

InputHandler = Callable[[Samples, float, bool], None]
"""(block of shape (frames, channels), monotonic time at callback entry, overflowed)."""
OutputHandler = Callable[[Samples, float], bool]
"""Fill the (frames, channels) buffer in place; return True when this was the last block."""

_lock = threading.Condition(threading.RLock())
_open_streams = 0
_generation = 0
_module: Any = None


@dataclass(frozen=True)
class RawDevice:
    """One PortAudio device as listed at the current scan."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float


def generation() -> int:
    """Increases with every rescan; device indices are only valid within one generation."""
    return _generation


def query_devices() -> list[RawDevice]:
    """The devices PortAudio found at its last scan (blocking on the first call: ~0.1 s)."""
    with _lock:
        sd = _sd()
        hostapis = [str(h["name"]) for h in sd.query_hostapis()]
        return [
            RawDevice(
                index=int(d["index"]),
                name=str(d["name"]),
                hostapi=hostapis[int(d["hostapi"])]
                if 0 <= int(d["hostapi"]) < len(hostapis)
                else "",
                max_input_channels=int(d["max_input_channels"]),
                max_output_channels=int(d["max_output_channels"]),
                default_samplerate=float(d["default_samplerate"]),
            )
            for d in sd.query_devices()
        ]


def reinitialize(wait_s: float = RESCAN_WAIT_S) -> None:
    """Re-scan devices (``Pa_Terminate`` + ``Pa_Initialize``) once no stream is open."""
    global _generation
    with _lock:
        if _module is None:  # not loaded: the next use loads and scans afresh
            _generation += 1
            return
        if not _lock.wait_for(lambda: _open_streams == 0, timeout=wait_s):
            raise DeviceTimeoutError(
                "audio",
                f"{_open_streams} audio stream(s) still open after {wait_s:.1f} s",
                operation="rescan",
            )
        # The wait let go of the lock: the last stream's close may have released PortAudio
        # meanwhile (library unloaded; calling into it raises cffi's "has been closed").
        sd = _module
        if sd is None:
            _generation += 1
            return
        sd._terminate()
        sd._initialize()
        _generation += 1
        log.debug("PortAudio re-initialised (generation %d)", _generation)


def release() -> bool:
    """Unload PortAudio when no stream is open (the next device call loads it again).

    Returns True when PortAudio is not loaded afterwards, False when a stream kept it.
    Device indices of the old scan become invalid (:func:`generation` moves on). The driver
    calls this itself when its last stream closes; call it after a run of plain device
    look-ups (``list_devices``) to give the memory back as well.
    """
    with _lock:
        if _open_streams:
            return False
        _release_locked()
        return True


class Stream:
    """An open, started PortAudio stream; :meth:`close` is idempotent and blocking."""

    def __init__(self, raw: Any, device_id: str) -> None:
        self._raw = raw
        self.device_id = device_id
        self._closed = False

    @property
    def samplerate(self) -> float:
        return float(self._raw.samplerate)

    @property
    def channels(self) -> int:
        return int(self._raw.channels)

    def close(self) -> None:
        """Stop and close; errors while closing are logged, never raised."""
        global _open_streams
        with _lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._raw.close(ignore_errors=True)
            except Exception as exc:  # a dying device; the stream is gone either way
                log.debug("%s: close failed: %s", self.device_id, exc)
            _open_streams -= 1
            if _open_streams == 0:
                _release_locked()  # the last stream: give PortAudio's memory back
            _lock.notify_all()


def open_input(
    index: int,
    device_id: str,
    *,
    samplerate: float,
    channels: int,
    latency_s: float,
    handler: InputHandler,
) -> Stream:
    """Open and start an input stream; ``handler`` gets a copy of every block.

    ``device_id`` is the device's name: it re-finds the device if ``index`` is from an
    older scan (as for :func:`open_output`).
    """

    def callback(indata: Any, frames: int, _time: Any, status: Any) -> None:
        handler(np.array(indata, dtype=np.float32), time.monotonic(), bool(status.input_overflow))

    return _open("InputStream", index, device_id, samplerate, channels, latency_s, callback, None)


def open_output(
    index: int,
    device_id: str,
    *,
    samplerate: float,
    channels: int,
    latency_s: float,
    handler: OutputHandler,
    on_finished: Callable[[], None],
) -> Stream:
    """Open and start an output stream fed by ``handler``; ``on_finished`` runs after the last block."""

    def callback(outdata: Any, frames: int, _time: Any, status: Any) -> None:
        if handler(outdata, time.monotonic()):
            raise _sd().CallbackStop

    return _open(
        "OutputStream", index, device_id, samplerate, channels, latency_s, callback, on_finished
    )


def convert_error(exc: BaseException, device_id: str, operation: str) -> DeviceError:
    """Map a PortAudio/sounddevice error to the project's error tree (done once, here)."""
    # sounddevice.PortAudioError.args: (message, PaErrorCode, (hostapi, host error, text)).
    args: tuple[object, ...] = tuple(getattr(exc, "args", ()))
    code = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    host: tuple[object, ...] = args[2] if len(args) > 2 and isinstance(args[2], tuple) else ()
    host_code = host[1] if len(host) > 1 else None
    host_errno = -host_code if isinstance(host_code, int) else None
    text = str(exc)
    if code == PA_DEVICE_UNAVAILABLE or host_errno == errno.EBUSY:
        return DeviceUnavailableError(
            device_id, f"device is busy (another program holds it): {text}", operation=operation
        )
    if code == PA_INVALID_DEVICE:
        return DeviceUnavailableError(
            device_id, f"device no longer exists (unplugged?): {text}", operation=operation
        )
    if code in (PA_INVALID_CHANNEL_COUNT, PA_INVALID_SAMPLE_RATE, PA_SAMPLE_FORMAT_NOT_SUPPORTED):
        return NotSupportedError(device_id, text, operation=operation)
    if code == PA_TIMED_OUT:
        return DeviceTimeoutError(device_id, text, operation=operation)
    if code in (PA_BAD_IO_DEVICE_COMBINATION, PA_UNANTICIPATED_HOST_ERROR):
        # The ALSA "pulse" plugin fails with EIO when PulseAudio refuses the stream (sink or
        # source gone) and with a bad I/O combination when the server is unreachable.
        return DeviceUnavailableError(
            device_id,
            f"cannot open the device; is the sound server (PulseAudio) running and does the "
            f"device still exist? ({text})",
            operation=operation,
        )
    return DeviceUnavailableError(device_id, text, operation=operation)


# -- internals ---------------------------------------------------------------------------


def _sd() -> Any:
    """Import sounddevice on first use (it loads PortAudio and scans devices: ~90 ms)."""
    global _module
    if _module is None:
        try:
            import sounddevice  # heavy: loaded on first use
        except OSError as exc:  # the wheel does not bundle PortAudio on Linux
            raise DeviceUnavailableError(
                "audio",
                f"PortAudio is not installed ({exc}); install the Debian packages {PACKAGES_HINT}",
                operation="init",
            ) from exc
        _module = sounddevice
    return _module


def _release_locked() -> None:
    """``Pa_Terminate`` and unload libportaudio (the caller holds ``_lock``, no stream open)."""
    global _module, _generation
    sd, _module = _module, None
    if sd is None:
        return
    _generation += 1
    try:
        while sd._initialized > 0:
            sd._terminate()
    except Exception as exc:  # keep going: the library is dropped either way
        log.debug("PortAudio terminate failed: %s", exc)
    # sounddevice registered an exit handler calling Pa_Terminate: it must not run on a
    # closed library. A later ``import sounddevice`` re-executes the module (new dlopen,
    # Pa_Initialize, device scan) because it is no longer in sys.modules.
    atexit.unregister(sd._exit_handler)
    sys.modules.pop("sounddevice", None)
    try:
        sd._ffi.dlclose(sd._lib)
    except Exception as exc:  # cffi refuses a second close; nothing else to do
        log.debug("PortAudio dlclose failed: %s", exc)
    log.debug("PortAudio released (generation %d)", _generation)


def _device_index(sd: Any, index: int, name: str, operation: str) -> int:
    """``index`` if it still names ``name``; else that name's index in the current scan.

    An index is only valid within one scan; PortAudio may have been released and loaded
    again (another stream closed) between the caller's look-up and this open.
    """
    devices = list(sd.query_devices())
    if 0 <= index < len(devices) and str(devices[index]["name"]) == name:
        return index
    same = [int(d["index"]) for d in devices if str(d["name"]) == name]
    if len(same) == 1:
        log.debug("%s: index %d is now %d (PortAudio re-initialised)", name, index, same[0])
        return same[0]
    raise DeviceUnavailableError(
        name, "device no longer exists (unplugged?) at the current scan", operation=operation
    )


def _open(
    kind: str,
    index: int,
    device_id: str,
    samplerate: float,
    channels: int,
    latency_s: float,
    callback: Callable[..., None],
    on_finished: Callable[[], None] | None,
) -> Stream:
    global _open_streams
    operation = "open input" if kind == "InputStream" else "open output"
    with _lock:
        sd = _sd()
        index = _device_index(sd, index, device_id, operation)
        raw: Any = None
        try:
            raw = getattr(sd, kind)(
                samplerate=samplerate,
                channels=channels,
                dtype="float32",
                device=index,
                latency=latency_s,
                callback=callback,
                finished_callback=on_finished,
            )
            raw.start()
        except (sd.PortAudioError, ValueError) as exc:
            if raw is not None:
                with contextlib.suppress(Exception):
                    raw.close(ignore_errors=True)
            raise convert_error(exc, device_id, operation) from exc
        _open_streams += 1
        return Stream(raw, device_id)
