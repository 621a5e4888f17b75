"""Microphone levels: one reading over a stretch, or a live stream of readings (~10 Hz).

    async with LevelMeter(await find_device("Room Mic", DeviceKind.INPUT)) as meter:
        reading = await meter.read(1.0)            # RMS / peak / noise floor / clipping
        async for reading in meter.readings(0.1):  # live, for the dashboard's meter
            ...

Each reading of the live stream covers the audio since the previous one (RMS, peak,
clipping); its noise floor covers the last ``noise_window_s`` (the quiet moments between
speech, NOISE_PERCENTILE of 10 ms blocks). Readings are paced by the audio itself (every
``interval_s`` of samples), not by a timer. The first ``settle_s`` after the stream opens
are dropped: PulseAudio's first blocks can be padding.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
import threading
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Final

import numpy as np

from drivers.audio import _sd, signals
from drivers.audio.devices import AudioDevice, DeviceKind, resolve
from drivers.audio.results import LevelReading
from drivers.audio.signals import Samples
from drivers.errors import DeviceTimeoutError, DeviceUnavailableError
from drivers.supervision import open_in_thread

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ: Final = 48_000
# PortAudio 19.6 on ALSA→PulseAudio needs ≥ 0.1 s or it underruns (PLATFORM.md Media 1).
STREAM_LATENCY_S: Final = 0.1
INTERVAL_S: Final = 0.1  # live readings at ~10 Hz
NOISE_WINDOW_S: Final = 3.0
SETTLE_S: Final = 0.05
FIRST_BLOCK_TIMEOUT_S: Final = 3.0  # no audio at all from an open microphone within this → error
STALL_TIMEOUT_S: Final = 2.0  # audio stopped arriving for this long → error
MIN_SPAN_S: Final = 0.01  # shortest / longest stretch one reading may cover
MAX_SPAN_S: Final = 60.0


class LevelMeter:
    """One open input stream that measures levels; use as ``async with``."""

    def __init__(
        self,
        device: AudioDevice | str,
        *,
        samplerate: int = SAMPLE_RATE_HZ,
        latency_s: float = STREAM_LATENCY_S,
        noise_window_s: float = NOISE_WINDOW_S,
        settle_s: float = SETTLE_S,
        first_block_timeout_s: float = FIRST_BLOCK_TIMEOUT_S,
        stall_timeout_s: float = STALL_TIMEOUT_S,
    ) -> None:
        self._device = device
        self.device_name = device if isinstance(device, str) else device.name
        self.samplerate = samplerate
        self._latency_s = latency_s
        self._settle = round(settle_s * samplerate)
        self._first_block_timeout_s = first_block_timeout_s
        self._stall_timeout_s = stall_timeout_s
        self._noise_blocks: collections.deque[float] = collections.deque(
            maxlen=max(1, round(noise_window_s / signals.NOISE_BLOCK_S))
        )
        self._block = max(1, round(signals.NOISE_BLOCK_S * samplerate))
        self._pending: list[Samples] = []  # filled by PortAudio's thread, drained by us
        self._pending_lock = threading.Lock()
        self._leftover = np.zeros(0, dtype=np.float32)  # partial noise block
        self._skipped = 0
        self._data = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stream: _sd.Stream | None = None
        self.overflows = 0

    async def __aenter__(self) -> LevelMeter:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Open the microphone (idempotent)."""
        if self._stream is not None:
            return
        device = await resolve(self._device, DeviceKind.INPUT)
        self.device_name = device.name
        self._loop = asyncio.get_running_loop()
        # Cancelled mid-open, the stream is closed, not leaked: a leaked one stays counted
        # open and blocks every device re-scan (_sd.reinitialize).
        self._stream = await open_in_thread(
            functools.partial(
                _sd.open_input,
                device.index,
                device.name,
                samplerate=self.samplerate,
                channels=1,
                latency_s=self._latency_s,
                handler=self._on_block,
            ),
            _sd.Stream.close,
        )

    async def stop(self) -> None:
        """Close the microphone (idempotent)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            await asyncio.to_thread(stream.close)

    async def read(self, seconds: float) -> LevelReading:
        """Collect ``seconds`` of new audio and return its levels."""
        _check_seconds("seconds", seconds)
        need = max(1, round(seconds * self.samplerate))
        parts: list[Samples] = []
        have = 0
        while have < need:
            chunk = await self._next_chunk()
            parts.append(chunk)
            have += chunk.size
        return self._reading(np.concatenate(parts)[:need])

    async def readings(self, interval_s: float = INTERVAL_S) -> AsyncIterator[LevelReading]:
        """Live readings, one per ``interval_s`` of audio, until the caller stops iterating."""
        _check_seconds("interval_s", interval_s)
        need = max(1, round(interval_s * self.samplerate))
        buffer = np.zeros(0, dtype=np.float32)
        while True:
            buffer = np.concatenate([buffer, await self._next_chunk()])
            while buffer.size >= need:
                yield self._reading(buffer[:need])
                buffer = buffer[need:]

    # -- internals -----------------------------------------------------------------------

    def _on_block(self, block: Samples, _t: float, overflow: bool) -> None:
        # PortAudio's thread: hand the samples over, wake the loop. Must never raise.
        with self._pending_lock:
            self._pending.append(block[:, 0])
            if overflow:
                self.overflows += 1
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed: stream is closing
                loop.call_soon_threadsafe(self._data.set)

    async def _next_chunk(self) -> Samples:
        """The samples that arrived since the last call (waits for at least one block)."""
        if self._stream is None:
            raise DeviceUnavailableError(self.device_name, "level meter is not started")
        while True:
            with self._pending_lock:
                blocks, self._pending = self._pending, []
                self._data.clear()
            if blocks:
                chunk = np.concatenate(blocks)
                if self._skipped < self._settle:
                    drop = min(self._settle - self._skipped, chunk.size)
                    self._skipped += drop
                    chunk = chunk[drop:]
                if chunk.size:
                    self._track_noise(chunk)
                    return chunk
                continue
            timeout = self._first_block_timeout_s if self._skipped == 0 else self._stall_timeout_s
            try:
                async with asyncio.timeout(timeout):  # not wait_for: gh-86296
                    await self._data.wait()
            except TimeoutError:
                raise DeviceTimeoutError(
                    self.device_name,
                    f"no audio from the microphone for {timeout:.1f} s",
                    operation="level",
                ) from None

    def _track_noise(self, chunk: Samples) -> None:
        data = np.concatenate([self._leftover, chunk])
        usable = (data.size // self._block) * self._block
        if usable:
            self._noise_blocks.extend(
                signals.block_mean_squares(data[:usable], self.samplerate).tolist()
            )
        self._leftover = data[usable:]

    def _reading(self, x: Samples) -> LevelReading:
        reading = signals.analyze_levels(x, self.samplerate)
        floor = signals.noise_floor_dbfs(np.asarray(self._noise_blocks, dtype=np.float64))
        return LevelReading(
            rms_dbfs=reading.rms_dbfs,
            peak_dbfs=reading.peak_dbfs,
            noise_floor_dbfs=floor,
            clipping_ratio=reading.clipping_ratio,
            seconds=reading.seconds,
        )


def _check_seconds(name: str, value: float) -> None:
    if not MIN_SPAN_S <= value <= MAX_SPAN_S:
        raise ValueError(f"level {name}={value} is outside {MIN_SPAN_S:g}…{MAX_SPAN_S:g} s")


async def measure_level(device: AudioDevice | str, seconds: float = 1.0) -> LevelReading:
    """Open the microphone, measure ``seconds`` of audio, close it."""
    _check_seconds("seconds", seconds)
    async with LevelMeter(device) as meter:
        return await meter.read(seconds)


async def level_stream(
    device: AudioDevice | str, interval_s: float = INTERVAL_S
) -> AsyncIterator[LevelReading]:
    """Live readings of ``device``; wrap in ``contextlib.aclosing`` so the stream closes."""
    _check_seconds("interval_s", interval_s)
    async with LevelMeter(device) as meter:
        async for reading in meter.readings(interval_s):
            yield reading
