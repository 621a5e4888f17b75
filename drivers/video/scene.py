"""Renders the simulated meeting room as seen through a PTZ camera.

``SceneRenderer.render(pan_deg, tilt_deg, zoom)`` draws the room of
:mod:`drivers.video.scene_layout` for a camera pointing at ``pan/tilt`` (degrees) with
a zoom ratio (1 = wide): the horizontal field of view is ``hfov_wide_deg / zoom`` and
degrees map linearly to pixels. Shapes are drawn as vectors at the output resolution,
so edges stay sharp at any zoom (the focus check has something to measure), and text
uses a real TrueType font (Vietnamese diacritics; ``cv2.putText`` is ASCII-only).

Surfaces get a fine grain fixed to the world (:mod:`drivers.video.scene_texture`), so
a tele view of a plain wall is not mistaken for a defocused picture.

A real camera never sends two identical frames: sensor noise is added to each frame
(a sliding window over one pre-made noise buffer, ~1 ms), and the wall clock's second
hand moves. The clean picture is cached until the camera moves or the second changes.

Where the camera points comes from a :data:`PtzSource` — any callable returning
``(pan_deg, tilt_deg, zoom)``; the VISCA simulator provides one (see
``drivers.video.simulator.visca_ptz_source``). The renderer never imports it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from drivers.errors import DeviceUnavailableError
from drivers.video import _cv, scene_layout
from drivers.video._cv import Frame
from drivers.video.scene_layout import Clock, Disc, Line, Poly, Shape, Text
from drivers.video.scene_texture import TEXTURE_AMPLITUDE, WorldTexture

PtzSource = Callable[[], tuple[float, float, float]]
"""Returns the camera's current ``(pan_deg, tilt_deg, zoom_ratio)``."""

HFOV_WIDE_DEG: Final = (
    60.0  # horizontal field of view at zoom 1 (EVI-D70 wide: 48.8°, SRG-300H: 71°)
)
ZOOM_MIN: Final = 1.0
ZOOM_MAX: Final = 40.0  # 20× optical × 2 digital; beyond this the picture stops changing
TILT_LIMIT_DEG: Final = 89.0
NOISE_AMPLITUDE: Final = 3  # sensor noise, luma levels (uniform 0..N added, 0..N subtracted)
DEFAULT_ROOM_NAME: Final = "Điểm cầu UBND tỉnh"
VIETNAM_TZ: Final = timezone(timedelta(hours=7), "ICT")  # clock on the wall: Indochina Time
FONT_FILES: Final[tuple[str, ...]] = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
FONT_PACKAGE: Final = "fonts-dejavu-core"
SPRITE_TEXT_PX: Final = 64  # glyph size of the pre-rendered text sprites
_FP: Final = 1 << _cv.SHIFT  # fixed-point factor of the drawing calls
_NOISE_SLIDE: Final = 64  # rows the noise window slides through before repeating


def _now() -> datetime:
    return datetime.now(tz=VIETNAM_TZ)


@dataclass(frozen=True)
class _View:
    pan: float
    tilt: float
    scale: float  # pixels per degree
    width: int
    height: int

    def contains(self, box: tuple[float, float, float, float], offset: float) -> bool:
        p0, t0, p1, t1 = box
        half_w = self.width / 2 / self.scale
        half_h = self.height / 2 / self.scale
        return not (
            p1 + offset < self.pan - half_w
            or p0 + offset > self.pan + half_w
            or t1 < self.tilt - half_h
            or t0 > self.tilt + half_h
        )

    def fixed(self, pts: npt.NDArray[np.float64], offset: float) -> npt.NDArray[np.int32]:
        x = ((pts[:, 0] + offset - self.pan) * self.scale + self.width / 2) * _FP
        y = ((self.tilt - pts[:, 1]) * self.scale + self.height / 2) * _FP
        return np.stack([x, y], axis=1).round().astype(np.int32)

    def px(self, deg: float) -> int:
        return max(1, min(1000, round(deg * self.scale)))


