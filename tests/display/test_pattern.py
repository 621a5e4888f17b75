"""The pattern and slate renderer, and the screenshot checker, without any screen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from drivers.display.pattern import (
    BARS,
    BLACK,
    PLUGE,
    SLATE_ACCENT,
    SLATE_BG,
    Box,
    PatternKind,
    check_pattern,
    find_font,
    format_clock,
    pattern_layout,
    render_pattern,
    write_pattern_png,
)
from drivers.errors import DeviceUnavailableError, NotSupportedError
from tests.display.conftest import NOW, ROOM


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720), (1366, 768), (3840, 2160)])
def test_bars_have_exact_colours_where_the_layout_says(size: tuple[int, int]) -> None:
    width, height = size
    image = render_pattern("bars", width, height, ROOM, NOW)
    assert image.size == size
    assert image.mode == "RGB"
    rgb = np.asarray(image)
    layout = pattern_layout(PatternKind.BARS, width, height)
    bars = [p for p in layout.patches if p.name.startswith("bar.")]
    assert [p.rgb for p in bars] == list(BARS)
    for patch in layout.patches:
        area = rgb[patch.box.y0 : patch.box.y1, patch.box.x0 : patch.box.x1].reshape(-1, 3)
        assert area.size > 0, patch.name
        assert (area == patch.rgb).all(), patch.name
    pluge = {p.name: p.rgb for p in layout.patches if p.name.startswith("pluge.")}
    assert pluge == {"pluge.below": PLUGE[0], "pluge.black": BLACK, "pluge.above": PLUGE[2]}
    check = check_pattern(image, "bars")
    assert check.ok, (check.mismatches, check.ink)
    assert all(p.max_diff == 0 for p in check.patches)
    assert set(check.ink) == {"name", "time"}


def test_slate_layout_and_text_boxes() -> None:
    image = render_pattern("slate", 1920, 1080, ROOM, NOW)
    check = check_pattern(image, PatternKind.SLATE)
    assert check.ok, (check.mismatches, check.ink)
    colours = {p.name: p.rgb for p in pattern_layout(PatternKind.SLATE, 1920, 1080).patches}
    assert colours["accent.top"] == SLATE_ACCENT
    assert colours["background.top_left"] == SLATE_BG
    assert set(check.ink) == {"title", "name", "time"}
    assert min(check.ink.values()) > 0.02  # real text, not a stray pixel


def test_checker_finds_wrong_colours_and_missing_text() -> None:
    image = render_pattern("bars", 1280, 720, ROOM, NOW)
    layout = pattern_layout(PatternKind.BARS, 1280, 720)
    red = next(p for p in layout.patches if p.name == "bar.red")
    rgb = np.asarray(image).copy()
    rgb[: red.box.y1 + 50, red.box.x0 - 10 : red.box.x1 + 10] = BARS[-1]  # red bar shows blue
    name_box = layout.text_boxes["name"]
    rgb[name_box.y0 : name_box.y1, name_box.x0 : name_box.x1] = BLACK  # room name wiped
    check = check_pattern(Image.fromarray(rgb), "bars")
    assert not check.ok
    assert [m.name for m in check.mismatches] == ["bar.red"]
    assert check.mismatches[0].seen == BARS[-1]
    assert check.empty_text_boxes == ("name",)
    # The slate is not the bars: almost nothing matches.
    other = check_pattern(render_pattern("slate", 1280, 720, ROOM, NOW), "bars")
    assert len(other.mismatches) > 15


def test_check_pattern_in_a_region_and_with_tolerance() -> None:
    screen = Image.new("RGB", (3840, 1080), (0, 0, 0))
    bars = render_pattern("bars", 1920, 1080, ROOM, NOW)
    screen.paste(bars, (1920, 0))
    assert check_pattern(screen, "bars", region=Box(1920, 0, 3840, 1080)).ok
    assert not check_pattern(screen, "bars", region=Box(0, 0, 1920, 1080)).ok
    noisy = np.asarray(bars).astype(np.int16) + np.random.default_rng(1).integers(
        -20, 21, (1080, 1920, 3)
    )
    noisy_image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    assert not check_pattern(noisy_image, "bars").ok
    assert check_pattern(noisy_image, "bars", tolerance=20).ok


def test_vietnamese_diacritics_are_drawn() -> None:
    layout = pattern_layout(PatternKind.BARS, 1920, 1080)
    box = layout.text_boxes["name"]
    with_marks = np.asarray(render_pattern("bars", 1920, 1080, "Phòng họp Tỉnh ủy", NOW))
    without = np.asarray(render_pattern("bars", 1920, 1080, "Phong hop Tinh uy", NOW))
    a = with_marks[box.y0 : box.y1, box.x0 : box.x1]
    b = without[box.y0 : box.y1, box.x0 : box.x1]
    assert not np.array_equal(a, b)
    # Outside the text boxes the two images are the same pixels.
    assert np.array_equal(with_marks[: box.y0], without[: box.y0])


def test_render_is_deterministic_and_the_clock_moves() -> None:
    first = np.asarray(render_pattern("slate", 1280, 720, ROOM, NOW))
    again = np.asarray(render_pattern("slate", 1280, 720, ROOM, NOW))
    later = np.asarray(render_pattern("slate", 1280, 720, ROOM, NOW + timedelta(minutes=1)))
    assert np.array_equal(first, again)
    boxes = pattern_layout(PatternKind.SLATE, 1280, 720).text_boxes
    t, n = boxes["time"], boxes["name"]
    assert not np.array_equal(first[t.y0 : t.y1, t.x0 : t.x1], later[t.y0 : t.y1, t.x0 : t.x1])
    assert np.array_equal(first[n.y0 : n.y1, n.x0 : n.x1], later[n.y0 : n.y1, n.x0 : n.x1])


def test_slate_title_follows_language() -> None:
    vi = np.asarray(render_pattern("slate", 1280, 720, ROOM, NOW))
    en = np.asarray(render_pattern("slate", 1280, 720, ROOM, NOW, lang="en"))
    title = pattern_layout(PatternKind.SLATE, 1280, 720).text_boxes["title"]
    assert not np.array_equal(
        vi[title.y0 : title.y1, title.x0 : title.x1], en[title.y0 : title.y1, title.x0 : title.x1]
    )


def test_clock_text() -> None:
    assert format_clock(NOW) == "09:30 · Chủ Nhật, 22/11/2026"
    assert format_clock(NOW, "en") == "09:30 · Sunday, 22/11/2026"
    assert format_clock(NOW + timedelta(days=1), "vi").endswith("Thứ Hai, 23/11/2026")


def test_png_round_trip_is_lossless(tmp_path: Path) -> None:
    path = write_pattern_png(tmp_path / "bars.png", "bars", 1280, 720, ROOM, NOW)
    with Image.open(path) as loaded:
        assert loaded.format == "PNG"
        assert np.array_equal(
            np.asarray(loaded.convert("RGB")),
            np.asarray(render_pattern("bars", 1280, 720, ROOM, NOW)),
        )


def test_unknown_pattern_and_bad_size() -> None:
    with pytest.raises(NotSupportedError, match=r"unknown pattern 'checkerboard'.*bars, slate"):
        render_pattern("checkerboard", 1920, 1080, ROOM, NOW)
    with pytest.raises(ValueError, match="too small"):
        render_pattern("bars", 32, 32, ROOM, NOW)


def test_font_is_found_and_a_missing_font_names_the_package(tmp_path: Path) -> None:
    assert find_font().name == "DejaVuSans.ttf"
    assert find_font(bold=True).name == "DejaVuSans-Bold.ttf"
    with pytest.raises(DeviceUnavailableError, match="fonts-dejavu-core") as info:
        find_font(search_dirs=(tmp_path,), use_fc_match=False)
    assert info.value.operation == "render"
