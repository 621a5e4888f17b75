"""VlcDisplay: the room display as an async device — pattern, slate or a stream, full screen.

    display = VlcDisplay("main", xdisplay=":0", output="HDMI-2", room_name="UBND huyện A")
    await display.show_slate()          # returns once VLC has a picture, or raises
    display.state().summary()           # "đang phát · màn hình chờ · HDMI-2 1920x1080+1920+0 …"
    await display.stop()                # releases player, instance, window; show again reopens

Errors: no X server / no such output / no libvlc → DeviceUnavailableError; VLC could not
open or decode the media (missing file, unreachable or malformed URL, broken image) →
CommandRejectedError; no picture within ``open_timeout_s`` → DeviceTimeoutError; unknown
pattern → NotSupportedError. With neither ``xdisplay`` nor ``$DISPLAY`` the display runs
headless (``--vout=dummy``) and says so (``status.screen`` is False).

libvlc's window embedding reads ``$DISPLAY`` (see ``vlc_player.py``), which is
process-wide: the display sets it to its X server while open, restores it when the last
display closes, and refuses a second X server in the same process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Final

from drivers.display._support import (
    DISPLAY_VARIABLE,
    Renderer,
    check_source,
    in_thread,
    sink_into,
    unlink_quietly,
)
from drivers.display.pattern import PatternKind, pattern_kind, write_pattern_png
from drivers.display.playback import Playback
from drivers.display.status import ContentKind, DisplayStatus
from drivers.display.vlc_player import VlcEngine
from drivers.display.xwindow import (
    FullscreenWindow,
    Output,
    list_outputs,
    screen_of,
    select_output,
)
from drivers.errors import (
    CommandRejectedError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
)
from drivers.supervision import cancel_and_wait, open_in_thread

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S: Final = 5.0  # play → picture; an RTSP camera needs 0.2–1.3 s (PLATFORM.md Media 3b)
# Connect to X, list outputs, create the window: milliseconds on a room PC; the bound is for
# an X server that hangs. 3 s was passed by healthy displays in the demo province's soak
# (31 rooms' windows on one Xvfb, their players starting at once on 2 cores: "open took
# longer than 3 s" for 2 of 31 rooms, tests/reliability/test_soak.py).
X_TIMEOUT_S: Final = 10.0
STOP_TIMEOUT_S: Final = 5.0  # libvlc stop joins its input thread
CLOCK_REFRESH_S: Final = 60.0  # redraw the clock on the pattern/slate at each minute
HEADLESS_SIZE: Final = (1920, 1080)
_POLL_S: Final = 0.05


def _local_now() -> datetime:
    return datetime.now().astimezone()


class VlcDisplay:
    """One display output driven by VLC; see the module docstring."""

    def __init__(
        self,
        device_id: str = "display",
        *,
        xdisplay: str | None = None,
        output: str | None = None,
        room_name: str = "",
        lang: str | None = None,
        open_timeout_s: float = OPEN_TIMEOUT_S,
        x_timeout_s: float = X_TIMEOUT_S,
        stop_timeout_s: float = STOP_TIMEOUT_S,
        clock_refresh_s: float | None = CLOCK_REFRESH_S,
        clock: Callable[[], datetime] = _local_now,
        renderer: Renderer = write_pattern_png,
        audio: bool = False,
        headless_fallback: bool = True,
        on_change: Callable[[DisplayStatus], None] | None = None,
    ) -> None:
        self.device_id = device_id
        self.room_name = room_name
        self.lang = lang
        self.open_timeout_s = open_timeout_s
        self.x_timeout_s = x_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.clock_refresh_s = clock_refresh_s
        self._xdisplay_spec = xdisplay
        self._output_spec = output
        self._clock = clock
        self._renderer = renderer
        self._audio = audio
        self._headless_fallback = headless_fallback
        self._on_change = on_change
        self._lock = asyncio.Lock()
        self._engine: VlcEngine | None = None
        self._window: FullscreenWindow | None = None
        self._xdisplay: str | None = None
        self._output: Output | None = None
        self._workdir: Path | None = None
        self._clock_task: asyncio.Task[None] | None = None
        self._render_seq = 0
        self._pattern: PatternKind | None = None
        self._playback = Playback(self._notify)

    # --- public API -----------------------------------------------------------------

    @property
    def output(self) -> Output | None:
        """The output in use (None when headless or not open)."""
        return self._output

    @property
    def xdisplay(self) -> str | None:
        return self._xdisplay

    @property
    def is_open(self) -> bool:
        return self._engine is not None

    async def open(self) -> DisplayStatus:
        """Connect to X, create the window and the player (the show methods do it too)."""
        async with self._lock:
            await self._ensure_open()
        return self.state()

    async def show_pattern(
        self, kind: PatternKind | str | None = PatternKind.BARS, *, room_name: str | None = None
    ) -> DisplayStatus:
        """Show the colour bars (or ``kind="slate"``) with the room name and the time."""
        pattern = pattern_kind(kind or PatternKind.BARS, device_id=self.device_id)
        if room_name is not None:
            self.room_name = room_name
        async with self._lock:
            await self._show_image(pattern)
        self._start_clock()
        return self.state()

    async def show_slate(self, room_name: str | None = None) -> DisplayStatus:
        """Show "Phòng họp sẵn sàng", the room name and the time."""
        return await self.show_pattern(PatternKind.SLATE, room_name=room_name)

    async def play_url(self, url: str) -> DisplayStatus:
        """Play a stream or file URL (or an absolute file path) full screen."""
        source, is_path = check_source(url, self.device_id)
        await self._stop_clock()
        async with self._lock:
            await self._ensure_open()
            await self._play(ContentKind.URL, source, is_path=is_path, operation="play_url")
        return self.state()

    def state(self) -> DisplayStatus:
        """What the display does now (as last reported by VLC)."""
        engine, playback = self._engine, self._playback
        if engine is not None:
            screen = not engine.headless
        else:
            screen = bool(self._xdisplay_spec or os.environ.get("DISPLAY"))
        return DisplayStatus(
            device_id=self.device_id,
            state=playback.state,
            content=playback.content,
            source=playback.source,
            output=self._output.describe() if self._output else None,
            screen=screen,
            error=playback.error,
            video_size=playback.video_size,
        )

    async def probe(self) -> DisplayStatus:
        """Ask the X server whether our window is still there; marks the loss as an error."""
        window, engine, playback = self._window, self._engine, self._playback
        if window is not None and not await self._alive(window):
            playback.fail("display output lost (X server gone or window unmapped)")
        elif engine is not None and playback.playing and playback.video_size is None:
            # A live stream may tell its size only after the first frames.
            playback.video_size = await asyncio.to_thread(engine.video_size)
        return self.state()

    async def stop(self) -> None:
        """Stop and release the player, the VLC instance and the window."""
        await self._stop_clock()
        async with self._lock:
            await self._teardown()
            self._pattern = None
            self._playback.reset()

    async def close(self) -> None:
        """Same as :meth:`stop` (service shutdown)."""
        await self.stop()

    async def __aenter__(self) -> VlcDisplay:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- opening and closing --------------------------------------------------------

    async def _ensure_open(self) -> None:
        if self._engine is not None:
            if self._window is None or await self._alive(self._window):
                return
            lost = self._xdisplay
            await self._teardown()
            raise DeviceUnavailableError(
                self.device_id, f"display output lost (X display {lost})", operation="show"
            )
        xdisplay = self._xdisplay_spec or os.environ.get("DISPLAY") or None
        if xdisplay is None and not self._headless_fallback:
            raise DeviceUnavailableError(
                self.device_id, "no X display ($DISPLAY unset)", operation="open"
            )
        window = await self._open_window(xdisplay) if xdisplay is not None else None
        if window is None:
            log.warning("%s: no X display; VLC runs headless, nothing is visible", self.device_id)
        engine = VlcEngine(
            self.device_id,
            on_event=sink_into(asyncio.get_running_loop(), self._playback.on_event),
            xid=window.window_id if window else None,
            audio=self._audio,
        )
        self._engine, self._window, self._xdisplay = engine, window, xdisplay
        try:
            await in_thread(self.device_id, self.x_timeout_s, "open", engine.open)
        except BaseException:
            await self._teardown()
            raise
        self._workdir = Path(tempfile.mkdtemp(prefix="appliance-display-"))
        where = self._output.describe() if self._output else "no screen"
        log.info("%s: open on %s", self.device_id, where)

    async def _open_window(self, xdisplay: str) -> FullscreenWindow:
        outputs = await in_thread(
            self.device_id,
            self.x_timeout_s,
            "open",
            list_outputs,
            xdisplay,
            device_id=self.device_id,
        )
        output = select_output(
            outputs, self._output_spec, default_screen=screen_of(xdisplay), device_id=self.device_id
        )
        DISPLAY_VARIABLE.acquire(xdisplay, self.device_id)
        window = FullscreenWindow(xdisplay, output, device_id=self.device_id)
        try:
            # open_in_thread: a timeout or cancel lets the thread finish mapping the
            # full-screen window; its result is then closed instead of left over the output.
            async with asyncio.timeout(self.x_timeout_s):
                await open_in_thread(window.open, lambda _window_id: window.close())
        except TimeoutError:
            DISPLAY_VARIABLE.release(xdisplay)
            raise DeviceTimeoutError(
                self.device_id,
                f"open took longer than {self.x_timeout_s:g} s",
                operation="open",
            ) from None
        except BaseException:
            DISPLAY_VARIABLE.release(xdisplay)
            raise
        self._output = output
        return window

    async def _teardown(self) -> None:
        self._playback.detach()
        engine, window, xdisplay = self._engine, self._window, self._xdisplay
        self._engine = self._window = None
        self._xdisplay = self._output = None
        if engine is not None:
            try:
                await in_thread(self.device_id, self.stop_timeout_s, "stop", engine.close)
            except DeviceError as exc:
                log.error("%s: releasing VLC: %s", self.device_id, exc)
        if window is not None:
            try:
                await in_thread(self.device_id, self.x_timeout_s, "stop", window.close)
            except DeviceError as exc:
                log.error("%s: closing the window: %s", self.device_id, exc)
            if xdisplay is not None:
                DISPLAY_VARIABLE.release(xdisplay)
        if self._workdir is not None:
            await asyncio.to_thread(shutil.rmtree, self._workdir, ignore_errors=True)
            self._workdir = None

    # --- playing ---------------------------------------------------------------------

    async def _show_image(self, pattern: PatternKind) -> None:
        await self._ensure_open()
        assert self._workdir is not None  # noqa: S101 - set by _ensure_open
        geometry = self._output.geometry if self._output else None
        width, height = (geometry.width, geometry.height) if geometry else HEADLESS_SIZE
        self._render_seq += 1
        path = self._workdir / f"{pattern.value}-{self._render_seq}.png"
        await in_thread(
            self.device_id, self.x_timeout_s, "render", self._renderer,
            path, pattern, width, height, self.room_name, self._clock(), lang=self.lang,
        )  # fmt: skip
        previous = self._playback.source if self._playback.still else None
        content = ContentKind.SLATE if pattern is PatternKind.SLATE else ContentKind.PATTERN
        self._pattern = pattern
        await self._play(content, str(path), is_path=True, operation=f"show_{content.value}")
        if previous and previous != str(path):
            await asyncio.to_thread(unlink_quietly, Path(previous))

    async def _play(
        self, content: ContentKind, source: str, *, is_path: bool, operation: str
    ) -> None:
        """Hand ``source`` to VLC and wait for a picture, a failure or the time limit."""
        engine, playback = self._engine, self._playback
        assert engine is not None  # noqa: S101 - callers open first
        playback.request(content, source)
        try:
            await in_thread(
                self.device_id, self.open_timeout_s, operation, engine.play, source, is_path=is_path
            )
        except DeviceError as exc:
            playback.fail(exc.detail)
            raise
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.open_timeout_s
        while (remaining := deadline - loop.time()) > 0:
            if playback.failure is not None:
                raise CommandRejectedError(
                    self.device_id,
                    f"VLC could not play {source}: {playback.failure}{_hint(source)}",
                    operation=operation,
                )
            # The Vout event may not come when VLC reuses the previous media's vout.
            if playback.playing and (playback.vout or await asyncio.to_thread(engine.has_vout)):
                playback.video_size = await asyncio.to_thread(engine.video_size)
                return
            playback.changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, _POLL_S)):
                    await playback.changed.wait()
        playback.detach()
        with contextlib.suppress(DeviceError):
            await in_thread(self.device_id, self.stop_timeout_s, operation, engine.stop)
        message = f"no picture from {source} within {self.open_timeout_s:g} s"
        playback.fail(message)
        raise DeviceTimeoutError(self.device_id, message, operation=operation)

    # --- clock refresh ---------------------------------------------------------------

    def _start_clock(self) -> None:
        if self.clock_refresh_s is None or self.clock_refresh_s <= 0:
            return
        if self._clock_task is None or self._clock_task.done():
            self._clock_task = asyncio.create_task(
                self._clock_loop(self.clock_refresh_s), name=f"display-clock:{self.device_id}"
            )

    async def _stop_clock(self) -> None:
        task, self._clock_task = self._clock_task, None
        # Not from the clock task itself (a failed redraw may close the display): it ends
        # on its own once it sees it no longer owns the clock (_clock_loop).
        if task is not None and task is not asyncio.current_task():
            # Bounded, re-cancels, and never swallows a cancel of our caller, which
            # `cancel(); suppress(CancelledError): await` did (drivers/supervision.py).
            await cancel_and_wait(task, what=f"{self.device_id}: clock refresh")

    async def _clock_loop(self, period_s: float) -> None:
        """Redraw the pattern/slate at each boundary (each minute when the period is 60 s).

        A failed redraw is logged (first loud, repeats quiet) and tried again next time;
        that also reopens the display when a lost output has come back.
        """
        failures = 0
        while True:
            await asyncio.sleep(period_s - (self._clock().timestamp() % period_s))
            async with self._lock:
                # Also leave when no longer the display's clock task, even if a cancel()
                # got lost on the way (belt and braces for _stop_clock).
                owned = self._clock_task is asyncio.current_task()
                if not owned or not self._playback.still or self._pattern is None:
                    return
                try:
                    await self._show_image(self._pattern)
                    failures = 0
                except DeviceError as exc:
                    failures += 1
                    level = logging.WARNING if failures == 1 else logging.DEBUG
                    log.log(level, "%s: clock refresh failed: %s", self.device_id, exc)

    # --- helpers ---------------------------------------------------------------------

    async def _alive(self, window: FullscreenWindow) -> bool:
        try:
            return await in_thread(self.device_id, self.x_timeout_s, "probe", window.alive)
        except DeviceTimeoutError:
            return False

    def _notify(self) -> None:
        if self._on_change is not None:
            self._on_change(self.state())


def _hint(source: str) -> str:
    if source.lower().startswith("rtsp://"):
        # Observed: Debian builds VLC without live555, so libvlc has no RTSP client
        # (PLATFORM.md Media 3b); a camera must be played over HTTP (MJPEG/TS) or UDP.
        return " (this VLC may lack RTSP support: Debian builds it without live555)"
    return ""