@dataclass(frozen=True)
class _Prepared:
    shape: Shape
    box: tuple[float, float, float, float]
    pts: npt.NDArray[np.float64]
    sprite: Frame | None = None


class SceneRenderer:
    """Draws frames of the meeting room; thread-safe (one lock around the cache)."""

    def __init__(
        self,
        width: int = 1280,
        height: int = 720,
        *,
        room_name: str = DEFAULT_ROOM_NAME,
        delegates: Sequence[str] = scene_layout.DELEGATE_NAMES,
        hfov_wide_deg: float = HFOV_WIDE_DEG,
        noise: int = NOISE_AMPLITUDE,
        texture: int = TEXTURE_AMPLITUDE,
        now: Callable[[], datetime] = _now,
    ) -> None:
        if not (16 <= width <= 7680 and 16 <= height <= 4320):
            raise ValueError(f"frame size {width}×{height} is out of range (16…7680 × 16…4320)")
        if not 1.0 <= hfov_wide_deg <= 170.0:
            raise ValueError(f"hfov_wide_deg must be 1…170, not {hfov_wide_deg}")
        if not 0 <= noise <= 64:
            raise ValueError(f"noise must be 0…64 luma levels, not {noise}")
        self.width = width
        self.height = height
        self.hfov_wide_deg = hfov_wide_deg
        self._now = now
        self._room = scene_layout.build_room(room_name, delegates)
        fonts = _Fonts()
        self._shapes = [_prepare(s, fonts) for s in self._room.shapes]
        self._texture = WorldTexture(amplitude=texture) if texture else None
        rng = np.random.default_rng(7)
        self._noise: Frame | None = None
        if noise:
            self._noise = rng.integers(
                0, noise + 1, (height + _NOISE_SLIDE, width, 3), dtype=np.uint8
            )
        self._frame_no = 0
        self._lock = threading.Lock()
        self._cache_key: tuple[float, float, float, int] | None = None
        self._cache: Frame | None = None

    def field_of_view(self, zoom: float) -> tuple[float, float]:
        """``(horizontal, vertical)`` field of view in degrees at ``zoom``."""
        h = self.hfov_wide_deg / _clamp(zoom, ZOOM_MIN, ZOOM_MAX)
        return h, h * self.height / self.width

    def render(self, pan_deg: float, tilt_deg: float, zoom: float) -> Frame:
        """One camera frame (BGR, ``height×width×3``) with sensor noise."""
        return self.add_noise(self.render_clean(pan_deg, tilt_deg, zoom))

    def add_noise(self, frame: Frame) -> Frame:
        """A new array: ``frame`` (this renderer's size) plus this frame's sensor noise."""
        with self._lock:
            self._frame_no += 1
            k = self._frame_no % _NOISE_SLIDE
        if self._noise is None:
            return frame.copy()
        h = self.height
        add = self._noise[k : k + h]
        sub = self._noise[_NOISE_SLIDE - k : _NOISE_SLIDE - k + h]
        return _cv.subtract_saturating(_cv.add_saturating(frame, add), sub)

    def render_from(self, ptz: PtzSource) -> Frame:
        """One frame where ``ptz()`` says the camera points."""
        pan, tilt, zoom = ptz()
        return self.render(pan, tilt, zoom)

    def render_clean(self, pan_deg: float, tilt_deg: float, zoom: float) -> Frame:
        """The frame without noise (cached; do not modify the returned array)."""
        for name, value in (("pan_deg", pan_deg), ("tilt_deg", tilt_deg), ("zoom", zoom)):
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, not {value}")
        pan = (pan_deg + 180.0) % 360.0 - 180.0
        tilt = _clamp(tilt_deg, -TILT_LIMIT_DEG, TILT_LIMIT_DEG)
        zoom = _clamp(zoom, ZOOM_MIN, ZOOM_MAX)
        now = self._now()
        key = (round(pan, 4), round(tilt, 4), round(zoom, 4), int(now.timestamp()))
        with self._lock:
            if key == self._cache_key and self._cache is not None:
                return self._cache
        view = _View(pan, tilt, self.width / (self.hfov_wide_deg / zoom), self.width, self.height)
        img = self._draw(view, now)
        img.flags.writeable = False
        with self._lock:
            self._cache_key, self._cache = key, img
        return img

    # -- drawing -------------------------------------------------------------------------

    def _draw(self, view: _View, now: datetime) -> Frame:
        img = np.empty((view.height, view.width, 3), dtype=np.uint8)
        # Broadcasting one row is ~80× faster than assigning a colour tuple to the frame.
        img[:] = np.tile(np.array(self._room.background, dtype=np.uint8), (view.width, 1))
        for item in self._shapes:
            for offset in (0.0, -360.0, 360.0):
                if view.contains(item.box, offset):
                    img = _draw_shape(img, item, view, offset, now)
        if self._texture is not None:
            img = self._texture.apply(img, view.pan, view.tilt, view.scale)
        return img


