"""Camera video capture with our own watchdog.

:class:`VideoSource` reads a V4L2 device (``/dev/videoN``), a file, or a network stream
(RTSP, HTTP MJPEG, UDP …) through ``cv2.VideoCapture`` in one reader thread that owns
the capture; the asyncio side sees the newest frame, waits for new ones, and takes JPEG
snapshots.

Why a watchdog of our own: when a camera hangs with its socket open, OpenCV's
``read()`` blocks — 9 s with ``CAP_PROP_READ_TIMEOUT_MSEC=3000`` and about 60 s by
default (PLATFORM.md Media 3b "Stalled camera"). A watchdog task notices that no frame
arrived for ``stall_timeout_s`` and reports the stream as stalled at once, while the
blocked reader thread finishes (and releases the capture) whenever OpenCV returns.

Errors: cannot open / no first frame ("no signal") / stream ended →
``DeviceUnavailableError``; stalled → ``DeviceTimeoutError``; an unusable source string
→ ``ConfigError``. RTSP is opened with ``rtsp_transport;tcp|analyzeduration;0|
probesize;32768`` (first frame in 0.2 s instead of 1.3 s and no backlog, PLATFORM.md 3b).
A V4L2 device cannot be tested here (no virtual device is possible, PLATFORM.md Media 4):
that path is only the backend choice below.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from drivers.errors import DeviceTimeoutError, DeviceUnavailableError
from drivers.supervision import cancel_and_wait
from drivers.video import _cv
from drivers.video._cv import Frame
from drivers.video.sources import parse_target, write_atomic

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S: Final = 5.0  # OpenCV's own open timeout (CAP_PROP_OPEN_TIMEOUT_MSEC)
FIRST_FRAME_TIMEOUT_S: Final = 5.0  # opened but no frame within this: no signal
STALL_TIMEOUT_S: Final = 2.0  # no new frame for this long: stalled (our watchdog)
READ_TIMEOUT_S: Final = 5.0  # OpenCV's read timeout; it may block ~3× longer (PLATFORM.md 3b)
STOP_JOIN_TIMEOUT_S: Final = 1.0  # wait this long for the reader thread when stopping
SNAPSHOT_QUALITY: Final = 85
FILE_FPS_FALLBACK: Final = 25.0  # pace a file at this rate when it does not say


class SourceState(enum.StrEnum):
    CLOSED = "closed"
    OPENING = "opening"
    STREAMING = "streaming"
    STALLED = "stalled"
    ENDED = "ended"  # the stream or file ended, or the connection dropped
    FAILED = "failed"  # could not open


@dataclass(frozen=True)
class TimedFrame:
    """A frame (read-only BGR array), its sequence number and arrival time (monotonic)."""

    image: Frame
    seq: int
    at: float


class VideoSource:
    """One camera picture; see the module docstring. Use ``start()`` / ``stop()``."""

    def __init__(
        self,
        source: str,
        *,
        device_id: str | None = None,
        open_timeout_s: float = OPEN_TIMEOUT_S,
        first_frame_timeout_s: float = FIRST_FRAME_TIMEOUT_S,
        stall_timeout_s: float = STALL_TIMEOUT_S,
        read_timeout_s: float = READ_TIMEOUT_S,
        stop_join_timeout_s: float = STOP_JOIN_TIMEOUT_S,
        loop_file: bool = False,
        realtime_file: bool = True,
    ) -> None:
        self._target = parse_target(source)
        self.source = source
        self.device_id = device_id or source
        self.open_timeout_s = open_timeout_s
        self.first_frame_timeout_s = first_frame_timeout_s
        self.stall_timeout_s = stall_timeout_s
        self.read_timeout_s = read_timeout_s
        self.stop_join_timeout_s = stop_join_timeout_s
        self.loop_file = loop_file
        self.realtime_file = realtime_file
        self._state = SourceState.CLOSED
        self._reason: str | None = None
        self._lock = threading.Lock()
        self._latest: TimedFrame | None = None
        self._stop_flag = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_frame = asyncio.Event()
        self._lost = asyncio.Event()
        self._watchdog: asyncio.Task[None] | None = None
        self.frames_received = 0

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Open the source and wait for its first frame."""
        if self._thread is not None:
            return
        self._precheck()
        self._loop = asyncio.get_running_loop()
        self._stop_flag.clear()
        self._lost.clear()
        self._set_state(SourceState.OPENING, None)
        self._thread = threading.Thread(
            target=self._reader, name=f"video-reader:{self.device_id}", daemon=True
        )
        self._thread.start()
        try:
            await self._wait_first_frame()
        except BaseException:
            await self.stop()
            raise
        self._watchdog = asyncio.create_task(self._watch(), name=f"video-watchdog:{self.device_id}")

    async def stop(self) -> None:
        """Stop reading and release the capture (by the reader thread, when it returns)."""
        task, self._watchdog = self._watchdog, None
        if task is not None:
            await cancel_and_wait(task)  # never swallows our caller's cancel
        self._stop_flag.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            await asyncio.to_thread(thread.join, self.stop_join_timeout_s)
            if thread.is_alive():
                log.warning(
                    "%s: reader still blocked in OpenCV; it releases the capture when the read returns",
                    self.device_id,
                )
        with self._lock:
            self._latest = None
        self._set_state(SourceState.CLOSED, self._reason)

    async def __aenter__(self) -> VideoSource:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- status --------------------------------------------------------------------------

    @property
    def state(self) -> SourceState:
        return self._state

    @property
    def reason(self) -> str | None:
        """Why the source stalled, ended or failed (None while streaming)."""
        return self._reason

    @property
    def kind(self) -> str:
        """``v4l2``, ``file`` or ``network``."""
        return self._target.kind

    def frame_age_s(self) -> float | None:
        """Seconds since the newest frame arrived (None before the first)."""
        with self._lock:
            latest = self._latest
        return None if latest is None else time.monotonic() - latest.at

    async def wait_lost(self) -> str:
        """Return the reason once the stream stalls, ends or fails (for supervisors)."""
        await self._lost.wait()
        return self._reason or self._state.value

    # -- frames --------------------------------------------------------------------------

    def latest(self) -> TimedFrame:
        """The newest frame; raises when there is none fresh (stalled / ended / closed)."""
        with self._lock:
            latest = self._latest
        self._raise_if_down("read frame")
        if latest is None:
            raise DeviceUnavailableError(self.device_id, "no signal", operation="read frame")
        age = time.monotonic() - latest.at
        if age > self.stall_timeout_s:
            raise DeviceTimeoutError(
                self.device_id, f"stalled: last frame {age:.1f} s ago", operation="read frame"
            )
        return latest

    async def next_frame(
        self, timeout_s: float | None = None, *, after: int | None = None
    ) -> TimedFrame:
        """Wait for a frame newer than ``after`` (default: the newest one now)."""
        limit = self.stall_timeout_s if timeout_s is None else timeout_s
        with self._lock:
            seq = self._latest.seq if self._latest is not None else 0
        after = seq if after is None else after
        deadline = time.monotonic() + limit
        while True:
            with self._lock:
                latest = self._latest
            if latest is not None and latest.seq > after:
                return latest  # even if the source ended since (a short file read flat out)
            self._raise_if_down("read frame")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeviceTimeoutError(
                    self.device_id, f"no new frame within {limit:.1f} s", operation="read frame"
                )
            self._new_frame.clear()  # set again by a new frame or any state change
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):  # not wait_for: gh-86296
                    await self._new_frame.wait()

    async def frames(self) -> AsyncIterator[TimedFrame]:
        """Every new frame (frames that arrive faster than you consume are skipped)."""
        seq = 0
        while True:
            frame = await self.next_frame(after=seq)
            seq = frame.seq
            yield frame

    async def snapshot_jpeg(
        self, path: str | Path | None = None, *, quality: int = SNAPSHOT_QUALITY
    ) -> bytes:
        """JPEG of the newest frame; also written to ``path`` (atomically) when given."""
        if not 1 <= quality <= 100:
            raise ValueError(f"JPEG quality must be 1…100, not {quality}")
        frame = self.latest()
        return await asyncio.to_thread(_encode_and_write, frame.image, quality, path)

    # -- internals -----------------------------------------------------------------------

    def _raise_if_down(self, operation: str) -> None:
        state = self._state
        if state in (SourceState.ENDED, SourceState.FAILED, SourceState.CLOSED):
            raise DeviceUnavailableError(
                self.device_id, self._reason or state.value, operation=operation
            )
        if state is SourceState.STALLED:
            raise DeviceTimeoutError(self.device_id, self._reason or "stalled", operation=operation)

    def _set_state(self, state: SourceState, reason: str | None) -> None:
        if state is not self._state:
            log.debug("%s: %s -> %s (%s)", self.device_id, self._state, state, reason)
        self._state, self._reason = state, reason
        if state not in (SourceState.OPENING, SourceState.STREAMING):
            self._lost.set()
        self._new_frame.set()  # waiters re-check

    async def _wait_first_frame(self) -> None:
        limit = self.open_timeout_s + self.first_frame_timeout_s
        try:
            await self.next_frame(limit, after=0)
        except DeviceTimeoutError:
            raise DeviceUnavailableError(
                self.device_id, f"no signal: no frame within {limit:.1f} s", operation="open"
            ) from None

    async def _watch(self) -> None:
        period = max(0.01, self.stall_timeout_s / 10)  # reports within 110 % of the limit
        while True:
            await asyncio.sleep(period)
            age = self.frame_age_s()
            if (
                self._state is SourceState.STREAMING
                and age is not None
                and age > self.stall_timeout_s
            ):
                reason = f"stalled: no frame for {age:.1f} s (limit {self.stall_timeout_s:.1f} s)"
                log.warning("%s: %s", self.device_id, reason)
                self._set_state(SourceState.STALLED, reason)
            elif (
                self._state is SourceState.STALLED
                and age is not None
                and age < self.stall_timeout_s
            ):
                log.warning("%s: frames flow again", self.device_id)
                self._lost.clear()
                self._set_state(SourceState.STREAMING, None)

    def _post(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the event loop (from the reader thread)."""
        loop = self._loop
        if loop is None or self._stop_flag.is_set():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(callback)

    def _precheck(self) -> None:
        """Fail fast (before any thread) on a file or device node that is not there."""
        location = Path(self._target.location)
        if self._target.kind == "file" and not location.is_file():
            raise DeviceUnavailableError(self.device_id, "no such video file", operation="open")
        if self._target.kind == "v4l2" and not location.exists():
            raise DeviceUnavailableError(
                self.device_id, f"no such device {location}", operation="open"
            )

    def _post_state(self, state: SourceState, reason: str) -> None:
        self._post(lambda: self._set_state(state, reason))

    def _frame_arrived(self) -> None:
        if self._state is SourceState.OPENING:
            self._set_state(SourceState.STREAMING, None)
        self._new_frame.set()

    def _reader(self) -> None:
        """The reader thread: owns the capture from construction to release."""
        target = self._target
        cap = self._open_capture()
        if cap is None:
            return
        try:
            fps = cap.fps() or FILE_FPS_FALLBACK
            period = 1.0 / fps if target.kind == "file" and self.realtime_file else 0.0
            next_t = time.monotonic()
            while not self._stop_flag.is_set():
                image = cap.read()
                if image is None and target.kind == "file" and self.loop_file:
                    cap.release()
                    cap = self._open_capture()
                    if cap is None:
                        return
                    continue
                if image is None:
                    if target.kind == "file":
                        self._post_state(SourceState.ENDED, "end of file")
                    else:
                        self._post_state(SourceState.ENDED, "stream ended or connection lost")
                    return
                image.flags.writeable = False
                now = time.monotonic()
                with self._lock:
                    seq = self._latest.seq + 1 if self._latest is not None else 1
                    self._latest = TimedFrame(image, seq, now)
                    self.frames_received += 1
                self._post(self._frame_arrived)
                if period:
                    next_t = max(next_t + period, now)
                    self._stop_flag.wait(max(0.0, next_t - time.monotonic()))
        finally:
            if cap is not None:
                cap.release()

    def _open_capture(self) -> _cv.Capture | None:
        target = self._target
        cap = _cv.Capture(
            target.location,
            "v4l2" if target.kind == "v4l2" else "ffmpeg",
            open_timeout_ms=round(self.open_timeout_s * 1000),
            read_timeout_ms=round(self.read_timeout_s * 1000),
            ffmpeg_options=target.ffmpeg_options,
        )
        if cap.is_opened():
            return cap
        cap.release()
        self._post_state(SourceState.FAILED, f"cannot open {target.kind} source")
        return None


def _encode_and_write(image: Frame, quality: int, path: str | Path | None) -> bytes:
    data = _cv.encode_jpeg(image, quality)
    if path is not None:
        write_atomic(Path(path), data)
    return data
