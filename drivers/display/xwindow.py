"""X11 at the edge: outputs, our full-screen window for VLC, screenshots.

The only module that imports python-xlib (untyped) or grabs the screen. Everything here
blocks on the X connection; async callers run it in a thread.

Why our own window (PLATFORM.md Media 2a, Option A): without a window manager
``set_fullscreen(True)`` silently does nothing, so we create an override-redirect window
covering exactly the chosen output and hand its id to VLC, which scales into it.

Outputs: a room PC with two displays usually has one X screen spanning both, and RandR
1.5 *monitors* (``HDMI-1``, ``HDMI-2``) give each display's rectangle. A spec picks one:
``None``/``""`` (primary monitor, else the first), a monitor name, ``screen:N`` (all of
X screen N) or a geometry ``WxH+X+Y`` on the default screen.
"""

from __future__ import annotations

import gc
import logging
import re
import warnings
from dataclasses import dataclass
from typing import Any, Final

from PIL import Image, ImageGrab

from drivers.errors import DeviceUnavailableError

log = logging.getLogger(__name__)

_GEOMETRY_RE: Final = re.compile(r"^(\d+)x(\d+)([+-]\d+)([+-]\d+)$")
_SCREEN_RE: Final = re.compile(r"^screen:(\d+)$")
_DISPLAY_RE: Final = re.compile(r"^(?P<server>[^:]*:\d+)(?:\.(?P<screen>\d+))?$")


@dataclass(frozen=True)
class Geometry:
    """A rectangle in root-window coordinates of one X screen."""

    width: int
    height: int
    x: int
    y: int

    @classmethod
    def parse(cls, spec: str) -> Geometry:
        """``1920x1080+1920+0`` → Geometry; ValueError when malformed."""
        match = _GEOMETRY_RE.match(spec.strip())
        if match is None:
            raise ValueError(f"not a geometry WxH+X+Y: {spec!r}")
        w, h, x, y = (int(g) for g in match.groups())
        if w <= 0 or h <= 0:
            raise ValueError(f"empty geometry: {spec!r}")
        return cls(w, h, x, y)

    def __str__(self) -> str:
        return f"{self.width}x{self.height}+{self.x}+{self.y}"

    def within(self, width: int, height: int) -> bool:
        return (
            self.x >= 0
            and self.y >= 0
            and self.x + self.width <= width
            and self.y + self.height <= height
        )


@dataclass(frozen=True)
class Output:
    """One place VLC can fill: a RandR monitor, a whole X screen, or a given rectangle."""

    name: str
    screen: int
    geometry: Geometry
    primary: bool = False

    def describe(self) -> str:
        return f"{self.name} {self.geometry} (screen {self.screen})"


def server_of(xdisplay: str) -> str:
    """``:5.1`` → ``:5``: the X server part of a display name."""
    match = _DISPLAY_RE.match(xdisplay.strip())
    if match is None:
        raise ValueError(f"not an X display name: {xdisplay!r}")
    return match.group("server")


def screen_of(xdisplay: str) -> int:
    """``:5.1`` → 1 (0 when the name has no screen part)."""
    match = _DISPLAY_RE.match(xdisplay.strip())
    if match is None:
        raise ValueError(f"not an X display name: {xdisplay!r}")
    return int(match.group("screen") or 0)


def list_outputs(xdisplay: str, *, device_id: str = "display") -> list[Output]:
    """Every RandR monitor of every X screen, or the whole screen when RandR has none."""
    display = open_display(xdisplay, device_id=device_id)
    try:
        return _outputs(display)
    except _XLIB_ERRORS as exc:
        raise _unavailable(device_id, xdisplay, exc, "list_outputs") from exc
    finally:
        display.close()