def _draw_shape(img: Frame, item: _Prepared, view: _View, offset: float, now: datetime) -> Frame:
    shape = item.shape
    if isinstance(shape, Poly):
        _cv.fill_polygons(img, [view.fixed(item.pts, offset)], shape.color)
    elif isinstance(shape, Line):
        thickness = view.px(shape.width_deg) if shape.width_deg else 1
        _cv.polyline(img, view.fixed(item.pts, offset), shape.color, thickness, shape.closed)
    elif isinstance(shape, Disc):
        c = view.fixed(item.pts, offset)[0]
        r = max(1, round(shape.radius_deg * view.scale * _FP))
        ring = view.px(shape.ring_deg) if shape.ring_deg else -1
        _cv.circle(img, (int(c[0]), int(c[1])), r, shape.color, ring)
    elif isinstance(shape, Clock):
        _draw_clock(img, shape, view, offset, now)
    elif item.sprite is not None:
        img = _blit(img, item, view, offset)
    return img


def _draw_clock(img: Frame, clock: Clock, view: _View, offset: float, now: datetime) -> None:
    cx, cy = clock.center
    r = clock.radius_deg

    def pt(angle_turns: float, length: float) -> npt.NDArray[np.float64]:
        a = 2 * math.pi * angle_turns
        return np.array([[cx + length * r * math.sin(a), cy + length * r * math.cos(a)]])

    center = view.fixed(np.array([[cx, cy]]), offset)[0]
    c = (int(center[0]), int(center[1]))
    _cv.circle(img, c, round(r * view.scale * _FP), scene_layout.WHITE, -1)
    _cv.circle(img, c, round(r * view.scale * _FP), scene_layout.DARK, view.px(0.1 * r))
    for mark in range(12):
        tick = np.vstack([pt(mark / 12, 0.8), pt(mark / 12, 0.92)])
        _cv.polyline(img, view.fixed(tick, offset), scene_layout.DARK, view.px(0.05 * r), False)
    sec = now.second / 60
    minute = (now.minute + sec) / 60
    hour_hand = ((now.hour % 12) + minute) / 12
    for turns, length, width, color in (
        (hour_hand, 0.5, 0.08, scene_layout.DARK),
        (minute, 0.78, 0.05, scene_layout.DARK),
        (sec, 0.85, 0.02, scene_layout.RED),
    ):
        hand = np.vstack([np.array([[cx, cy]]), pt(turns, length)])
        _cv.polyline(img, view.fixed(hand, offset), color, view.px(width * r), False)


