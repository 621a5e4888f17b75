"""The one module that calls OpenCV (``cv2``) for the video driver.

OpenCV's Python bindings return loosely typed ``MatLike`` unions; every function here
converts the result to a concrete numpy array type, so nothing untyped leaks into the
rest of ``drivers.video`` (STYLE.md §8). Timings quoted in comments are PLATFORM.md
Media 3 ("Per-frame checks on a 1920×1080 BGR frame").

Capture objects are not thread-safe: a :class:`Capture` is created, read and released
by one thread only (the reader thread of :mod:`drivers.video.capture`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final, Literal

import cv2
import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]
"""An 8-bit image: ``H×W×3`` BGR (as OpenCV delivers it) or ``H×W`` gray."""
FloatImage = npt.NDArray[np.float32]

Interpolation = Literal["area", "linear", "nearest"]
_INTERPOLATION: Final = {
    "area": cv2.INTER_AREA,
    "linear": cv2.INTER_LINEAR,
    "nearest": cv2.INTER_NEAREST,
}

# OpenCV reads this variable when a VideoCapture is *constructed* (PLATFORM.md 3b); it is
# process-global, so constructing captures with different options is serialised.
_FFMPEG_OPTIONS_ENV: Final = "OPENCV_FFMPEG_CAPTURE_OPTIONS"
_env_lock = threading.Lock()


# -- pixels ----------------------------------------------------------------------------


def _u8(img: object) -> Frame:
    return np.asarray(img, dtype=np.uint8)


def to_gray(frame: Frame) -> Frame:
    """BGR → gray (0.82 ms at 1080p); a gray frame is returned as is."""
    if frame.ndim == 2:
        return frame
    return _u8(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))


def to_bgr(gray: Frame) -> Frame:
    """Gray → BGR; a BGR frame is returned as is."""
    if gray.ndim == 3:
        return gray
    return _u8(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))


def resize(img: Frame, width: int, height: int, how: Interpolation = "area") -> Frame:
    """Resize to ``width×height`` (INTER_AREA by default: the right filter to shrink)."""
    return _u8(cv2.resize(img, (width, height), interpolation=_INTERPOLATION[how]))


def histogram(gray: Frame) -> npt.NDArray[np.float64]:
    """256-bin luma histogram (counts); one pass gives mean, dark and clipped shares."""
    hist = cv2.calcHist([gray], [0], None, [256], [0, 256])
    return np.asarray(hist, dtype=np.float64).reshape(256)


def laplacian_variance(gray: Frame) -> float:
    """Variance of the Laplacian: ``CV_32F`` + ``meanStdDev`` (3.5 ms at 1080p vs 12.7 in CV_64F)."""
    lap = cv2.Laplacian(gray, cv2.CV_32F)
    _mean, std = cv2.meanStdDev(lap)
    return float(np.asarray(std, dtype=np.float64).reshape(-1)[0]) ** 2


def mean_absdiff(a: Frame, b: Frame) -> float:
    """Mean absolute difference of two same-size gray frames (0.43 ms at 1080p)."""
    diff = cv2.absdiff(a, b)
    return float(cv2.mean(diff)[0])


def box_blur_by_scaling(img: Frame, factor: int) -> Frame:
    """A strong, cheap defocus: shrink by ``factor`` and enlarge back."""
    h, w = img.shape[:2]
    small = resize(img, max(1, w // factor), max(1, h // factor), "area")
    return resize(small, w, h, "linear")


def gaussian_blur_f32(img: FloatImage, sigma: float) -> FloatImage:
    """11×11 Gaussian (the SSIM window of Wang et al. 2004, σ = 1.5)."""
    return np.asarray(cv2.GaussianBlur(img, (11, 11), sigma), dtype=np.float32)


def add_saturating(a: Frame, b: Frame) -> Frame:
    return _u8(cv2.add(a, b))


def subtract_saturating(a: Frame, b: Frame) -> Frame:
    return _u8(cv2.subtract(a, b))


def warp_affine_onto(
    background: Frame, src: Frame, matrix: npt.NDArray[np.float64], how: Interpolation = "linear"
) -> Frame:
    """``src`` drawn over a copy of ``background`` through a 2×3 affine ``matrix``;
    pixels the warped ``src`` does not cover keep the background (BORDER_TRANSPARENT)."""
    h, w = background.shape[:2]
    out = background.copy()
    res = cv2.warpAffine(
        src,
        matrix,
        (w, h),
        dst=out,
        flags=_INTERPOLATION[how],
        borderMode=cv2.BORDER_TRANSPARENT,
    )
    return _u8(res)


def warp_scaled(
    src: Frame,
    inverse: npt.NDArray[np.float64],
    width: int,
    height: int,
    how: Interpolation = "linear",
) -> Frame:
    """A ``width×height`` view of ``src``: ``inverse`` maps view pixels to ``src`` pixels
    (WARP_INVERSE_MAP); edges are replicated. (BORDER_WRAP would tile for us but is
    ~15× slower, so callers tile with numpy first.)"""
    res = cv2.warpAffine(
        src,
        inverse,
        (width, height),
        flags=_INTERPOLATION[how] | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return _u8(res)


def add_offset(a: Frame, b: Frame, offset: float) -> Frame:
    """``a + b + offset``, saturated to 0–255 (same shapes)."""
    return _u8(cv2.addWeighted(a, 1.0, b, 1.0, offset, dtype=cv2.CV_8U))


def add_offset_gray(img: Frame, gray: Frame, offset: float) -> Frame:
    """``img + gray + offset`` per channel, saturated to 0–255."""
    return _u8(cv2.addWeighted(img, 1.0, to_bgr(gray), 1.0, offset, dtype=cv2.CV_8U))


# -- drawing (scene renderer); points are fixed-point with SHIFT fractional bits -------

SHIFT: Final = 4
Color = tuple[int, int, int]


def fill_polygons(img: Frame, polygons: Sequence[npt.NDArray[np.int32]], color: Color) -> None:
    cv2.fillPoly(img, list(polygons), color, cv2.LINE_AA, SHIFT)


def polyline(
    img: Frame, points: npt.NDArray[np.int32], color: Color, thickness: int, closed: bool
) -> None:
    cv2.polylines(img, [points], closed, color, thickness, cv2.LINE_AA, SHIFT)


def circle(img: Frame, center: tuple[int, int], radius: int, color: Color, thickness: int) -> None:
    """``thickness < 0`` fills."""
    cv2.circle(img, center, radius, color, thickness, cv2.LINE_AA, SHIFT)


# -- files and encodings ---------------------------------------------------------------


def encode_jpeg(frame: Frame, quality: int) -> bytes:
    """JPEG bytes (about 11 ms for a 1080p frame on this machine at q 80)."""
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("OpenCV could not encode the frame as JPEG")
    return bytes(np.asarray(buf, dtype=np.uint8).tobytes())


def encode_png(frame: Frame) -> bytes:
    ok, buf = cv2.imencode(".png", frame)
    if not ok:
        raise ValueError("OpenCV could not encode the frame as PNG")
    return bytes(np.asarray(buf, dtype=np.uint8).tobytes())


def decode_image(data: bytes) -> Frame:
    """Decode JPEG/PNG bytes to BGR; ``ValueError`` when the bytes are not an image."""
    arr = np.frombuffer(data, dtype=np.uint8)
    img = cv2.imdecode(arr, cv2.IMREAD_COLOR) if arr.size else None
    if img is None:
        raise ValueError("not a decodable image")
    return _u8(img)


def phase_shift(a: FloatImage, b: FloatImage) -> tuple[float, float, float]:
    """Translation ``(dx, dy)`` that best maps ``a`` onto ``b`` (phase correlation with a
    Hanning window), and the peak's response (0…1, higher = more certain)."""
    window = cv2.createHanningWindow((a.shape[1], a.shape[0]), cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(a, b, window)
    return float(dx), float(dy), float(response)


def shift_image(img: FloatImage, dx: float, dy: float) -> FloatImage:
    """``img`` moved by ``(dx, dy)`` pixels (sub-pixel, bilinear; edges replicated)."""
    m = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]], dtype=np.float64)
    h, w = img.shape[:2]
    res = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(res, dtype=np.float32)


