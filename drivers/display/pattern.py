"""Test pattern and "room ready" slate, rendered by our code (numpy + Pillow).

Both images are pure functions of (kind, size, room name, time, language), so a
screenshot of the display can be compared with what was sent. Each kind publishes its
layout: *patches* (uniform colour areas with their exact RGB) and *text boxes* (where the
room name, the title and the clock are written). :func:`check_pattern` verifies a
screenshot against that layout — the readiness check and the tests use the same code.

The bars follow SMPTE ECR 1-1978 in spirit (75 % bars, reverse castellation, −I/white/+Q,
PLUGE at video black ±4 %, in 8-bit RGB), with a caption band below for the room name
and the clock. Vietnamese diacritics need a real TrueType font (cv2.putText is
ASCII-only), found at run time: DejaVu from Debian's ``fonts-dejavu-core``.
"""

from __future__ import annotations

import enum
import functools
import logging
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Final

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from drivers.display import texts
from drivers.errors import DeviceUnavailableError, NotSupportedError

log = logging.getLogger(__name__)

RGB = tuple[int, int, int]

FONT_PACKAGE: Final = "fonts-dejavu-core"
FONT_DIRS: Final[tuple[Path, ...]] = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
FONT_FILES: Final = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
FC_MATCH_TIMEOUT_S: Final = 2.0
PNG_COMPRESS_LEVEL: Final = 1  # a 1080p PNG in ~60 ms instead of ~400 ms; size does not matter

# Colours (8-bit RGB). 75 % bars = 191; "video black" 16 so PLUGE can go below it.
GREY75: Final[RGB] = (191, 191, 191)
YELLOW75: Final[RGB] = (191, 191, 0)
CYAN75: Final[RGB] = (0, 191, 191)
GREEN75: Final[RGB] = (0, 191, 0)
MAGENTA75: Final[RGB] = (191, 0, 191)
RED75: Final[RGB] = (191, 0, 0)
BLUE75: Final[RGB] = (0, 0, 191)
BLACK: Final[RGB] = (16, 16, 16)
WHITE: Final[RGB] = (255, 255, 255)
MINUS_I: Final[RGB] = (0, 33, 76)
PLUS_Q: Final[RGB] = (50, 0, 106)
PLUGE: Final[tuple[RGB, RGB, RGB]] = ((7, 7, 7), BLACK, (25, 25, 25))
SLATE_BG: Final[RGB] = (0, 56, 120)
SLATE_ACCENT: Final[RGB] = (0, 150, 70)
TEXT_RGB: Final[RGB] = WHITE

BARS: Final[tuple[RGB, ...]] = (GREY75, YELLOW75, CYAN75, GREEN75, MAGENTA75, RED75, BLUE75)
CASTELLATION: Final[tuple[RGB, ...]] = (BLUE75, BLACK, MAGENTA75, BLACK, CYAN75, BLACK, GREY75)

# Row boundaries of the bars, as fractions of the height.
_BARS_END: Final = 0.50
_CASTLE_END: Final = 0.58
_LOWER_END: Final = 0.75
# Part of a uniform area that a patch covers (centred), so scaling/blur at edges is ignored.
_PATCH_FRACTION: Final = 0.4
# A text box "has ink" when this share of its pixels differs clearly from the background.
INK_MIN_FRACTION: Final = 0.005
_INK_DELTA: Final = 64


class PatternKind(enum.StrEnum):
    """What to render."""

    BARS = "bars"
    SLATE = "slate"


def pattern_kind(value: str | PatternKind, *, device_id: str = "display") -> PatternKind:
    """Parse a pattern name; an unknown one is a :class:`NotSupportedError`."""
    try:
        return PatternKind(str(value).strip().lower())
    except ValueError:
        known = ", ".join(k.value for k in PatternKind)
        raise NotSupportedError(
            device_id, f"unknown pattern {value!r} (known: {known})", operation="show_pattern"
        ) from None