def _blit(img: Frame, item: _Prepared, view: _View, offset: float) -> Frame:
    """Place a text sprite: shrink with INTER_AREA, enlarge by an affine warp."""
    sprite = item.sprite
    assert sprite is not None  # noqa: S101 - _draw_shape checked it
    p0, t0, p1, t1 = item.box
    x0 = (p0 + offset - view.pan) * view.scale + view.width / 2
    y0 = (view.tilt - t1) * view.scale + view.height / 2
    w = (p1 - p0) * view.scale
    h = (t1 - t0) * view.scale
    if w < 2 or h < 2:
        return img
    sh, sw = sprite.shape[:2]
    if w <= sw:
        small = _cv.resize(sprite, max(1, round(w)), max(1, round(h)), "area")
        xi, yi = round(x0), round(y0)
        dx0, dy0 = max(0, xi), max(0, yi)
        dx1 = min(view.width, xi + small.shape[1])
        dy1 = min(view.height, yi + small.shape[0])
        if dx1 > dx0 and dy1 > dy0:
            img[dy0:dy1, dx0:dx1] = small[dy0 - yi : dy1 - yi, dx0 - xi : dx1 - xi]
        return img
    # Enlarge only into the visible part of the target rectangle.
    rx0, ry0 = max(0, math.floor(x0)), max(0, math.floor(y0))
    rx1, ry1 = min(view.width, math.ceil(x0 + w)), min(view.height, math.ceil(y0 + h))
    if rx1 <= rx0 or ry1 <= ry0:
        return img
    m = np.array([[w / sw, 0.0, x0 - rx0], [0.0, h / sh, y0 - ry0]], dtype=np.float64)
    img[ry0:ry1, rx0:rx1] = _cv.warp_affine_onto(img[ry0:ry1, rx0:rx1], sprite, m)
    return img


# -- preparation -----------------------------------------------------------------------


class _Fonts:
    """TrueType fonts for the sprites (Pillow, imported only here)."""

    def __init__(self) -> None:
        from PIL import ImageFont

        self._cache: dict[bool, ImageFont.FreeTypeFont] = {}
        bold, regular = FONT_FILES
        for is_bold, path in ((True, bold), (False, regular)):
            if not Path(path).is_file():
                raise DeviceUnavailableError(
                    "video-simulator",
                    f"font {path} is missing: install the Debian package {FONT_PACKAGE}",
                    operation="render scene",
                )
            self._cache[is_bold] = ImageFont.truetype(path, SPRITE_TEXT_PX)

    def sprite(self, text: Text) -> Frame:
        from PIL import Image, ImageDraw

        font = self._cache[text.bold]
        left, top, right, bottom = font.getbbox(text.text)
        pad = SPRITE_TEXT_PX // 4
        w = int(right - left) + 2 * pad
        h = int(bottom - top) + 2 * pad
        rgb_bg = text.bg[::-1]
        im = Image.new("RGB", (w, h), rgb_bg)
        ImageDraw.Draw(im).text((pad - left, pad - top), text.text, font=font, fill=text.fg[::-1])
        return np.ascontiguousarray(np.asarray(im, dtype=np.uint8)[:, :, ::-1])


def _prepare(shape: Shape, fonts: _Fonts) -> _Prepared:
    if isinstance(shape, Poly | Line):
        pts = np.array(shape.points, dtype=np.float64)
        pad = shape.width_deg if isinstance(shape, Line) else 0.0
        return _Prepared(shape, _box(pts, pad), pts)
    if isinstance(shape, Disc | Clock):
        pts = np.array([shape.center], dtype=np.float64)
        return _Prepared(shape, _box(pts, shape.radius_deg), pts)
    sprite = fonts.sprite(shape)
    sh, sw = sprite.shape[:2]
    half_h = shape.height_deg / 2
    half_w = half_h * sw / sh
    cx, cy = shape.center
    pts = np.array([shape.center], dtype=np.float64)
    return _Prepared(shape, (cx - half_w, cy - half_h, cx + half_w, cy + half_h), pts, sprite)


def _box(pts: npt.NDArray[np.float64], pad: float) -> tuple[float, float, float, float]:
    return (
        float(pts[:, 0].min()) - pad,
        float(pts[:, 1].min()) - pad,
        float(pts[:, 0].max()) + pad,
        float(pts[:, 1].max()) + pad,
    )


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x
