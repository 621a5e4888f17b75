"""Helpers of ``display.py``: the renderer type, media source checks, ``$DISPLAY``, threads."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Final, ParamSpec, Protocol, TypeVar

from drivers.display.pattern import PatternKind
from drivers.display.vlc_player import EngineEvent
from drivers.display.xwindow import server_of
from drivers.errors import CommandRejectedError, DeviceTimeoutError, DeviceUnavailableError

_P = ParamSpec("_P")
_T = TypeVar("_T")


class Renderer(Protocol):
    """Writes a pattern PNG; :func:`~drivers.display.pattern.write_pattern_png` is one."""

    def __call__(
        self, path: Path, kind: PatternKind | str, width: int, height: int,
        room_name: str, now: datetime, *, lang: str | None = None,
    ) -> Path: ...  # fmt: skip


def check_source(url: str, device_id: str) -> tuple[str, bool]:
    """``(source, is_path)`` for VLC, or a :class:`CommandRejectedError` saying what is wrong.

    A URL (``scheme://…``) goes to VLC as it is: only VLC knows whether it can open it.
    A file must be an absolute path to an existing file (checked here: a clearer error
    than VLC's, and at once).
    """
    source = url.strip() if isinstance(url, str) else ""
    if not source or any(ord(c) < 32 for c in source):
        raise CommandRejectedError(
            device_id, f"not a URL or file path: {url!r}", operation="play_url"
        )
    if "://" in source:
        scheme = source.split("://", 1)[0]
        if not scheme.isascii() or not scheme.replace("+", "").replace("-", "").isalnum():
            raise CommandRejectedError(device_id, f"malformed URL: {url!r}", operation="play_url")
        return source, False
    path = Path(source)
    if not path.is_absolute():
        raise CommandRejectedError(
            device_id, f"a file must be given by its absolute path: {url!r}", operation="play_url"
        )
    if not path.is_file():
        raise CommandRejectedError(device_id, f"no such file: {source}", operation="play_url")
    return str(path), True


async def in_thread(
    device_id: str,
    timeout_s: float,
    operation: str,
    fn: Callable[_P, _T],
    /,
    *args: _P.args,
    **kwargs: _P.kwargs,
) -> _T:
    """Run a blocking call (libvlc, Xlib, rendering) in a thread, with a time limit.

    On timeout the thread cannot be stopped; it finishes on its own (libvlc calls are
    serialised in ``VlcEngine``, so a late one cannot overlap the next).
    """
    # asyncio.timeout, not wait_for: in 3.11 wait_for can swallow a cancel() that
    # arrives as the thread finishes (fixed in 3.12), which kept a cancelled task alive.
    try:
        async with asyncio.timeout(timeout_s):
            return await asyncio.to_thread(fn, *args, **kwargs)
    except TimeoutError:
        raise DeviceTimeoutError(
            device_id, f"{operation} took longer than {timeout_s:g} s", operation=operation
        ) from None


def sink_into(
    loop: asyncio.AbstractEventLoop, handler: Callable[[EngineEvent, int], None]
) -> Callable[[EngineEvent, int], None]:
    """A thread-safe event sink that hands VLC's events to ``handler`` on ``loop``, in order."""

    def sink(kind: EngineEvent, value: int) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening
            loop.call_soon_threadsafe(handler, kind, value)

    return sink


def unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


class DisplayVariable:
    """``$DISPLAY`` for libvlc's window embedding: one X server per process.

    VLC's embed-xid window connects through ``$DISPLAY`` and ignores ``--x11-display``
    (observed: it opened its own top-level window instead). The first display that opens
    sets the variable to its X server; the last one to close restores the old value.
    """

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


def _server_or_none(xdisplay: str) -> str | None:
    try:
        return server_of(xdisplay)
    except ValueError:
        return None


DISPLAY_VARIABLE: Final = DisplayVariable()
