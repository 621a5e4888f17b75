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
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Final, ParamSpec, Protocol, TypeVar

from drivers.display.pattern import PatternKind, pattern_kind, write_pattern_png
from drivers.display.status import ContentKind, DisplayStatus, PlayerState
from drivers.display.vlc_player import EngineEvent, VlcEngine
from drivers.display.xwindow import (
    FullscreenWindow,
    Output,
    list_outputs,
    screen_of,
    select_output,
    server_of,
)
from drivers.errors import (
    CommandRejectedError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
)

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S: Final = 5.0  # play → picture; an RTSP camera needs 0.2–1.3 s (PLATFORM.md Media 3b)
X_TIMEOUT_S: Final = 3.0  # connect to X, list outputs, create the window
STOP_TIMEOUT_S: Final = 5.0  # libvlc stop joins its input thread
CLOCK_REFRESH_S: Final = 60.0  # redraw the clock on the pattern/slate at each minute
HEADLESS_SIZE: Final = (1920, 1080)
_POLL_S: Final = 0.05

_P = ParamSpec("_P")
_T = TypeVar("_T")


class Renderer(Protocol):
    """Writes a pattern PNG; :func:`~drivers.display.pattern.write_pattern_png` is one."""

    def __call__(
        self, path: Path, kind: PatternKind | str, width: int, height: int,
        room_name: str, now: datetime, *, lang: str | None = None,
    ) -> Path: ...  # fmt: skip


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
        self._state = PlayerState.IDLE
        self._content = ContentKind.NONE
        self._pattern: PatternKind | None = None
        self._source: str | None = None
        self._error: str | None = None
        self._accepting = False
        self._playing = False
        self._vout = False
        self._failure: str | None = None
        self._video_size: tuple[int, int] | None = None
        self._changed = asyncio.Event()

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
        self, kind: PatternKind | str = PatternKind.BARS, *, room_name: str | None = None
    ) -> DisplayStatus:
        """Show the colour bars (or ``kind="slate"``) with the room name and the time."""
        pattern = pattern_kind(kind, device_id=self.device_id)
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
        source, is_path = self._check_source(url)
        await self._stop_clock()
        async with self._lock:
            await self._ensure_open()
            await self._play(ContentKind.URL, source, is_path=is_path, operation="play_url")
        return self.state()

    def state(self) -> DisplayStatus:
        """What the display does now (as last reported by VLC)."""
        engine = self._engine
        if engine is not None:
            screen = not engine.headless
        else:
            screen = bool(self._xdisplay_spec or os.environ.get("DISPLAY"))
        return DisplayStatus(
            device_id=self.device_id,
            state=self._state,
            content=self._content,
            source=self._source,
            output=self._output.describe() if self._output else None,
            screen=screen,
            error=self._error,
            video_size=self._video_size,
        )

    async def probe(self) -> DisplayStatus:
        """Ask the X server whether our window is still there; marks the loss as an error."""
        window = self._window
        if window is not None and not await self._alive(window):
            self._fail("display output lost (X server gone or window unmapped)")
        return self.state()

    async def stop(self) -> None:
        """Stop and release the player, the VLC instance and the window."""
        await self._stop_clock()
        async with self._lock:
            await self._teardown()
            self._set(PlayerState.IDLE, ContentKind.NONE, None, None)

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
        loop = asyncio.get_running_loop()
        xdisplay = self._xdisplay_spec or os.environ.get("DISPLAY") or None
        window: FullscreenWindow | None = None
        if xdisplay is None and not self._headless_fallback:
            raise DeviceUnavailableError(
                self.device_id, "no X display ($DISPLAY unset)", operation="open"
            )
        if xdisplay is not None:
            outputs = await self._in_thread(
                self.x_timeout_s, "open", list_outputs, xdisplay, device_id=self.device_id
            )
            output = select_output(
                outputs,
                self._output_spec,
                default_screen=screen_of(xdisplay),
                device_id=self.device_id,
            )
            _DISPLAY_VAR.acquire(xdisplay, self.device_id)
            window = FullscreenWindow(xdisplay, output, device_id=self.device_id)
            try:
                await self._in_thread(self.x_timeout_s, "open", window.open)
            except BaseException:
                _DISPLAY_VAR.release(xdisplay)
                raise
            self._output = output
        else:
            log.warning(
                "%s: no X display; VLC runs headless (--vout=dummy), nothing is visible",
                self.device_id,
            )
        engine = VlcEngine(
            self.device_id,
            on_event=_sink_into(loop, self._on_event),
            xid=window.window_id if window else None,
            audio=self._audio,
        )
        self._engine, self._window, self._xdisplay = engine, window, xdisplay
        try:
            await self._in_thread(self.x_timeout_s, "open", engine.open)
        except BaseException:
            await self._teardown()
            raise
        self._workdir = Path(tempfile.mkdtemp(prefix="appliance-display-"))
        log.info(
            "%s: open on %s",
            self.device_id,
            self._output.describe() if self._output else "no screen",
        )

    async def _teardown(self) -> None:
        self._accepting = False
        self._playing = False
        self._video_size = None
        engine, window, xdisplay = self._engine, self._window, self._xdisplay
        self._engine = self._window = None
        self._xdisplay = None
        self._output = None
        if engine is not None:
            try:
                await self._in_thread(self.stop_timeout_s, "stop", engine.close)
            except DeviceError as exc:
                log.error("%s: releasing VLC: %s", self.device_id, exc)
        if window is not None:
            try:
                await self._in_thread(self.x_timeout_s, "stop", window.close)
            except DeviceError as exc:
                log.error("%s: closing the window: %s", self.device_id, exc)
            if xdisplay is not None:
                _DISPLAY_VAR.release(xdisplay)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    # --- playing ---------------------------------------------------------------------

    async def _show_image(self, pattern: PatternKind) -> None:
        await self._ensure_open()
        assert self._workdir is not None  # noqa: S101 - set by _ensure_open
        width, height = (
            (self._output.geometry.width, self._output.geometry.height)
            if self._output
            else HEADLESS_SIZE
        )
        self._render_seq += 1
        path = self._workdir / f"{pattern.value}-{self._render_seq}.png"
        await self._in_thread(
            self.x_timeout_s, "render", self._renderer,
            path, pattern, width, height, self.room_name, self._clock(), lang=self.lang,
        )  # fmt: skip
        previous = (
            self._source if self._content in (ContentKind.PATTERN, ContentKind.SLATE) else None
        )
        content = ContentKind.SLATE if pattern is PatternKind.SLATE else ContentKind.PATTERN
        self._pattern = pattern
        await self._play(content, str(path), is_path=True, operation=f"show_{content.value}")
        if previous and previous != str(path):
            await asyncio.to_thread(_unlink_quietly, Path(previous))

    async def _play(
        self, content: ContentKind, source: str, *, is_path: bool, operation: str
    ) -> None:
        engine = self._engine
        assert engine is not None  # noqa: S101 - callers open first
        self._accepting = False
        self._video_size = None
        self._set(PlayerState.OPENING, content, source, None)
        try:
            await self._in_thread(
                self.open_timeout_s, operation, engine.play, source, is_path=is_path
            )
        except DeviceError as exc:
            self._fail(exc.detail)
            raise
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.open_timeout_s
        while True:
            if self._failure is not None:
                raise CommandRejectedError(
                    self.device_id,
                    f"VLC could not play {source}: {self._failure}",
                    operation=operation,
                )
            if self._playing and (self._vout or await asyncio.to_thread(engine.has_vout)):
                self._video_size = await asyncio.to_thread(engine.video_size)
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, _POLL_S))
        self._accepting = False
        with contextlib.suppress(DeviceError):
            await self._in_thread(self.stop_timeout_s, operation, engine.stop)
        message = f"no picture from {source} within {self.open_timeout_s:g} s"
        self._fail(message)
        raise DeviceTimeoutError(self.device_id, message, operation=operation)

    def _on_event(self, kind: EngineEvent, value: int) -> None:
        """VLC's events, delivered on the event loop in the order VLC sent them."""
        if kind is EngineEvent.BEGIN:
            self._accepting, self._playing, self._vout, self._failure = True, False, False, None
            return
        if not self._accepting or self._state is PlayerState.ERROR:
            return
        if kind is EngineEvent.OPENING:
            self._set_state(PlayerState.OPENING)
        elif kind is EngineEvent.PLAYING:
            self._playing = True
            self._set_state(PlayerState.PLAYING)
        elif kind is EngineEvent.VOUT:
            self._vout = value > 0
        elif kind is EngineEvent.ERROR:
            self._fail("VLC could not open or decode it")
        elif kind is EngineEvent.ENDED:
            if self._content in (ContentKind.PATTERN, ContentKind.SLATE) or not self._vout:
                # A still image never ends with --image-duration=-1: ending means unreadable.
                self._fail("it ended before showing a picture (broken or unreadable media)")
            else:
                self._set_state(PlayerState.ENDED)
        elif kind is EngineEvent.STOPPED:
            # VLC also sends Stopped right after EndReached; "ended" is the news then.
            if self._state is PlayerState.OPENING:
                self._fail("VLC stopped before playing it")
            elif self._state is PlayerState.PLAYING:
                self._set_state(PlayerState.IDLE)
        self._changed.set()

    # --- clock refresh ---------------------------------------------------------------

    def _start_clock(self) -> None:
        if self.clock_refresh_s is None or self.clock_refresh_s <= 0:
            return
        if self._clock_task is None or self._clock_task.done():
            self._clock_task = asyncio.create_task(
                self._clock_loop(), name=f"display-clock:{self.device_id}"
            )

    async def _stop_clock(self) -> None:
        task, self._clock_task = self._clock_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _clock_loop(self) -> None:
        period = self.clock_refresh_s or CLOCK_REFRESH_S
        failures = 0
        while True:
            # Sleep to the next boundary (the next minute when period is 60 s).
            await asyncio.sleep(period - (self._clock().timestamp() % period))
            async with self._lock:
                if (
                    self._content not in (ContentKind.PATTERN, ContentKind.SLATE)
                    or self._pattern is None
                ):
                    return
                try:
                    await self._show_image(self._pattern)
                    failures = 0
                except DeviceError as exc:
                    failures += 1
                    level = logging.WARNING if failures == 1 else logging.DEBUG
                    log.log(level, "%s: clock refresh failed: %s", self.device_id, exc)

    # --- helpers ---------------------------------------------------------------------

    def _check_source(self, url: str) -> tuple[str, bool]:
        source = url.strip() if isinstance(url, str) else ""
        if not source or any(ord(c) < 32 for c in source):
            raise CommandRejectedError(
                self.device_id, f"not a URL or file path: {url!r}", operation="play_url"
            )
        if "://" in source:
            scheme = source.split("://", 1)[0]
            if not scheme.isascii() or not scheme.replace("+", "").replace("-", "").isalnum():
                raise CommandRejectedError(
                    self.device_id, f"malformed URL: {url!r}", operation="play_url"
                )
            return source, False
        path = Path(source)
        if not path.is_absolute():
            raise CommandRejectedError(
                self.device_id,
                f"a file must be given by its absolute path: {url!r}",
                operation="play_url",
            )
        if not path.is_file():
            raise CommandRejectedError(
                self.device_id, f"no such file: {source}", operation="play_url"
            )
        return str(path), True

    async def _alive(self, window: FullscreenWindow) -> bool:
        try:
            return await self._in_thread(self.x_timeout_s, "probe", window.alive)
        except DeviceTimeoutError:
            return False

    async def _in_thread(
        self,
        timeout_s: float,
        operation: str,
        fn: Callable[_P, _T],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        try:
            return await asyncio.wait_for(asyncio.to_thread(fn, *args, **kwargs), timeout_s)
        except TimeoutError:
            raise DeviceTimeoutError(
                self.device_id, f"{operation} took longer than {timeout_s:g} s", operation=operation
            ) from None

    def _fail(self, message: str) -> None:
        self._failure = self._failure or message
        self._error = message
        self._set_state(PlayerState.ERROR)
        self._changed.set()

    def _set(
        self, state: PlayerState, content: ContentKind, source: str | None, error: str | None
    ) -> None:
        self._content, self._source, self._error = content, source, error
        if content is ContentKind.NONE:
            self._pattern = None
        self._set_state(state, force=True)

    def _set_state(self, state: PlayerState, *, force: bool = False) -> None:
        if state is self._state and not force:
            return
        self._state = state
        if self._on_change is not None:
            try:
                self._on_change(self.state())
            except Exception:
                log.exception("%s: on_change callback failed", self.device_id)


def _sink_into(
    loop: asyncio.AbstractEventLoop, handler: Callable[[EngineEvent, int], None]
) -> Callable[[EngineEvent, int], None]:
    """A thread-safe event sink that hands VLC's events to ``handler`` on ``loop``."""

    def sink(kind: EngineEvent, value: int) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening
            loop.call_soon_threadsafe(handler, kind, value)

    return sink


class _DisplayVariable:
    """``$DISPLAY`` for libvlc's window embedding: one X server per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, int] = {}
        self._saved: str | None = None
        self._changed = False

    def acquire(self, xdisplay: str, device_id: str) -> None:
        server = server_of(xdisplay)
        with self._lock:
            others = sorted(s for s in self._users if s != server)
            if others:
                raise DeviceUnavailableError(
                    device_id,
                    f"X server {others[0]} is already in use by another display of this process; "
                    "libvlc embeds through $DISPLAY, so one process drives one X server",
                    operation="open",
                )
            current = os.environ.get("DISPLAY")
            if current is None or _server_or_none(current) != server:
                if not self._users:
                    self._saved, self._changed = current, True
                os.environ["DISPLAY"] = xdisplay
            self._users[server] = self._users.get(server, 0) + 1

    def release(self, xdisplay: str) -> None:
        server = server_of(xdisplay)
        with self._lock:
            count = self._users.get(server, 0) - 1
            if count > 0:
                self._users[server] = count
                return
            self._users.pop(server, None)
            if not self._users and self._changed:
                if self._saved is None:
                    os.environ.pop("DISPLAY", None)
                else:
                    os.environ["DISPLAY"] = self._saved
                self._saved, self._changed = None, False


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _server_or_none(xdisplay: str) -> str | None:
    try:
        return server_of(xdisplay)
    except ValueError:
        return None


_DISPLAY_VAR: Final = _DisplayVariable()
