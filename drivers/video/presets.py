"""Preset verification: is the camera looking where preset N should look?

After a preset recall the readiness check compares the live frame with the reference
frame stored when the technician aimed that preset (DESIGN.md §3). References live on
disk, one pair of files per camera and preset::

    <root>/<camera_id>/preset-003.jpg     the reference picture (JPEG, evidence too)
    <root>/<camera_id>/preset-003.json    {"camera_id", "preset", "created_at", "width",
                                            "height", "position": {...} | null}

Two measures, each with its own named pass threshold:

- ``ssim`` (default): structural similarity (Wang et al. 2004; Gaussian 11×11, σ 1.5) on
  320×180 gray copies — 3.5 ms including both resizes (PLATFORM.md Media 3) — after
  aligning the two by phase correlation. SSIM alone punishes a shift of one or two
  pixels as hard as a different view (a 0.1° miss at zoom 6 scored 0.61 against 0.98
  for a hit), while a real preset recall repeats only to about 0.1°. So the live copy
  is first moved onto the reference; the match needs the aligned SSIM above its
  threshold *and* the shift within ``MAX_SHIFT_FRACTION`` of the picture, and reports
  the shift (``offset``) so a technician sees which way the camera is off.
- ``orb``: share of the reference's ORB keypoints with a close, cross-checked match in
  the live frame (960-wide copies, ~15 ms) — tolerates small shifts better.

Figures for both, and their separation on simulator footage, come from
``bench/frames.py`` and tests/video/test_presets.py.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from drivers.errors import ConfigError
from drivers.video import _cv
from drivers.video._cv import Frame
from drivers.video.reference_files import ReferenceFiles
from drivers.video.sources import write_atomic

SSIM_SIZE: Final = (320, 180)
SSIM_SIGMA: Final = 1.5
SSIM_PASS: Final = (
    0.80  # aligned, simulator footage: same view ≥ 0.9 (shift ≤ 5 %); other presets ≤ 0.66
)
MAX_SHIFT_FRACTION: Final = 0.05  # the view may be off by at most 5 % of its width/height
ORB_WIDTH: Final = 960
ORB_FEATURES: Final = 500
ORB_MAX_DISTANCE: Final = 50  # Hamming distance of a "good" match (of 256 bits)
ORB_PASS: Final = 0.5  # same view ≥ 0.9; another preset ≤ 0.25, but zoom 1 vs 1.3 gave 0.41
REFERENCE_JPEG_QUALITY: Final = 95

Method = Literal["ssim", "orb"]
_EMPTY: Final[Frame] = np.zeros((0, 0, 3), dtype=np.uint8)


@dataclass(frozen=True)
class PresetReference:
    """A stored reference picture of one camera preset."""

    camera_id: str
    preset: int
    image_path: Path
    created_at: str  # ISO 8601, UTC
    width: int
    height: int
    position: dict[str, float] | None = None  # e.g. {"pan_deg":…, "tilt_deg":…, "zoom":…}
    image: Frame = field(repr=False, compare=False, default_factory=lambda: _EMPTY)


@dataclass(frozen=True)
class PresetMatch:
    """The comparison of a live frame with a preset reference."""

    method: Method
    score: float
    threshold: float
    passed: bool
    elapsed_ms: float
    # ssim only: how far the live picture is shifted from the reference, as fractions of
    # its width and height (+x: content moved right, +y: moved down).
    offset: tuple[float, float] = (0.0, 0.0)


def verify_preset(
    frame: Frame,
    reference: PresetReference | Frame,
    *,
    method: Method = "ssim",
    threshold: float | None = None,
) -> PresetMatch:
    """Compare ``frame`` with ``reference`` (a stored reference or a frame)."""
    ref = reference.image if isinstance(reference, PresetReference) else reference
    if ref.size == 0 or frame.size == 0:
        raise ValueError("cannot compare an empty frame")
    start = time.perf_counter()
    if method == "ssim":
        limit = SSIM_PASS if threshold is None else threshold
        score, offset = aligned_ssim(_small_gray(ref, SSIM_SIZE), _small_gray(frame, SSIM_SIZE))
        passed = score >= limit and max(abs(offset[0]), abs(offset[1])) <= MAX_SHIFT_FRACTION
        elapsed = (time.perf_counter() - start) * 1000
        return PresetMatch(method, score, limit, passed, elapsed, offset)
    if method == "orb":
        limit = ORB_PASS if threshold is None else threshold
        score = _cv.orb_good_match_ratio(
            _width_gray(ref, ORB_WIDTH),
            _width_gray(frame, ORB_WIDTH),
            ORB_FEATURES,
            ORB_MAX_DISTANCE,
        )
        elapsed = (time.perf_counter() - start) * 1000
        return PresetMatch(method, score, limit, score >= limit, elapsed)
    raise ValueError(f"unknown preset verification method {method!r} (ssim, orb)")


def aligned_ssim(reference: Frame, live: Frame) -> tuple[float, tuple[float, float]]:
    """SSIM of ``live`` moved onto ``reference`` (phase correlation), compared where both
    overlap; and the shift found, as fractions of the width and height."""
    if reference.shape != live.shape or reference.ndim != 2:
        raise ValueError("aligned SSIM needs two gray images of one size")
    ref = reference.astype(np.float32)
    cur = live.astype(np.float32)
    dx, dy, _response = _cv.phase_shift(ref, cur)
    h, w = ref.shape
    mx, my = min(w // 4, math.ceil(abs(dx)) + 1), min(h // 4, math.ceil(abs(dy)) + 1)
    moved = _cv.shift_image(cur, -dx, -dy)
    score = _ssim_f32(ref[my : h - my, mx : w - mx], moved[my : h - my, mx : w - mx])
    return score, (dx / w, dy / h)


def ssim(a: Frame, b: Frame) -> float:
    """Mean SSIM of two same-size gray images (Wang et al. 2004, K1 0.01, K2 0.03)."""
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"SSIM needs two gray images of one size, not {a.shape} and {b.shape}")
    return _ssim_f32(a.astype(np.float32), b.astype(np.float32))


def _ssim_f32(x: npt.NDArray[np.float32], y: npt.NDArray[np.float32]) -> float:
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = _cv.gaussian_blur_f32(x, SSIM_SIGMA), _cv.gaussian_blur_f32(y, SSIM_SIGMA)
    sxx = _cv.gaussian_blur_f32(x * x, SSIM_SIGMA) - mx * mx
    syy = _cv.gaussian_blur_f32(y * y, SSIM_SIGMA) - my * my
    sxy = _cv.gaussian_blur_f32(x * y, SSIM_SIGMA) - mx * my
    num = (2 * mx * my + c1) * (2 * sxy + c2)
    den = (mx * mx + my * my + c1) * (sxx + syy + c2)
    return float(np.mean(num / den))


class PresetStore(ReferenceFiles):
    """References on disk under ``root`` (see the module docstring; listing and deleting
    come from ``ReferenceFiles``, numpy-free). Async methods do their file and OpenCV work
    in a worker thread."""

    async def save(
        self,
        camera_id: str,
        preset: int,
        frame: Frame,
        *,
        position: dict[str, float] | None = None,
    ) -> PresetReference:
        """Store ``frame`` as the reference of ``preset`` (replacing an older one)."""
        return await asyncio.to_thread(self.save_sync, camera_id, preset, frame, position)

    async def load(self, camera_id: str, preset: int) -> PresetReference:
        """The stored reference; ``ConfigError`` naming the file when missing or damaged."""
        return await asyncio.to_thread(self.load_sync, camera_id, preset)

    async def verify(
        self,
        camera_id: str,
        preset: int,
        frame: Frame,
        *,
        method: Method = "ssim",
        threshold: float | None = None,
    ) -> PresetMatch:
        """Load the reference and compare ``frame`` with it."""
        ref = await self.load(camera_id, preset)
        return await asyncio.to_thread(
            verify_preset, frame, ref, method=method, threshold=threshold
        )

    # -- synchronous forms (tools, benchmarks) ---------------------------------------

    def save_sync(
        self,
        camera_id: str,
        preset: int,
        frame: Frame,
        position: dict[str, float] | None = None,
    ) -> PresetReference:
        image_path, meta_path = self.paths(camera_id, preset)
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3 or frame.size == 0:
            raise ValueError(f"a reference must be an H×W×3 BGR uint8 frame, not {frame.shape}")
        height, width = frame.shape[:2]
        ref = PresetReference(
            camera_id,
            preset,
            image_path,
            datetime.now(tz=UTC).isoformat(timespec="seconds"),
            width,
            height,
            dict(position) if position else None,
            frame,
        )
        try:
            image_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create: {exc.strerror or exc}", path=str(image_path.parent)
            ) from None
        write_atomic(image_path, _cv.encode_jpeg(frame, REFERENCE_JPEG_QUALITY))
        meta = {
            "camera_id": camera_id,
            "preset": preset,
            "created_at": ref.created_at,
            "width": width,
            "height": height,
            "position": ref.position,
        }
        write_atomic(meta_path, json.dumps(meta, ensure_ascii=False, indent=2).encode())
        return ref

    def load_sync(self, camera_id: str, preset: int) -> PresetReference:
        image_path, meta_path = self.paths(camera_id, preset)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            image = _cv.decode_image(image_path.read_bytes())
        except FileNotFoundError:
            raise ConfigError(
                f"no reference stored for preset {preset} of {camera_id}", path=str(meta_path)
            ) from None
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise ConfigError(f"damaged preset reference: {exc}", path=str(meta_path)) from None
        try:
            position = meta.get("position")
            ref = PresetReference(
                camera_id,
                preset,
                image_path,
                str(meta["created_at"]),
                int(meta["width"]),
                int(meta["height"]),
                {str(k): float(v) for k, v in position.items()} if position else None,
                image,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(
                f"damaged preset reference: bad field {exc}", path=str(meta_path)
            ) from None
        if (ref.height, ref.width) != image.shape[:2]:
            raise ConfigError("reference image size differs from its JSON", path=str(image_path))
        return ref


def _small_gray(frame: Frame, size: tuple[int, int]) -> Frame:
    return _cv.resize(_cv.to_gray(frame), size[0], size[1], "area")


def _width_gray(frame: Frame, width: int) -> Frame:
    gray = _cv.to_gray(frame)
    h, w = gray.shape[:2]
    if w <= width:
        return gray
    return _cv.resize(gray, width, max(1, round(h * width / w)), "area")
