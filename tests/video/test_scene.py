"""The meeting-room renderer: camera moves and zoom change the picture as a lens would."""

from __future__ import annotations

import itertools
from datetime import datetime

import cv2
import numpy as np
import pytest

from drivers.video import SceneRenderer, ssim
from drivers.video.scene import VIETNAM_TZ
from drivers.video.scene_layout import Text, build_room

# 640 px over 64° of view: exactly 10 pixels per degree at zoom 1.
W, H, HFOV = 640, 360, 64.0


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(cv2.absdiff(a, b).mean())


@pytest.fixture(scope="module")
def clean() -> SceneRenderer:
    fixed = datetime(2025, 3, 1, 9, 0, 0, tzinfo=VIETNAM_TZ)
    return SceneRenderer(W, H, hfov_wide_deg=HFOV, noise=0, now=lambda: fixed)


def test_pan_moves_the_picture_sideways(clean: SceneRenderer) -> None:
    a = clean.render_clean(0.0, -5.0, 1.0)
    b = clean.render_clean(2.0, -5.0, 1.0)  # 2° right = 20 px
    assert _diff(a[:, 20:], b[:, :-20]) < 2.0  # the same picture, shifted
    assert _diff(a, b) > 8.0


def test_tilt_moves_the_picture_vertically(clean: SceneRenderer) -> None:
    a = clean.render_clean(0.0, -5.0, 1.0)
    b = clean.render_clean(0.0, -3.0, 1.0)  # 2° up: the scene moves 20 px down
    assert _diff(a[:-20], b[20:]) < 2.0
    assert _diff(a, b) > 8.0


def test_zoom_narrows_the_view_around_the_centre(clean: SceneRenderer) -> None:
    wide = clean.render_clean(0.0, -5.0, 1.0)
    tele = clean.render_clean(0.0, -5.0, 2.0)
    assert clean.field_of_view(2.0)[0] == pytest.approx(HFOV / 2)
    centre = cv2.resize(
        wide[H // 4 : 3 * H // 4, W // 4 : 3 * W // 4], (W, H), interpolation=cv2.INTER_LINEAR
    )

    def g(img):
        return cv2.resize(
            cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), (320, 180), interpolation=cv2.INTER_AREA
        )

    assert ssim(g(centre), g(tele)) > 0.6
    assert ssim(g(wide), g(tele)) < 0.5


def test_pan_wraps_around_behind_the_camera(clean: SceneRenderer) -> None:
    assert _diff(clean.render_clean(180.0, 0.0, 1.0), clean.render_clean(-180.0, 0.0, 1.0)) < 0.5
    a = clean.render_clean(179.0, 0.0, 1.0)
    b = clean.render_clean(-179.0, 0.0, 1.0)  # 2° further right, across the ±180 seam
    assert _diff(a[:, 20:], b[:, :-20]) < 2.0


def test_the_wall_clock_shows_the_time() -> None:
    times = iter(
        [
            datetime(2025, 3, 1, 9, 0, 0, tzinfo=VIETNAM_TZ),
            datetime(2025, 3, 1, 9, 0, 30, tzinfo=VIETNAM_TZ),
        ]
    )
    r = SceneRenderer(W, H, hfov_wide_deg=HFOV, noise=0, now=lambda: next(times))
    a = r.render_clean(18.5, 3.8, 8.0)  # the clock fills the view
    b = r.render_clean(18.5, 3.8, 8.0)
    assert _diff(a, b) > 0.5  # the second hand moved half a turn


def test_sensor_noise_makes_every_frame_different() -> None:
    r = SceneRenderer(W, H)
    frames = [r.render(0.0, -5.0, 1.0) for _ in range(5)]
    diffs = [_diff(x, y) for x, y in itertools.pairwise(frames)]
    assert all(0.2 < d < 3.0 for d in diffs), diffs


def test_vietnamese_diacritics_are_drawn() -> None:
    # One delegate's name plate seen close up: "Nguyễn Thị Ánh" must not look like "Nguyen Thi Anh".
    name = "Nguyễn Thị Ánh"
    plate = next(
        s for s in build_room("x", [name]).shapes if isinstance(s, Text) and s.text == name
    )
    view = (plate.center[0], plate.center[1], 12.0)
    with_marks = SceneRenderer(W, H, noise=0, delegates=[name]).render_clean(*view)
    without = SceneRenderer(W, H, noise=0, delegates=["Nguyen Thi Anh"]).render_clean(*view)
    changed = cv2.absdiff(with_marks, without).max(axis=2) > 60
    assert changed.sum() > 50


def test_frame_size_and_bad_arguments() -> None:
    r = SceneRenderer(320, 180, noise=0)
    assert r.render(0.0, 0.0, 1.0).shape == (180, 320, 3)
    with pytest.raises(ValueError, match="finite"):
        r.render(float("nan"), 0.0, 1.0)
    with pytest.raises(ValueError, match="frame size"):
        SceneRenderer(8, 8)
    with pytest.raises(ValueError, match="hfov"):
        SceneRenderer(320, 180, hfov_wide_deg=0.0)
    # Out-of-range zoom and tilt are clamped like a real lens stops at its end.
    assert _diff(r.render_clean(0.0, 0.0, 500.0), r.render_clean(0.0, 0.0, 40.0)) == 0.0
    assert _diff(r.render_clean(0.0, 120.0, 1.0), r.render_clean(0.0, 89.0, 1.0)) == 0.0
