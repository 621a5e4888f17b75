"""``pattern_layout`` takes a pattern name as well as a ``PatternKind``, like the rest of
``drivers.display.pattern``: a plain ``"bars"`` gives the bars' layout (it used to compare
with ``is`` and fall through to the slate's), an unknown name is ``NotSupportedError``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from drivers.display.pattern import PatternKind, pattern_layout, render_pattern
from drivers.errors import NotSupportedError
from tests.display.conftest import NOW, ROOM


@pytest.mark.parametrize("kind", list(PatternKind))
@pytest.mark.parametrize("spelling", [str.lower, str.upper, lambda v: f"  {v}\n"])
def test_a_name_gives_the_same_layout_as_the_enum(
    kind: PatternKind, spelling: Callable[[str], str]
) -> None:
    name = spelling(str(kind.value))
    assert type(name) is str  # a plain string, not the StrEnum member
    by_name = pattern_layout(name, 1280, 720)
    assert by_name.kind is kind
    assert by_name == pattern_layout(kind, 1280, 720)


def test_the_layout_of_bars_by_name_matches_the_rendered_bars() -> None:
    image = np.asarray(render_pattern("bars", 1366, 768, ROOM, NOW))
    layout = pattern_layout("bars", 1366, 768)
    assert {"name", "time"} == set(layout.text_boxes)  # the slate would also have "title"
    assert any(p.name.startswith("bar.") for p in layout.patches)
    for patch in layout.patches:
        box = patch.box
        area = image[box.y0 : box.y1, box.x0 : box.x1].reshape(-1, 3)
        assert area.size > 0, patch.name
        assert (area == patch.rgb).all(), patch.name


@pytest.mark.parametrize("name", ["checkerboard", "", "bar", "PatternKind.BARS"])
def test_an_unknown_name_is_not_supported(name: str) -> None:
    with pytest.raises(NotSupportedError, match=r"unknown pattern .*\(known: bars, slate\)"):
        pattern_layout(name, 1920, 1080)


def test_size_is_still_checked_for_a_name() -> None:
    with pytest.raises(ValueError, match="too small"):
        pattern_layout("slate", 63, 48)