def select_output(
    outputs: list[Output], spec: str | None, *, default_screen: int = 0, device_id: str = "display"
) -> Output:
    """Pick the output named by ``spec`` (see the module docstring)."""
    if not outputs:
        raise DeviceUnavailableError(device_id, "the X server reports no screen", operation="open")
    spec = (spec or "").strip()
    on_default = [o for o in outputs if o.screen == default_screen] or outputs
    if not spec:
        primary = [o for o in on_default if o.primary]
        return primary[0] if primary else on_default[0]
    screen_match = _SCREEN_RE.match(spec)
    if screen_match is not None:
        number = int(screen_match.group(1))
        sizes = _screen_sizes(outputs)
        if number not in sizes:
            raise DeviceUnavailableError(
                device_id,
                f"X screen {number} does not exist (screens: {sorted(sizes)})",
                operation="open",
            )
        width, height = sizes[number]
        return Output(f"screen:{number}", number, Geometry(width, height, 0, 0))
    try:
        geometry = Geometry.parse(spec)
    except ValueError:
        geometry = None
    if geometry is not None:
        width, height = _screen_sizes(outputs)[on_default[0].screen]
        if not geometry.within(width, height):
            raise DeviceUnavailableError(
                device_id,
                f"output {geometry} lies outside X screen {on_default[0].screen} "
                f"({width}x{height})",
                operation="open",
            )
        return Output(str(geometry), on_default[0].screen, geometry)
    for output in outputs:
        if output.name == spec:
            return output
    names = ", ".join(sorted({o.name for o in outputs}))
    raise DeviceUnavailableError(
        device_id, f"no display output named {spec!r} (outputs: {names})", operation="open"
    )


class FullscreenWindow:
    """Our override-redirect window covering one output; VLC draws into it."""

    def __init__(self, xdisplay: str, output: Output, *, device_id: str = "display") -> None:
        self.xdisplay = xdisplay
        self.output = output
        self.device_id = device_id
        self._display: Any = None
        self._window: Any = None

    @property
    def window_id(self) -> int:
        if self._window is None:
            raise DeviceUnavailableError(self.device_id, "window is not open", operation="show")
        return int(self._window.id)

    def open(self) -> int:
        """Create and map the window; returns its X id."""
        from Xlib import X

        display = open_display(self.xdisplay, device_id=self.device_id)
        try:
            screen = display.screen(self.output.screen)
            g = self.output.geometry
            window = screen.root.create_window(
                g.x, g.y, g.width, g.height, 0, screen.root_depth,
                X.InputOutput, X.CopyFromParent,
                background_pixel=screen.black_pixel, override_redirect=True,
            )  # fmt: skip
            window.set_wm_name("appliance-display")
            window.map()
            display.sync()
        except _XLIB_ERRORS as exc:
            display.close()
            raise _unavailable(self.device_id, self.xdisplay, exc, "open") from exc
        self._display, self._window = display, window
        log.debug("%s: window 0x%x on %s", self.device_id, window.id, self.output.describe())
        return int(window.id)

    def alive(self) -> bool:
        """One round trip to the X server: is it still there and is our window mapped?"""
        if self._window is None:
            return False
        try:
            return int(self._window.get_attributes().map_state) != 0
        except _XLIB_ERRORS as exc:
            log.debug("%s: X round trip failed: %s", self.device_id, exc)
            return False

    def close(self) -> None:
        """Destroy the window and close our connection (idempotent, never raises)."""
        display, window = self._display, self._window
        self._display = self._window = None
        if display is None:
            return
        try:
            window.destroy()
            display.sync()
        except _XLIB_ERRORS as exc:
            log.debug("%s: destroying the window: %s", self.device_id, exc)
        try:
            display.close()
        except _XLIB_ERRORS as exc:
            log.debug("%s: closing the X connection: %s", self.device_id, exc)


def screenshot(
    xdisplay: str, box: Geometry | None = None, *, device_id: str = "display"
) -> Image.Image:
    """The screen of ``xdisplay`` (or the part ``box``) as an RGB image (Pillow, ~22 ms at 1080p)."""
    bbox = None if box is None else (box.x, box.y, box.x + box.width, box.y + box.height)
    try:
        return ImageGrab.grab(bbox=bbox, xdisplay=xdisplay).convert("RGB")
    except OSError as exc:
        raise _unavailable(device_id, xdisplay, exc, "screenshot") from exc


