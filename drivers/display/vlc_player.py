"""libvlc at the edge: one VLC instance and player, events out as a typed enum.

The only module that imports python-vlc (untyped). Every method blocks (libvlc joins
its input thread on stop/set_media); async callers run them in a thread. Events arrive
on VLC's own threads and go to the ``on_event`` sink, which must only hand them over
(e.g. ``loop.call_soon_threadsafe``) — libvlc forbids calling libvlc from a callback.

Choices, each from something observed on this platform:

- ``--no-xlib``: with the default OpenGL vout (Xlib underneath), killing the X server
  made libX11 print "XIO: fatal IO error" and ``exit(1)`` the whole process. With
  ``--no-xlib`` VLC picks the pure-XCB ``xcb_x11`` vout, which survives (tested).
  ``--vout=…`` cannot choose it: ``set_xwindow`` resets the player's vout to "any".
- Embedding into our window needs ``set_xwindow`` *and* ``$DISPLAY`` naming the X server
  (VLC's embed-xid window ignores ``--x11-display``; it opened its own top-level window
  instead). The caller sets ``$DISPLAY``; see ``display.py``.
- ``--image-duration=-1`` keeps a PNG on screen; replacing the media on a running player
  reuses the vout, so a clock refresh does not flash black (``stop()`` would).
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, Final, cast

from drivers.errors import CommandRejectedError, DeviceUnavailableError

log = logging.getLogger(__name__)

VLC_PACKAGES: Final = "libvlc5 vlc-plugin-base vlc-plugin-video-output"

BASE_ARGS: Final[tuple[str, ...]] = (
    "--quiet",
    "--image-duration=-1",  # a still image stays until replaced
    "--no-video-title-show",
    "--no-osd",
    "--avcodec-hw=none",  # no VDAPU/VA probing (PLATFORM.md Media 2a: harmless stderr)
    "--no-xlib",  # see the module docstring: survive the X server going away
    "--no-keyboard-events",  # the room display takes no input
    "--no-mouse-events",
    "--no-snapshot-preview",
)
HEADLESS_ARGS: Final[tuple[str, ...]] = ("--vout=dummy",)  # PLATFORM.md Media 2b
NO_AUDIO_ARGS: Final[tuple[str, ...]] = ("--no-audio",)


class EngineEvent(enum.StrEnum):
    """What the player reports; ``BEGIN`` marks where a new media's events start."""

    BEGIN = "begin"
    OPENING = "opening"
    PLAYING = "playing"
    VOUT = "vout"  # value: number of video outputs
    ERROR = "error"
    ENDED = "ended"
    STOPPED = "stopped"


EventSink = Callable[[EngineEvent, int], None]

_VLC_EVENTS: Final[dict[str, EngineEvent]] = {
    "MediaPlayerOpening": EngineEvent.OPENING,
    "MediaPlayerPlaying": EngineEvent.PLAYING,
    "MediaPlayerVout": EngineEvent.VOUT,
    "MediaPlayerEncounteredError": EngineEvent.ERROR,
    "MediaPlayerEndReached": EngineEvent.ENDED,
    "MediaPlayerStopped": EngineEvent.STOPPED,
}


def load_vlc(device_id: str = "display") -> ModuleType:
    """Import python-vlc; a missing libvlc is a :class:`DeviceUnavailableError`."""
    try:
        import vlc
    except (ImportError, OSError, NotImplementedError) as exc:
        raise DeviceUnavailableError(
            device_id,
            f"libvlc cannot be loaded ({exc}); install the Debian packages {VLC_PACKAGES}",
            operation="open",
        ) from exc
    return cast(ModuleType, vlc)