# -- ORB features (PLATFORM.md: 14.8 ms for two 960×540 frames; for occasional use) ----


def orb_good_match_ratio(a: Frame, b: Frame, n_features: int, max_distance: int) -> float:
    """Share of ``a``'s ORB keypoints with a cross-checked match in ``b`` closer than
    ``max_distance`` (Hamming); 0.0 when either frame has no features."""
    orb = cv2.ORB.create(nfeatures=n_features)
    _ka, da = orb.detectAndCompute(a, None)
    _kb, db = orb.detectAndCompute(b, None)
    if da is None or db is None or len(da) == 0 or len(db) == 0:
        return 0.0
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
    matches = matcher.match(da, db)
    good = sum(1 for m in matches if float(m.distance) < max_distance)
    return good / float(len(da))


# -- capture ---------------------------------------------------------------------------

CaptureBackend = Literal["ffmpeg", "v4l2"]


@contextmanager
def _ffmpeg_options(options: str | None) -> Iterator[None]:
    with _env_lock:
        old = os.environ.get(_FFMPEG_OPTIONS_ENV)
        if options:
            os.environ[_FFMPEG_OPTIONS_ENV] = options
        else:
            os.environ.pop(_FFMPEG_OPTIONS_ENV, None)
        try:
            yield
        finally:
            if old is None:
                os.environ.pop(_FFMPEG_OPTIONS_ENV, None)
            else:
                os.environ[_FFMPEG_OPTIONS_ENV] = old


class Capture:
    """A ``cv2.VideoCapture``; create, read and release it from one thread only."""

    def __init__(
        self,
        source: str | int,
        backend: CaptureBackend,
        *,
        open_timeout_ms: int,
        read_timeout_ms: int,
        ffmpeg_options: str | None = None,
    ) -> None:
        api = cv2.CAP_FFMPEG if backend == "ffmpeg" else cv2.CAP_V4L2
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            int(open_timeout_ms),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            int(read_timeout_ms),
        ]
        with _ffmpeg_options(ffmpeg_options):
            self._cap = cv2.VideoCapture(source, api, params)

    def is_opened(self) -> bool:
        return bool(self._cap.isOpened())

    def read(self) -> Frame | None:
        """Next frame, or None when the stream ended or failed (may block: see capture.py)."""
        ok, frame = self._cap.read()
        if not ok or frame is None:
            return None
        img = _u8(frame)
        return img if img.size else None

    def fps(self) -> float:
        value = float(self._cap.get(cv2.CAP_PROP_FPS))
        return value if np.isfinite(value) and value > 0 else 0.0

    def release(self) -> None:
        self._cap.release()