def define_monitor(xdisplay: str, name: str, geometry: Geometry, *, primary: bool = False) -> None:
    """Declare a RandR 1.5 monitor (what ``xrandr --setmonitor`` does).

    The simulator uses it to give one wide Xvfb screen two named "HDMI" outputs, the
    way a dual-display room PC presents them. python-xlib's own ``set_monitor`` cannot
    pack its nested struct, hence the flat request below.
    """
    from Xlib.protocol import rq

    class _SetMonitor(rq.Request):  # type: ignore[misc]  # untyped base class
        _request = rq.Struct(
            rq.Card8("opcode"), rq.Opcode(43), rq.RequestLength(), rq.Window("window"),
            rq.Card32("name"), rq.Bool("primary"), rq.Bool("automatic"), rq.LengthOf("crtcs", 2),
            rq.Int16("x"), rq.Int16("y"), rq.Card16("width_in_pixels"),
            rq.Card16("height_in_pixels"), rq.Card32("width_in_millimeters"),
            rq.Card32("height_in_millimeters"), rq.List("crtcs", rq.Card32Obj),
        )  # fmt: skip

    display = open_display(xdisplay)
    try:
        _SetMonitor(
            display=display.display,
            opcode=display.display.get_extension_major("RANDR"),
            window=display.screen().root,
            name=display.intern_atom(name),
            primary=primary,
            automatic=False,
            x=geometry.x,
            y=geometry.y,
            width_in_pixels=geometry.width,
            height_in_pixels=geometry.height,
            width_in_millimeters=round(geometry.width * 0.265),
            height_in_millimeters=round(geometry.height * 0.265),
            crtcs=[],
        )
        display.sync()
    except _XLIB_ERRORS as exc:
        raise _unavailable("display", xdisplay, exc, "define_monitor") from exc
    finally:
        display.close()


def open_display(xdisplay: str, *, device_id: str = "display") -> Any:
    """An ``Xlib.display.Display``; any failure is a :class:`DeviceUnavailableError`."""
    from Xlib import display as xdisplay_mod

    with warnings.catch_warnings():
        # python-xlib does not close the sockets of a failed connect; its exception's
        # traceback holds them. Drop that here and collect, so they are closed now,
        # quietly, instead of as a ResourceWarning somewhere later.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return xdisplay_mod.Display(xdisplay)
        except _XLIB_ERRORS as exc:
            detail = str(exc).strip() or type(exc).__name__
        gc.collect()
    raise DeviceUnavailableError(
        device_id, f"X display {xdisplay} is not usable: {detail}", operation="open"
    )


# --- private helpers ---------------------------------------------------------------


def _xlib_errors() -> tuple[type[BaseException], ...]:
    from Xlib import error as xerror

    return (
        xerror.DisplayError,
        xerror.ConnectionClosedError,
        xerror.XError,
        xerror.XauthError,
        xerror.XNoAuthError,
        OSError,
        EOFError,
    )


_XLIB_ERRORS: Final = _xlib_errors()


def _unavailable(
    device_id: str, xdisplay: str, exc: BaseException, operation: str
) -> DeviceUnavailableError:
    detail = str(exc).strip() or type(exc).__name__
    return DeviceUnavailableError(
        device_id, f"X display {xdisplay} is not usable: {detail}", operation=operation
    )


def _screen_sizes(outputs: list[Output]) -> dict[int, tuple[int, int]]:
    return {
        o.screen: (o.geometry.width, o.geometry.height)
        for o in outputs
        if o.name == f"screen:{o.screen}"
    }


def _outputs(display: Any) -> list[Output]:
    outputs: list[Output] = []
    has_monitors = _randr_monitors_supported(display)
    for number in range(display.screen_count()):
        screen = display.screen(number)
        whole = Output(
            f"screen:{number}",
            number,
            Geometry(int(screen.width_in_pixels), int(screen.height_in_pixels), 0, 0),
        )
        monitors: list[Output] = []
        if has_monitors:
            reply = screen.root.xrandr_get_monitors(True)
            for m in reply.monitors:
                geometry = Geometry(
                    int(m.width_in_pixels), int(m.height_in_pixels), int(m.x), int(m.y)
                )
                name = str(display.get_atom_name(m.name))
                monitors.append(Output(name, number, geometry, bool(m.primary)))
        # The whole screen is always listed last, so "screen:N" sizes are known.
        outputs.extend(monitors)
        outputs.append(whole)
    return outputs


def _randr_monitors_supported(display: Any) -> bool:
    if not display.has_extension("RANDR"):
        return False
    version = display.xrandr_query_version()
    return (int(version.major_version), int(version.minor_version)) >= (1, 5)
