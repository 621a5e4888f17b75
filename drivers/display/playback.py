"""What the player was asked to show and how it is going, driven by VLC's events.

Pure state, no I/O: ``VlcDisplay`` feeds it the events (already moved onto the event
loop, in VLC's order) and waits on :attr:`Playback.changed`. Events that arrive before
the ``BEGIN`` of the current request belong to the previous media and are ignored.

What counts as failure (each observed with libvlc 3.0 here):
- ``EncounteredError`` (missing file, refused connection, unknown scheme);
- ``EndReached`` before any picture (a truncated PNG: "libpng error: not enough data");
  a still image never ends with ``--image-duration=-1``, so for the pattern/slate any
  end is a failure;
- ``Stopped`` while still opening.
VLC sends ``Stopped`` right after ``EndReached`` too; "ended" stays the news then.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from drivers.display.status import ContentKind, PlayerState
from drivers.display.vlc_player import EngineEvent

log = logging.getLogger(__name__)

_STILL = (ContentKind.PATTERN, ContentKind.SLATE)


class Playback:
    """The current request's state; ``notify`` is called on every state change."""

    def __init__(self, notify: Callable[[], None] | None = None) -> None:
        self.state = PlayerState.IDLE
        self.content = ContentKind.NONE
        self.source: str | None = None
        self.error: str | None = None
        self.failure: str | None = None  # why the current request failed, if it did
        self.playing = False
        self.vout = False
        self.video_size: tuple[int, int] | None = None
        self.changed = asyncio.Event()
        self._accepting = False
        self._notify = notify

    @property
    def still(self) -> bool:
        """True when showing our pattern or slate (a still image)."""
        return self.content in _STILL

    def request(self, content: ContentKind, source: str) -> None:
        """A new media is about to go to VLC."""
        self._accepting = False
        self.playing = self.vout = False
        self.failure = self.error = None
        self.video_size = None
        self.content, self.source = content, source
        self._set_state(PlayerState.OPENING, force=True)

    def detach(self) -> None:
        """The player is gone (stopped or released): ignore whatever it still sends."""
        self._accepting = False
        self.playing = False
        self.video_size = None

    def reset(self) -> None:
        """Nothing is shown."""
        self.detach()
        self.content, self.source, self.error, self.failure = ContentKind.NONE, None, None, None
        self._set_state(PlayerState.IDLE, force=True)

    def fail(self, message: str) -> None:
        self.failure = self.failure or message
        self.error = message
        self._set_state(PlayerState.ERROR)
        self.changed.set()

    def on_event(self, kind: EngineEvent, value: int) -> None:
        if kind is EngineEvent.BEGIN:
            self._accepting = True
            return
        if not self._accepting or self.state is PlayerState.ERROR:
            return
        if kind is EngineEvent.OPENING:
            self._set_state(PlayerState.OPENING)
        elif kind is EngineEvent.PLAYING:
            self.playing = True
            self._set_state(PlayerState.PLAYING)
        elif kind is EngineEvent.VOUT:
            self.vout = value > 0
        elif kind is EngineEvent.ERROR:
            self.fail("VLC could not open or decode it")
        elif kind is EngineEvent.ENDED:
            if self.still or not self.vout:
                self.fail("it ended before showing a picture (broken or unreadable media)")
            else:
                self._set_state(PlayerState.ENDED)
        elif kind is EngineEvent.STOPPED:
            if self.state is PlayerState.OPENING:
                self.fail("VLC stopped before playing it")
            elif self.state is PlayerState.PLAYING:
                self._set_state(PlayerState.IDLE)
        self.changed.set()

    def _set_state(self, state: PlayerState, *, force: bool = False) -> None:
        if state is self.state and not force:
            return
        self.state = state
        if self._notify is not None:
            try:
                self._notify()
            except Exception:
                log.exception("display state callback failed")