@dataclass(frozen=True)
class Box:
    """A pixel rectangle, ``x0``/``y0`` inclusive, ``x1``/``y1`` exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def centre_part(self, fraction: float = _PATCH_FRACTION) -> Box:
        """The centred sub-box covering ``fraction`` of the width and height (at least 1 px)."""
        w = max(1, round(self.width * fraction))
        h = max(1, round(self.height * fraction))
        x0 = self.x0 + (self.width - w) // 2
        y0 = self.y0 + (self.height - h) // 2
        return Box(x0, y0, x0 + w, y0 + h)

    def offset(self, dx: int, dy: int) -> Box:
        return Box(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)


@dataclass(frozen=True)
class Patch:
    """A uniform colour area of a pattern: ``box`` is its centre part."""

    name: str
    box: Box
    rgb: RGB


@dataclass(frozen=True)
class PatternLayout:
    """Where everything is on a pattern of one size."""

    kind: PatternKind
    width: int
    height: int
    patches: tuple[Patch, ...]
    text_boxes: dict[str, Box] = field(default_factory=dict)
    text_background: RGB = BLACK


@dataclass(frozen=True)
class PatchResult:
    """One patch as seen on a screenshot: the largest channel difference over its box."""

    name: str
    expected: RGB
    seen: RGB  # the mean colour over the box
    max_diff: int


@dataclass(frozen=True)
class PatternCheck:
    """Result of :func:`check_pattern`."""

    kind: PatternKind
    patches: tuple[PatchResult, ...]
    ink: dict[str, float]  # text box name -> share of pixels with text
    tolerance: int

    @property
    def mismatches(self) -> tuple[PatchResult, ...]:
        return tuple(p for p in self.patches if p.max_diff > self.tolerance)

    @property
    def empty_text_boxes(self) -> tuple[str, ...]:
        return tuple(name for name, share in self.ink.items() if share < INK_MIN_FRACTION)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.empty_text_boxes


def pattern_layout(kind: PatternKind | str, width: int, height: int) -> PatternLayout:
    """The layout of ``kind`` (a name or a :class:`PatternKind`; unknown →
    :class:`NotSupportedError`) at ``width`` × ``height``."""
    kind = pattern_kind(kind)  # a plain "bars" is not ``is PatternKind.BARS``
    if width < 64 or height < 48:
        raise ValueError(f"pattern size {width}x{height} is too small (minimum 64x48)")
    if kind is PatternKind.BARS:
        return _bars_layout(width, height)
    return _slate_layout(width, height)


def render_pattern(
    kind: PatternKind | str,
    width: int,
    height: int,
    room_name: str,
    now: datetime,
    *,
    lang: str | None = None,
) -> Image.Image:
    """Render ``kind`` as an RGB image of exactly ``width`` × ``height``."""
    kind = pattern_kind(kind)
    layout = pattern_layout(kind, width, height)
    pixels = np.empty((height, width, 3), np.uint8)
    if kind is PatternKind.BARS:
        _fill_bars(pixels, width, height)
    else:
        pixels[:, :] = SLATE_BG
        accent = round(0.06 * height)
        pixels[:accent, :] = SLATE_ACCENT
        pixels[height - accent :, :] = SLATE_ACCENT
    image = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(image)
    boxes = layout.text_boxes
    if "title" in boxes:
        _draw_text(draw, boxes["title"], texts.text("display.slate.title", lang), bold=True)
    _draw_text(draw, boxes["name"], room_name.strip() or "—", bold=True)
    _draw_text(draw, boxes["time"], format_clock(now, lang), bold=False)
    return image


def write_pattern_png(
    path: Path,
    kind: PatternKind | str,
    width: int,
    height: int,
    room_name: str,
    now: datetime,
    *,
    lang: str | None = None,
) -> Path:
    """Render and save as PNG (what VLC shows with ``--image-duration=-1``)."""
    image = render_pattern(kind, width, height, room_name, now, lang=lang)
    image.save(path, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return path


def format_clock(now: datetime, lang: str | None = None) -> str:
    """``14:05 · Thứ Bảy, 22/11/2026`` (day/month/year, the Vietnamese order)."""
    return f"{now:%H:%M} · {texts.weekday(now.weekday(), lang)}, {now:%d/%m/%Y}"


def check_pattern(
    image: Image.Image,
    kind: PatternKind | str,
    *,
    region: Box | None = None,
    tolerance: int = 0,
) -> PatternCheck:
    """Compare a screenshot (or the part ``region`` of it) with the layout of ``kind``.

    ``tolerance`` is the largest allowed per-channel difference: 0 for a PNG shown
    pixel for pixel; a few tens for decoded video (yuv420 rounding, PLATFORM.md Media 2a).
    """
    kind = pattern_kind(kind)
    rgb = np.asarray(image.convert("RGB"), dtype=np.int16)
    if region is None:
        region = Box(0, 0, rgb.shape[1], rgb.shape[0])
    layout = pattern_layout(kind, region.width, region.height)
    results: list[PatchResult] = []
    for patch in layout.patches:
        box = patch.box.offset(region.x0, region.y0)
        area = rgb[box.y0 : box.y1, box.x0 : box.x1].reshape(-1, 3)
        diff = int(np.abs(area - np.array(patch.rgb, np.int16)).max()) if area.size else 255
        mean = tuple(round(float(v)) for v in area.mean(axis=0)) if area.size else (0, 0, 0)
        results.append(PatchResult(patch.name, patch.rgb, (mean[0], mean[1], mean[2]), diff))
    ink: dict[str, float] = {}
    background = np.array(layout.text_background, np.int16)
    for name, text_box in layout.text_boxes.items():
        box = text_box.offset(region.x0, region.y0)
        area = rgb[box.y0 : box.y1, box.x0 : box.x1]
        marked = np.abs(area - background).max(axis=2) > _INK_DELTA if area.size else None
        ink[name] = float(marked.mean()) if marked is not None else 0.0
    return PatternCheck(kind, tuple(results), ink, tolerance)


@functools.cache
def find_font(
    bold: bool = False,
    *,
    search_dirs: Sequence[Path] = FONT_DIRS,
    use_fc_match: bool = True,
) -> Path:
    """Path of a TrueType font with Vietnamese glyphs (DejaVu Sans), found at run time."""
    name = FONT_FILES[bold]
    for directory in search_dirs:
        candidate = Path(directory) / name
        if candidate.is_file():
            return candidate
    if use_fc_match:
        found = _fc_match("DejaVu Sans:style=Bold" if bold else "DejaVu Sans")
        if found is not None and found.name == name:
            return found
    looked = ", ".join(str(d) for d in search_dirs)
    raise DeviceUnavailableError(
        "display",
        f"font {name} not found (looked in {looked}"
        + (" and with fc-match" if use_fc_match else "")
        + f"); install the Debian package {FONT_PACKAGE}",
        operation="render",
    )


# --- private helpers ---------------------------------------------------------------


def _cols(width: int, n: int) -> list[int]:
    return [round(i * width / n) for i in range(n + 1)]


def _rows(height: int, *fractions: float) -> list[int]:
    return [round(f * height) for f in fractions]


def _bars_geometry(width: int, height: int) -> list[tuple[str, Box, RGB]]:
    """Every uniform area of the bars: (name, full box, colour)."""
    x = _cols(width, 7)
    y_bars, y_castle, y_lower = _rows(height, _BARS_END, _CASTLE_END, _LOWER_END)
    names = ("grey", "yellow", "cyan", "green", "magenta", "red", "blue")
    areas: list[tuple[str, Box, RGB]] = []
    for i, (name, colour) in enumerate(zip(names, BARS, strict=True)):
        areas.append((f"bar.{name}", Box(x[i], 0, x[i + 1], y_bars), colour))
    for i, colour in enumerate(CASTELLATION):
        areas.append((f"castellation.{i}", Box(x[i], y_bars, x[i + 1], y_castle), colour))
    # Lower row: -I, white, +Q, black under 1.25 bars each; PLUGE thirds under bar 6.
    q = [round(i * 5 * width / 28) for i in range(5)]
    lower = (("minus_i", MINUS_I), ("white", WHITE), ("plus_q", PLUS_Q), ("black", BLACK))
    for i, (name, colour) in enumerate(lower):
        areas.append((f"lower.{name}", Box(q[i], y_castle, q[i + 1], y_lower), colour))
    p = [round(x[5] + i * (x[6] - x[5]) / 3) for i in range(4)]
    for i, name in enumerate(("pluge.below", "pluge.black", "pluge.above")):
        areas.append((name, Box(p[i], y_castle, p[i + 1], y_lower), PLUGE[i]))
    areas.append(("lower.black_right", Box(x[6], y_castle, width, y_lower), BLACK))
    return areas


def _fill_bars(pixels: np.ndarray, width: int, height: int) -> None:
    for _, box, colour in _bars_geometry(width, height):
        pixels[box.y0 : box.y1, box.x0 : box.x1] = colour
    y_lower = round(_LOWER_END * height)
    pixels[y_lower:, :] = BLACK  # caption band


def _bars_layout(width: int, height: int) -> PatternLayout:
    patches = tuple(Patch(n, b.centre_part(), c) for n, b, c in _bars_geometry(width, height))
    margin = round(0.04 * width)
    name_box = Box(margin, round(0.77 * height), width - margin, round(0.88 * height))
    time_box = Box(margin, round(0.89 * height), width - margin, round(0.97 * height))
    return PatternLayout(
        PatternKind.BARS, width, height, patches, {"name": name_box, "time": time_box}, BLACK
    )


def _slate_layout(width: int, height: int) -> PatternLayout:
    accent = round(0.06 * height)
    margin = round(0.05 * width)
    corner_w, corner_h = round(0.04 * width), round(0.06 * height)
    top, bottom = accent + round(0.02 * height), height - accent - round(0.02 * height)
    corners = {
        "background.top_left": Box(margin // 2, top, margin // 2 + corner_w, top + corner_h),
        "background.top_right": Box(
            width - margin // 2 - corner_w, top, width - margin // 2, top + corner_h
        ),
        "background.bottom_left": Box(
            margin // 2, bottom - corner_h, margin // 2 + corner_w, bottom
        ),
        "background.bottom_right": Box(
            width - margin // 2 - corner_w, bottom - corner_h, width - margin // 2, bottom
        ),
    }
    patches = [Patch(n, b.centre_part(0.6), SLATE_BG) for n, b in corners.items()]
    patches.append(Patch("accent.top", Box(0, 0, width, accent).centre_part(), SLATE_ACCENT))
    patches.append(
        Patch("accent.bottom", Box(0, height - accent, width, height).centre_part(), SLATE_ACCENT)
    )
    boxes = {
        "title": Box(margin, round(0.20 * height), width - margin, round(0.36 * height)),
        "name": Box(margin, round(0.42 * height), width - margin, round(0.58 * height)),
        "time": Box(margin, round(0.66 * height), width - margin, round(0.76 * height)),
    }
    return PatternLayout(PatternKind.SLATE, width, height, tuple(patches), boxes, SLATE_BG)


def _draw_text(draw: ImageDraw.ImageDraw, box: Box, text: str, *, bold: bool) -> None:
    """Write ``text`` centred in ``box``, as large as fits (80 % of the box height)."""
    path = find_font(bold)
    size = max(6, round(box.height * 0.8))
    while True:
        font = ImageFont.truetype(str(path), size)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        if (right - left <= box.width and bottom - top <= box.height) or size <= 6:
            break
        size = max(6, int(size * 0.9))
    x = box.x0 + (box.width - (right - left)) // 2 - left
    y = box.y0 + (box.height - (bottom - top)) // 2 - top
    draw.text((x, y), text, font=font, fill=TEXT_RGB)


def _fc_match(pattern: str) -> Path | None:
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [exe, "--format=%{file}", pattern],
            capture_output=True,
            text=True,
            timeout=FC_MATCH_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.debug("fc-match failed: %s", exc)
        return None
    path = Path(done.stdout.strip())
    return path if done.returncode == 0 and path.is_file() else None
