"""What a display reports: player state, what it shows, where, and why it failed."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from drivers.display import texts


class PlayerState(enum.StrEnum):
    """The player's state as VLC reports it (``error`` also when we gave up waiting)."""

    IDLE = "idle"
    OPENING = "opening"
    PLAYING = "playing"
    ERROR = "error"
    ENDED = "ended"


class ContentKind(enum.StrEnum):
    """What the display was asked to show."""

    NONE = "none"
    PATTERN = "pattern"
    SLATE = "slate"
    URL = "url"


@dataclass(frozen=True)
class DisplayStatus:
    """A snapshot of one display.

    ``screen`` is False when there is no X display and VLC runs headless
    (``--vout=dummy``): the player works, but nobody can see anything.
    """

    device_id: str
    state: PlayerState
    content: ContentKind
    source: str | None  # the URL, or the PNG file of the pattern/slate
    output: str | None  # e.g. "HDMI-2 1920x1080+1920+0 (screen 0)"; None when headless
    screen: bool
    error: str | None = None
    video_size: tuple[int, int] | None = None

    def summary(self, lang: str | None = None) -> str:
        """One line for a technician, Vietnamese unless ``lang`` is ``en``."""
        parts = [
            texts.text(f"display.state.{self.state.value}", lang),
            texts.text(f"display.content.{self.content.value}", lang),
        ]
        if self.content is ContentKind.URL and self.source:
            parts.append(self.source)
        parts.append(
            self.output if self.screen and self.output else texts.text("display.screen.none", lang)
        )
        if self.error:
            parts.append(self.error)
        return " · ".join(parts)

    def as_dict(self) -> dict[str, str | bool | int | None]:
        """Flat JSON-able form (for device status details and check evidence)."""
        width, height = self.video_size if self.video_size else (None, None)
        return {
            "state": self.state.value,
            "content": self.content.value,
            "source": self.source,
            "output": self.output,
            "screen": self.screen,
            "error": self.error,
            "video_width": width,
            "video_height": height,
        }
