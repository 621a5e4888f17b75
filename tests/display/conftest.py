"""Display tests: a virtual room screen (Xvfb) with two named HDMI outputs and a second X screen.

``room_screen`` (module scope): X screen 0 is 3840×1080 and carries two RandR monitors,
``HDMI-1`` (left, primary) and ``HDMI-2`` (right), the way a dual-display room PC shows
them; X screen 1 is 1280×720. ``$DISPLAY`` points at it for the module.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from PIL import Image

from drivers.display.xwindow import Geometry, screenshot
from tests.support.xvfb import xvfb_screen

ICT = timezone(timedelta(hours=7))  # Vietnam
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=ICT)
ROOM = "Điểm cầu UBND huyện Mường Tè"
SHOW_WAIT_S = 5.0  # from "VLC has a picture" to the pixels on screen: 0.1-0.5 s here

LEFT = Geometry(1920, 1080, 0, 0)
RIGHT = Geometry(1920, 1080, 1920, 0)


@pytest.fixture(scope="module")
def room_screen() -> Iterator[str]:
    with xvfb_screen(
        ((3840, 1080), (1280, 720)),
        monitors=[("HDMI-1", str(LEFT)), ("HDMI-2", str(RIGHT))],
    ) as display:
        yield display


def fixed_clock() -> datetime:
    return NOW


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


async def poll_until(predicate: Callable[[], bool], timeout_s: float, step_s: float = 0.05) -> bool:
    """True as soon as ``predicate()`` is; False after ``timeout_s``."""
    for _ in range(max(1, round(timeout_s / step_s))):
        if predicate():
            return True
        await asyncio.sleep(step_s)
    return predicate()


async def wait_for_picture(
    xdisplay: str, expected: Image.Image, box: Geometry, timeout_s: float = SHOW_WAIT_S
) -> np.ndarray:
    """Poll screenshots of ``box`` until they equal ``expected``; return the last one."""
    want = pixels(expected)
    deadline = time.monotonic() + timeout_s
    while True:
        shot = pixels(await asyncio.to_thread(screenshot, xdisplay, box))
        if shot.shape == want.shape and np.array_equal(shot, want):
            return shot
        if time.monotonic() > deadline:
            return shot
        await asyncio.sleep(0.05)
