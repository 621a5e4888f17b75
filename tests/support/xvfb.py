"""A throwaway X server for tests: ``start_xvfb`` / ``xvfb_screen`` and the ``xvfb`` fixture.

Use in a conftest.py:

    from tests.support.xvfb import xvfb

    __all__ = ["xvfb"]  # fixture, re-exported for pytest

- ``xvfb`` (module scope): an Xvfb 1920×1080 on a display number Xvfb picks itself
  (``-displayfd``, so parallel runs never clash), ``$DISPLAY`` and ``$XDG_RUNTIME_DIR``
  set for the module (libvlc opens its X connection from ``$DISPLAY``; a valid runtime
  dir silences its Wayland probe, PLATFORM.md Media 2a), stopped by PID afterwards.
- ``xvfb_screen(...)``: the same as a context manager, for other sizes, several X screens
  or named RandR outputs (``monitors=[("HDMI-1", "1920x1080+0+0"), ...]``).
- For a subprocess (e.g. ``appliance agent``), pass ``env=dict(os.environ, DISPLAY=display)``.

If Xvfb is missing the fixture FAILS with a message naming the Debian package ``xvfb``
(the project's rule: never skip for a missing part).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence

import pytest

from drivers.display.simulator import Xvfb
from drivers.display.xwindow import Geometry, define_monitor
from drivers.errors import DeviceError

DEFAULT_SCREENS: tuple[tuple[int, int], ...] = ((1920, 1080),)


def start_xvfb(screens: Sequence[tuple[int, int]] = DEFAULT_SCREENS) -> Xvfb:
    """Start an Xvfb, failing the test (not skipping) if that is impossible."""
    server = Xvfb(screens)
    try:
        server.start()
    except DeviceError as exc:
        server.stop()
        pytest.fail(f"cannot start the virtual X server: {exc}", pytrace=False)
    return server


@contextlib.contextmanager
def xvfb_screen(
    screens: Sequence[tuple[int, int]] = DEFAULT_SCREENS,
    *,
    monitors: Sequence[tuple[str, str]] = (),
    set_env: bool = True,
) -> Iterator[str]:
    """An Xvfb with optional named outputs; yields its display name (``:N``)."""
    server = start_xvfb(screens)
    runtime_dir = tempfile.mkdtemp(prefix="xdg-")  # mkdtemp makes it 0700, as XDG requires
    assert server.display is not None
    try:
        for index, (name, spec) in enumerate(monitors):
            define_monitor(server.display, name, Geometry.parse(spec), primary=index == 0)
        with pytest.MonkeyPatch.context() as patch:
            if set_env:
                patch.setenv("DISPLAY", server.display)
                patch.setenv("XDG_RUNTIME_DIR", runtime_dir)
            yield server.display
    finally:
        server.stop()
        shutil.rmtree(runtime_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    """A 1920×1080 virtual screen for the module; ``$DISPLAY`` points at it."""
    with xvfb_screen() as display:
        assert os.environ["DISPLAY"] == display
        yield display
