"""Frame checks: no signal, black, frozen, out of focus, under/over exposure.

Each check returns a :class:`CheckResult` — the measured value, the verdict and the
thresholds it was judged against — so a readiness report can show *why*. Verdict codes
(``video.black`` …) are stable keys for the i18n catalogue; the texts a technician
reads are looked up by the caller (drivers do not import the appliance).

Cost on a 1920×1080 frame (DESIGN.md §7 target ≤ 10 ms for the whole set; measured by
``bench/frames.py``): one gray conversion, one 256-bin histogram (mean luma, dark and
clipped shares in one pass), the Laplacian on a 960-wide copy, one absdiff. The recipe
and the per-step figures are PLATFORM.md Media 3 "Per-frame checks".
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from drivers.video import _cv
from drivers.video._cv import Frame

# -- named thresholds (luma levels are 0–255) ------------------------------------------

BLACK_MEAN_MAX: Final = 20.0  # mean luma at or below this, together with …
BLACK_DARK_LEVEL: Final = 16  # … pixels below this level …
BLACK_DARK_FRACTION_MIN: Final = 0.95  # … covering at least this share → black frame
FROZEN_DIFF_MAX: Final = 0.1  # mean |Δluma| below this between consecutive frames = identical
# "Frozen" fails when at least FROZEN_PAIRS_FAIL of the last FROZEN_WINDOW consecutive
# pairs were identical. A share of a window, not an unbroken run: a frozen H.264 stream
# still sends a key frame every GOP, and the encoder refines a still picture over the
# next few frames (seen with gst x264enc key-int-max=25: 3–4 changed pairs per second),
# while a live camera's sensor noise makes nearly every pair differ.
FROZEN_WINDOW: Final = 25  # pairs (1 s at 25 fps: at least one GOP of most cameras)
FROZEN_PAIRS_FAIL: Final = 18
FROZEN_PAIRS_WARN: Final = 5  # a repeated frame now and then (a duplicated one) is normal
FOCUS_WIDTH: Final = 960  # focus is measured on a copy this wide (PLATFORM.md: 2.0 ms)
# Variance of the Laplacian, calibrated on 720p/1080p pictures of the simulated room:
# sharp views 90–600, Gaussian σ 2 px 10–45, defocused (1/16 scale) ~9. A frame under
# 960 px wide is measured as is, so its sensor noise counts more (640×360: ~25 for noise).
SHARPNESS_FAIL: Final = 20.0  # below this: out of focus
SHARPNESS_WARN: Final = 50.0  # … below this: soft
EXPOSURE_LOW_FAIL: Final = 35.0  # mean luma
EXPOSURE_LOW_WARN: Final = 60.0
EXPOSURE_HIGH_WARN: Final = 195.0
EXPOSURE_HIGH_FAIL: Final = 225.0
CLIP_DARK_LEVEL: Final = 5  # pixels at or below: crushed blacks
CLIP_BRIGHT_LEVEL: Final = 250  # pixels at or above: blown highlights
CLIPPED_WARN: Final = 0.10  # share of blown (or crushed) pixels
CLIPPED_FAIL: Final = 0.30
SIGNAL_TIMEOUT_S: Final = 2.0  # no frame for this long: no signal


class Verdict(enum.StrEnum):
    """Same values as the readiness suite's statuses (``status.pass`` … in i18n)."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


_SEVERITY: Final = {Verdict.SKIP: 0, Verdict.PASS: 1, Verdict.WARN: 2, Verdict.FAIL: 3}


def worst(verdicts: list[Verdict]) -> Verdict:
    """The most severe verdict (FAIL > WARN > PASS > SKIP); SKIP for an empty list."""
    return max(verdicts, key=_SEVERITY.__getitem__, default=Verdict.SKIP)


@dataclass(frozen=True)
class CheckResult:
    """One check: ``name`` (``signal``/``black``/``frozen``/``focus``/``exposure``),
    its main ``value``, ``verdict``, a ``code`` naming the finding for i18n
    (``video.<name>.<finding>``), extra measured ``values`` and the ``thresholds`` used."""

    name: str
    value: float
    verdict: Verdict
    code: str
    values: Mapping[str, float] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Thresholds:
    """All limits in one place; pass another instance to tune a room or a test."""

    black_mean_max: float = BLACK_MEAN_MAX
    black_dark_level: int = BLACK_DARK_LEVEL
    black_dark_fraction_min: float = BLACK_DARK_FRACTION_MIN
    frozen_diff_max: float = FROZEN_DIFF_MAX
    frozen_window: int = FROZEN_WINDOW
    frozen_pairs_fail: int = FROZEN_PAIRS_FAIL
    frozen_pairs_warn: int = FROZEN_PAIRS_WARN
    focus_width: int = FOCUS_WIDTH
    sharpness_fail: float = SHARPNESS_FAIL
    sharpness_warn: float = SHARPNESS_WARN
    exposure_low_fail: float = EXPOSURE_LOW_FAIL
    exposure_low_warn: float = EXPOSURE_LOW_WARN
    exposure_high_warn: float = EXPOSURE_HIGH_WARN
    exposure_high_fail: float = EXPOSURE_HIGH_FAIL
    clip_dark_level: int = CLIP_DARK_LEVEL
    clip_bright_level: int = CLIP_BRIGHT_LEVEL
    clipped_warn: float = CLIPPED_WARN
    clipped_fail: float = CLIPPED_FAIL
    signal_timeout_s: float = SIGNAL_TIMEOUT_S