class VlcEngine:
    """One libvlc instance and media player, drawing into ``xid`` or headless."""

    def __init__(
        self,
        device_id: str,
        *,
        on_event: EventSink,
        xid: int | None = None,
        audio: bool = False,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.device_id = device_id
        self.xid = xid
        self._sink = on_event
        args = list(BASE_ARGS)
        if xid is None:
            args += HEADLESS_ARGS
        if not audio:
            args += NO_AUDIO_ARGS
        args += extra_args
        self.args: tuple[str, ...] = tuple(args)
        self._vlc: ModuleType | None = None
        self._instance: Any = None
        self._player: Any = None
        self._attached: list[Any] = []
        # One libvlc call at a time: a close() must not release the player under a
        # play() still running in another thread (e.g. after its caller timed out).
        self._mutex = threading.Lock()

    @property
    def headless(self) -> bool:
        return self.xid is None

    @property
    def is_open(self) -> bool:
        return self._player is not None

    def open(self) -> None:
        """Create the instance and player, attach events, bind the X window."""
        with self._mutex:
            self._open()

    def _open(self) -> None:
        vlc = load_vlc(self.device_id)
        instance = vlc.Instance(list(self.args))
        if instance is None:
            raise DeviceUnavailableError(
                self.device_id,
                f"libvlc refused to start with {' '.join(self.args)}; "
                f"check the Debian packages {VLC_PACKAGES}",
                operation="open",
            )
        player = instance.media_player_new()
        if player is None:
            instance.release()
            raise DeviceUnavailableError(self.device_id, "libvlc gave no player", operation="open")
        manager = player.event_manager()
        for name, kind in _VLC_EVENTS.items():
            event_type = getattr(vlc.EventType, name)
            manager.event_attach(event_type, self._on_vlc_event, kind)
            self._attached.append(event_type)
        if self.xid is not None:
            player.set_xwindow(self.xid)
        self._vlc, self._instance, self._player = vlc, instance, player

    def play(self, source: str, *, is_path: bool) -> None:
        """Replace the media and play; events of the new media follow a ``BEGIN``."""
        with self._mutex:
            self._play(source, is_path=is_path)

    def _play(self, source: str, *, is_path: bool) -> None:
        player, instance = self._require()
        media = instance.media_new_path(source) if is_path else instance.media_new(source)
        if media is None:
            raise CommandRejectedError(
                self.device_id, f"VLC cannot make a media of {source!r}", operation="play"
            )
        try:
            player.set_media(media)
        finally:
            media.release()  # the player holds its own reference
        self._emit(EngineEvent.BEGIN, 0)
        if player.play() != 0:
            raise CommandRejectedError(
                self.device_id, f"VLC refused to play {source!r}", operation="play"
            )

    def stop(self) -> None:
        """Stop playing (blocks until VLC's input thread has ended)."""
        with self._mutex:
            if self._player is not None:
                self._player.stop()

    def has_vout(self) -> bool:
        with self._mutex:
            return self._player is not None and int(self._player.has_vout()) > 0

    def video_size(self) -> tuple[int, int] | None:
        with self._mutex:
            if self._player is None:
                return None
            size = self._player.video_get_size(0)
        if not size or int(size[0]) <= 0:
            return None
        return int(size[0]), int(size[1])

    def close(self) -> None:
        """Detach events, stop, release the player and the instance (idempotent)."""
        with self._mutex:
            self._close()

    def _close(self) -> None:
        player, instance = self._player, self._instance
        self._player = self._instance = None
        if player is not None:
            manager = player.event_manager()
            for event_type in self._attached:
                manager.event_detach(event_type)
            self._attached.clear()
            player.stop()
            player.release()
        if instance is not None:
            instance.release()

    def _require(self) -> tuple[Any, Any]:
        if self._player is None or self._instance is None:
            raise DeviceUnavailableError(self.device_id, "player is not open", operation="play")
        return self._player, self._instance

    def _on_vlc_event(self, event: Any, kind: EngineEvent) -> None:
        # Runs on a VLC thread: never raise into ctypes, never call libvlc.
        try:
            value = int(event.u.new_count) if kind is EngineEvent.VOUT else 0
            self._emit(kind, value)
        except Exception:  # a failing sink must not become an unraisable ctypes error
            log.exception("%s: handling VLC event %s", self.device_id, kind)

    def _emit(self, kind: EngineEvent, value: int) -> None:
        self._sink(kind, value)
