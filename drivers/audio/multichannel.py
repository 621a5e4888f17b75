"""A multichannel microphone input (one channel per delegate seat), block by block.

    async with MultichannelInput("Meeting Mics", channels=8) as mics:
        block = await mics.read()      # Block(samples (n, 8) float32, t_end, overflowed)

One PortAudio input stream (``_sd.open_input``) opened with exactly ``channels``
channels. Errors, all from the tree of ``drivers/errors.py`` and naming the device:

- the device has fewer input channels than configured → ``NotSupportedError`` at open
  ("has 2 input channels, 8 are configured"); a PulseAudio-backed device reports 32 and
  maps what it has, so there a missing channel shows as digital silence on that channel
  (the readiness check's ``follow.<seat>.mic`` item catches it);
- no block within ``first_block_timeout_s`` of opening, or none for ``stall_timeout_s``
  later (the interface was unplugged, the sound server died) → ``DeviceTimeoutError``;
- the device is gone at open → ``DeviceUnavailableError`` (from ``_sd``).

Blocks are handed from PortAudio's thread through a bounded queue; when the reader falls
behind by more than ``MAX_QUEUED_S`` the oldest blocks are dropped and counted
(``dropped``) — the follow policy wants the present, not a backlog.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Final

import numpy as np
import numpy.typing as npt

from drivers.audio import _sd
from drivers.audio.devices import AudioDevice, DeviceKind, resolve
from drivers.errors import DeviceTimeoutError, DeviceUnavailableError, NotSupportedError
from drivers.supervision import open_in_thread

SAMPLE_RATE_HZ: Final = 16_000  # speech band only: a third of 48 kHz's CPU (bench/follow.py)
# PortAudio 19.6 on ALSA→PulseAudio underruns below 0.1 s on output; input is fine at 50 ms
# (PLATFORM.md Media 1) and every ms here is reaction time of the camera.
STREAM_LATENCY_S: Final = 0.05
FIRST_BLOCK_TIMEOUT_S: Final = 3.0  # PulseAudio's first input block: 0.4–1.2 s (PLATFORM.md)
STALL_TIMEOUT_S: Final = 1.0  # no audio for this long while open → the device is gone
MAX_QUEUED_S: Final = 2.0
MAX_CHANNELS: Final = 64


@dataclass(frozen=True)
class Block:
    samples: npt.NDArray[np.float32]  # (frames, channels)
    t_end: float  # monotonic time PortAudio delivered it (its last sample)
    overflowed: bool


class MultichannelInput:
    """One open N-channel input stream; use as ``async with``."""

    def __init__(
        self,
        device: AudioDevice | str,
        *,
        channels: int,
        samplerate: int = SAMPLE_RATE_HZ,
        latency_s: float = STREAM_LATENCY_S,
        first_block_timeout_s: float = FIRST_BLOCK_TIMEOUT_S,
        stall_timeout_s: float = STALL_TIMEOUT_S,
    ) -> None:
        if not 1 <= channels <= MAX_CHANNELS:
            raise ValueError(f"channels={channels} outside 1…{MAX_CHANNELS}")
        self._device = device
        self.device_name = device if isinstance(device, str) else device.name
        self.channels = channels
        self.samplerate = samplerate
        self._latency_s = latency_s
        self._first_block_timeout_s = first_block_timeout_s
        self._stall_timeout_s = stall_timeout_s
        self._queue: collections.deque[Block] = collections.deque()
        self._max_blocks = 1000  # refined at the first block from its size
        self._lock = threading.Lock()
        self._data = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stream: _sd.Stream | None = None
        self._received = 0
        self.dropped = 0
        self.overflows = 0

    async def __aenter__(self) -> MultichannelInput:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def is_open(self) -> bool:
        return self._stream is not None

    async def start(self) -> None:
        """Open the device with ``channels`` channels (idempotent)."""
        if self._stream is not None:
            return
        device = await resolve(self._device, DeviceKind.INPUT)
        self.device_name = device.name
        if device.max_input_channels < self.channels:
            raise NotSupportedError(
                device.name,
                f"has {device.max_input_channels} input channel(s), {self.channels} are "
                "configured (one per seat): check the seat map or the device",
                operation="open multichannel",
            )
        self._loop = asyncio.get_running_loop()
        self._received = 0
        self._stream = await open_in_thread(
            functools.partial(
                _sd.open_input,
                device.index,
                device.name,
                samplerate=self.samplerate,
                channels=self.channels,
                latency_s=self._latency_s,
                handler=self._on_block,
            ),
            _sd.Stream.close,
        )

    async def stop(self) -> None:
        """Close the device (idempotent)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            await asyncio.to_thread(stream.close)
        with self._lock:
            self._queue.clear()

    async def read(self) -> Block:
        """The next block (waits for it; see the module docstring for the errors)."""
        while True:
            if self._stream is None:
                raise DeviceUnavailableError(
                    self.device_name, "input is not open", operation="read"
                )
            with self._lock:
                if self._queue:
                    return self._queue.popleft()
                self._data.clear()
            timeout = self._first_block_timeout_s if self._received == 0 else self._stall_timeout_s
            try:
                async with asyncio.timeout(timeout):  # not wait_for: gh-86296
                    await self._data.wait()
            except TimeoutError:
                what = "no audio yet" if self._received == 0 else "audio stopped"
                raise DeviceTimeoutError(
                    self.device_name,
                    f"{what} from the multichannel input for {timeout:.1f} s "
                    "(unplugged, or the sound server stopped?)",
                    operation="read",
                ) from None

    def _on_block(self, block: npt.NDArray[np.float32], t: float, overflow: bool) -> None:
        # PortAudio's thread: queue and wake the loop. Must never raise.
        with self._lock:
            if self._received == 0 and block.shape[0]:
                self._max_blocks = max(4, round(MAX_QUEUED_S * self.samplerate / block.shape[0]))
            self._received += 1
            if overflow:
                self.overflows += 1
            self._queue.append(Block(block, t, overflow))
            while len(self._queue) > self._max_blocks:
                self._queue.popleft()
                self.dropped += 1
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # loop closed: the stream is closing
                loop.call_soon_threadsafe(self._data.set)
