"""Frame checks on generated footage with a known answer (1920×1080 simulator frames)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from drivers.video import (
    FrameAnalyzer,
    SceneRenderer,
    Thresholds,
    Verdict,
    analyze_frame,
    check_signal,
)
from drivers.video.analysis import (
    BLACK_MEAN_MAX,
    FROZEN_DIFF_MAX,
    FROZEN_PAIRS_FAIL,
    FROZEN_PAIRS_WARN,
    FROZEN_WINDOW,
    SHARPNESS_FAIL,
    check_black,
    check_exposure,
    check_focus,
    check_frozen,
    worst,
)

# Views a technician would store as presets: the whole room, the delegates on the left,
# the chair at the far end, the wall clock.
VIEWS = [(0.0, -5.0, 1.0), (-25.0, -15.0, 3.0), (0.0, -7.0, 6.0), (18.5, 3.8, 8.0)]


@pytest.fixture(scope="module")
def renderer() -> SceneRenderer:
    return SceneRenderer(1920, 1080)


@pytest.mark.parametrize("view", VIEWS)
def test_normal_room_passes_every_check(
    renderer: SceneRenderer, view: tuple[float, float, float]
) -> None:
    first, second = renderer.render(*view), renderer.render(*view)
    report = analyze_frame(second, first)
    assert (report.width, report.height) == (1920, 1080)
    assert [c.verdict for c in report.checks] == [Verdict.PASS] * 4, report
    assert report.verdict is Verdict.PASS
    assert report.focus.value > 10 * SHARPNESS_FAIL
    assert 60 < report.exposure.value < 195


def test_black_frame_fails_black_and_skips_the_rest(renderer: SceneRenderer) -> None:
    black = renderer.add_noise(np.zeros((1080, 1920, 3), np.uint8))  # lens cap: sensor noise only
    report = analyze_frame(black, renderer.add_noise(np.zeros((1080, 1920, 3), np.uint8)))
    assert report.black.verdict is Verdict.FAIL
    assert report.black.code == "video.black.black"
    assert report.black.value <= BLACK_MEAN_MAX
    assert report.black.values["dark_fraction"] > 0.95
    assert [report.frozen.verdict, report.focus.verdict, report.exposure.verdict] == [
        Verdict.SKIP
    ] * 3
    assert report.verdict is Verdict.FAIL


def test_a_dim_room_is_underexposed_not_black(renderer: SceneRenderer) -> None:
    dim = cv2.convertScaleAbs(renderer.render(*VIEWS[0]), alpha=0.25)
    report = analyze_frame(dim)
    assert report.black.verdict is Verdict.PASS
    assert report.exposure.verdict is Verdict.FAIL
    assert report.exposure.code == "video.exposure.under"
    assert report.exposure.value < 35


def test_overexposed_picture_fails_exposure(renderer: SceneRenderer) -> None:
    bright = cv2.convertScaleAbs(renderer.render(*VIEWS[0]), alpha=2.5)
    result = check_exposure(cv2.cvtColor(bright, cv2.COLOR_BGR2GRAY))
    assert result.verdict is Verdict.FAIL
    assert result.code == "video.exposure.over"
    assert result.values["blown_fraction"] > 0.3


def test_slightly_bright_picture_only_warns(renderer: SceneRenderer) -> None:
    gray = cv2.cvtColor(renderer.render(*VIEWS[0]), cv2.COLOR_BGR2GRAY)
    brighter = cv2.convertScaleAbs(gray, alpha=0.5, beta=140)  # lifted, barely clipped
    result = check_exposure(brighter)
    assert result.verdict is Verdict.WARN
    assert result.code == "video.exposure.bright"


def test_blur_lowers_sharpness_until_focus_fails(renderer: SceneRenderer) -> None:
    gray = cv2.cvtColor(renderer.render(*VIEWS[1]), cv2.COLOR_BGR2GRAY)
    values = [
        check_focus(cv2.GaussianBlur(gray, (0, 0), s) if s else gray).value for s in (0, 1.5, 4, 8)
    ]
    assert values == sorted(values, reverse=True)
    assert check_focus(gray).verdict is Verdict.PASS
    defocused = check_focus(cv2.GaussianBlur(gray, (0, 0), 8))
    assert defocused.verdict is Verdict.FAIL
    assert defocused.code == "video.focus.blurred"


def test_frozen_stream_warns_then_fails_and_recovers(renderer: SceneRenderer) -> None:
    analyzer = FrameAnalyzer()
    still = renderer.render(*VIEWS[0])
    verdicts = [analyzer.analyze(still).frozen.verdict for _ in range(FROZEN_PAIRS_FAIL + 2)]
    assert verdicts[0] is Verdict.SKIP  # nothing to compare with yet
    # A repeated frame or two is normal (a duplicated frame); more warn, then fail.
    assert verdicts[1:FROZEN_PAIRS_WARN] == [Verdict.PASS] * (FROZEN_PAIRS_WARN - 1)
    assert verdicts[FROZEN_PAIRS_WARN:FROZEN_PAIRS_FAIL] == [Verdict.WARN] * (
        FROZEN_PAIRS_FAIL - FROZEN_PAIRS_WARN
    )
    assert verdicts[FROZEN_PAIRS_FAIL:] == [Verdict.FAIL] * 2
    # One different frame inside a frozen stream (an H.264 key frame) keeps the finding.
    blip = analyzer.analyze(renderer.render(*VIEWS[0])).frozen
    assert blip.verdict is Verdict.FAIL
    assert blip.value > FROZEN_DIFF_MAX
    # Live again: the finding clears once the identical pairs leave the window.
    live = [
        analyzer.analyze(renderer.render(*VIEWS[0])).frozen.verdict for _ in range(FROZEN_WINDOW)
    ]
    assert live[-1] is Verdict.PASS
    assert live.count(Verdict.FAIL) <= FROZEN_WINDOW - FROZEN_PAIRS_FAIL


def test_scattered_repeats_only_warn(renderer: SceneRenderer) -> None:
    analyzer = FrameAnalyzer()
    frame = renderer.render(*VIEWS[0])
    verdicts = []
    for _ in range(4 * FROZEN_WINDOW):  # every other frame repeats the one before
        verdicts.append(analyzer.analyze(frame).frozen.verdict)
        verdicts.append(analyzer.analyze(frame).frozen.verdict)
        frame = renderer.render(*VIEWS[0])
    assert Verdict.FAIL not in verdicts
    assert Verdict.WARN in verdicts


def test_one_identical_pair_fails_the_stateless_check(renderer: SceneRenderer) -> None:
    frame = renderer.render(*VIEWS[2])
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    assert analyze_frame(frame, frame).frozen.verdict is Verdict.FAIL
    assert check_frozen(gray, gray).value == 0.0
    other = cv2.cvtColor(renderer.render(*VIEWS[2]), cv2.COLOR_BGR2GRAY)
    live = check_frozen(gray, other)
    assert live.verdict is Verdict.PASS
    assert 0.1 < live.value < 3.0  # sensor noise, not a different picture


def test_gray_and_bgr_give_the_same_answer(renderer: SceneRenderer) -> None:
    frame = renderer.render(*VIEWS[1])
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    a, b = analyze_frame(frame), analyze_frame(gray)
    assert a.black == b.black
    assert a.focus == b.focus
    assert a.exposure == b.exposure


def test_black_check_alone(renderer: SceneRenderer) -> None:
    assert check_black(np.zeros((10, 10), np.uint8)).verdict is Verdict.FAIL
    gray = cv2.cvtColor(renderer.render(*VIEWS[0]), cv2.COLOR_BGR2GRAY)
    assert check_black(gray).verdict is Verdict.PASS


def test_no_signal() -> None:
    assert check_signal(None).verdict is Verdict.FAIL
    assert check_signal(None).code == "video.signal.none"
    assert check_signal(0.04).verdict is Verdict.PASS
    assert check_signal(5.0).verdict is Verdict.FAIL
    assert check_signal(0.5, Thresholds(signal_timeout_s=0.2)).verdict is Verdict.FAIL


def test_thresholds_are_the_ones_used(renderer: SceneRenderer) -> None:
    frame = renderer.render(*VIEWS[0])
    strict = Thresholds(sharpness_fail=1e9, sharpness_warn=2e9)
    report = analyze_frame(frame, thresholds=strict)
    assert report.focus.verdict is Verdict.FAIL
    assert report.focus.thresholds["fail_below"] == 1e9


def test_worst_orders_verdicts() -> None:
    assert worst([Verdict.PASS, Verdict.SKIP, Verdict.WARN]) is Verdict.WARN
    assert worst([Verdict.PASS, Verdict.FAIL, Verdict.WARN]) is Verdict.FAIL
    assert worst([]) is Verdict.SKIP


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((4, 4), np.float32),
        np.zeros((4, 4, 4), np.uint8),
        np.zeros((0, 0, 3), np.uint8),
        np.zeros((2, 2, 2, 3), np.uint8),
    ],
)
def test_bad_frames_get_a_clear_error(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="frame must be"):
        analyze_frame(bad)


def test_previous_frame_of_another_size_skips_frozen(renderer: SceneRenderer) -> None:
    frame = renderer.render(*VIEWS[0])
    report = analyze_frame(frame, np.zeros((10, 10, 3), np.uint8))
    assert report.frozen.verdict is Verdict.SKIP