DEFAULT_THRESHOLDS: Final = Thresholds()


@dataclass(frozen=True)
class FrameReport:
    """Every check on one frame; ``verdict`` is the worst of them."""

    width: int
    height: int
    black: CheckResult
    frozen: CheckResult
    focus: CheckResult
    exposure: CheckResult

    @property
    def checks(self) -> tuple[CheckResult, ...]:
        return (self.black, self.frozen, self.focus, self.exposure)

    @property
    def verdict(self) -> Verdict:
        return worst([c.verdict for c in self.checks])


# -- the checks ------------------------------------------------------------------------


def analyze_frame(
    frame: Frame,
    previous: Frame | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    identical_pairs: int | None = None,
) -> FrameReport:
    """Run the full check set on ``frame`` (BGR or gray).

    ``previous`` is the frame before it (BGR or gray, same size) for the frozen check;
    without it that check is SKIP. ``identical_pairs`` is how many of the pairs just
    before were identical (see :class:`FrameAnalyzer`); without it one identical pair
    FAILs.
    """
    gray = _checked_gray(frame)
    prev_gray = None if previous is None else _checked_gray(previous)
    return _report(gray, prev_gray, thresholds, identical_pairs)


class FrameAnalyzer:
    """Stateful checks over a stream: remembers the previous frame and which of the
    recent pairs were identical, so "frozen" WARNs once ``frozen_pairs_warn`` and FAILs
    once ``frozen_pairs_fail`` of the last ``frozen_window`` pairs were identical."""

    def __init__(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.thresholds = thresholds
        self._prev: Frame | None = None
        self._recent: deque[bool] = deque(maxlen=max(0, thresholds.frozen_window - 1))

    def analyze(self, frame: Frame) -> FrameReport:
        gray = _checked_gray(frame)
        prev = self._prev if self._prev is not None and self._prev.shape == gray.shape else None
        report = _report(gray, prev, self.thresholds, sum(self._recent))
        if prev is not None:
            self._recent.append(report.frozen.value < self.thresholds.frozen_diff_max)
        self._prev = gray
        return report

    def reset(self) -> None:
        self._prev = None
        self._recent.clear()


def check_signal(
    frame_age_s: float | None, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> CheckResult:
    """No signal: ``frame_age_s`` is the time since the last frame (None: never had one)."""
    limit = thresholds.signal_timeout_s
    if frame_age_s is None or frame_age_s > limit:
        value = float("inf") if frame_age_s is None else frame_age_s
        return CheckResult(
            "signal", value, Verdict.FAIL, "video.signal.none", thresholds={"timeout_s": limit}
        )
    return CheckResult(
        "signal", frame_age_s, Verdict.PASS, "video.signal.ok", thresholds={"timeout_s": limit}
    )


def check_black(gray: Frame, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> CheckResult:
    """Black: low mean luma *and* nearly every pixel dark (a dim room is not black)."""
    hist = _cv.histogram(gray)
    return _black(hist, _mean(hist), thresholds)


def check_frozen(
    gray: Frame, previous_gray: Frame, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> CheckResult:
    """Frozen: mean absolute luma difference to the previous frame (one pair)."""
    return _frozen(_cv.mean_absdiff(gray, previous_gray), 0, thresholds, single=True)


def check_focus(gray: Frame, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> CheckResult:
    """Out of focus: variance of the Laplacian on a ``focus_width``-wide copy."""
    return _focus(gray, thresholds)


def check_exposure(gray: Frame, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> CheckResult:
    """Under/over exposure: mean luma and the shares of crushed and blown pixels."""
    hist = _cv.histogram(gray)
    return _exposure(hist, _mean(hist), thresholds)


# -- internals -------------------------------------------------------------------------


def _checked_gray(frame: Frame) -> Frame:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise ValueError("a frame must be a uint8 numpy array")
    if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] != 3) or frame.size == 0:
        raise ValueError(f"a frame must be H×W gray or H×W×3 BGR, not shape {frame.shape}")
    return _cv.to_gray(frame)


def _mean(hist: npt.NDArray[np.float64]) -> float:
    total = float(hist.sum())
    return float(np.dot(hist, np.arange(256, dtype=np.float64)) / total) if total else 0.0


def _share(hist: npt.NDArray[np.float64], lo: int, hi: int) -> float:
    total = float(hist.sum())
    return float(hist[lo:hi].sum() / total) if total else 0.0


def _report(
    gray: Frame, prev: Frame | None, th: Thresholds, identical_pairs: int | None
) -> FrameReport:
    hist = _cv.histogram(gray)
    mean = _mean(hist)
    black = _black(hist, mean, th)
    if prev is None or prev.shape != gray.shape:
        frozen = CheckResult("frozen", float("nan"), Verdict.SKIP, "video.frozen.no_previous")
    else:
        frozen = _frozen(
            _cv.mean_absdiff(gray, prev),
            identical_pairs or 0,
            th,
            single=identical_pairs is None,
        )
    if black.verdict is Verdict.FAIL:
        # Nothing to judge on a black picture; the black finding says it all. (The
        # frozen value is kept so FrameAnalyzer's run of identical frames goes on.)
        frozen = CheckResult("frozen", frozen.value, Verdict.SKIP, "video.frozen.no_picture")
        focus = CheckResult("focus", float("nan"), Verdict.SKIP, "video.focus.no_picture")
        exposure = CheckResult("exposure", mean, Verdict.SKIP, "video.exposure.no_picture")
    else:
        focus = _focus(gray, th)
        exposure = _exposure(hist, mean, th)
    h, w = gray.shape[:2]
    return FrameReport(w, h, black, frozen, focus, exposure)


def _black(hist: npt.NDArray[np.float64], mean: float, th: Thresholds) -> CheckResult:
    dark = _share(hist, 0, th.black_dark_level)
    is_black = mean <= th.black_mean_max and dark >= th.black_dark_fraction_min
    return CheckResult(
        "black",
        mean,
        Verdict.FAIL if is_black else Verdict.PASS,
        "video.black.black" if is_black else "video.black.ok",
        values={"mean_luma": mean, "dark_fraction": dark},
        thresholds={
            "mean_max": th.black_mean_max,
            "dark_level": th.black_dark_level,
            "dark_fraction_min": th.black_dark_fraction_min,
        },
    )


def _frozen(diff: float, identical_before: int, th: Thresholds, *, single: bool) -> CheckResult:
    limits = {
        "diff_max": th.frozen_diff_max,
        "window": th.frozen_window,
        "pairs_warn": th.frozen_pairs_warn,
        "pairs_fail": th.frozen_pairs_fail,
    }
    identical = diff < th.frozen_diff_max
    count = 1 if single else identical_before + int(identical)
    if single and not identical:
        count = 0
    if (single and identical) or count >= th.frozen_pairs_fail:
        verdict, code = Verdict.FAIL, "video.frozen.frozen"
    elif count >= th.frozen_pairs_warn:
        verdict, code = Verdict.WARN, "video.frozen.repeated"
    else:
        verdict, code = Verdict.PASS, "video.frozen.ok"
    return CheckResult(
        "frozen", diff, verdict, code, values={"identical_pairs": float(count)}, thresholds=limits
    )


def _focus(gray: Frame, th: Thresholds) -> CheckResult:
    h, w = gray.shape[:2]
    small = gray
    if w > th.focus_width:
        small = _cv.resize(gray, th.focus_width, max(1, round(h * th.focus_width / w)))
    sharpness = _cv.laplacian_variance(small)
    if sharpness < th.sharpness_fail:
        verdict, code = Verdict.FAIL, "video.focus.blurred"
    elif sharpness < th.sharpness_warn:
        verdict, code = Verdict.WARN, "video.focus.soft"
    else:
        verdict, code = Verdict.PASS, "video.focus.ok"
    return CheckResult(
        "focus",
        sharpness,
        verdict,
        code,
        thresholds={"fail_below": th.sharpness_fail, "warn_below": th.sharpness_warn},
    )


def _exposure(hist: npt.NDArray[np.float64], mean: float, th: Thresholds) -> CheckResult:
    crushed = _share(hist, 0, th.clip_dark_level + 1)
    blown = _share(hist, th.clip_bright_level, 256)
    if mean < th.exposure_low_fail or crushed >= th.clipped_fail:
        verdict, code = Verdict.FAIL, "video.exposure.under"
    elif mean > th.exposure_high_fail or blown >= th.clipped_fail:
        verdict, code = Verdict.FAIL, "video.exposure.over"
    elif mean < th.exposure_low_warn or crushed >= th.clipped_warn:
        verdict, code = Verdict.WARN, "video.exposure.dark"
    elif mean > th.exposure_high_warn or blown >= th.clipped_warn:
        verdict, code = Verdict.WARN, "video.exposure.bright"
    else:
        verdict, code = Verdict.PASS, "video.exposure.ok"
    return CheckResult(
        "exposure",
        mean,
        verdict,
        code,
        values={"mean_luma": mean, "crushed_fraction": crushed, "blown_fraction": blown},
        thresholds={
            "low_fail": th.exposure_low_fail,
            "low_warn": th.exposure_low_warn,
            "high_warn": th.exposure_high_warn,
            "high_fail": th.exposure_high_fail,
            "clipped_warn": th.clipped_warn,
            "clipped_fail": th.clipped_fail,
        },
    )
