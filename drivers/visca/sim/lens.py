"""Zoom and focus commands of the simulated camera (VISCA.md §2.2 zoom/focus rows).

Variable speeds are p = 0 (slowest) … 7 (fastest); the fixed Tele/Wide/Far/Near use the
middle speed. Full optical travel takes the model's ``zoom_full_travel_s`` /
``focus_full_travel_s`` at speed 7. Focus runs from the far end (low values, ∞) to the
near end; manual focus commands while autofocus is on get Not Executable (EVI-D100).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from drivers.visca.sim.state import (
    NORMAL,
    NOT_EXECUTABLE,
    SYNTAX,
    Effect,
    Gate,
    Reject,
    unsigned_nibbles,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from drivers.visca.sim.types import SimulatedCamera

    Parsed = tuple[str, Gate, Callable[[float], Effect]]

ZOOM: Final = frozenset({"zoom"})
FOCUS: Final = frozenset({"focus"})
INSTANT: Final = Effect()
MAX_VARIABLE_SPEED: Final = 7
STANDARD_SPEED: Final = 3


# --- zoom and focus -----------------------------------------------------------------------


def travel_units_per_s(cam: SimulatedCamera, axis: str, speed: int) -> float:
    """Zoom/focus speed: full optical travel takes ``*_full_travel_s`` at speed 7."""
    profile = cam.profile
    low, high = profile.zoom_range if axis == "zoom" else profile.focus_range
    full_s = profile.zoom_full_travel_s if axis == "zoom" else profile.focus_full_travel_s
    return (high - low) / full_s * (speed + 1) / (MAX_VARIABLE_SPEED + 1)


def zoom_focus_drive(cam: SimulatedCamera, axis: str, value: int) -> Parsed:
    if value == 0x00:
        direction, speed = 0, 0
    elif value in (0x02, 0x03):
        direction, speed = (1 if value == 0x02 else -1), STANDARD_SPEED
    elif value >> 4 in (0x2, 0x3) and value & 0x0F <= MAX_VARIABLE_SPEED:
        direction, speed = (1 if value >> 4 == 0x2 else -1), value & 0x0F
    else:
        raise Reject(SYNTAX)
    if axis == "focus":
        direction = -direction  # Far (02/2p) runs towards the far end (low values)
    claims = ZOOM if axis == "zoom" else FOCUS

    def run(now: float) -> Effect:
        if axis == "focus" and cam.focus_auto and direction:
            raise Reject(NOT_EXECUTABLE)  # manual focus while in AF (EVI-D100)
        if direction == 0:
            cam.axes[axis].stop(now)
        else:
            cam.axes[axis].drive(now, direction, travel_units_per_s(cam, axis, speed))
        return Effect(claims=claims)

    name = f"CAM_{axis.capitalize()} {value:02X}"
    return name, NORMAL, run


def zoom_direct(cam: SimulatedCamera, data: bytes) -> Parsed:
    zoom = unsigned_nibbles(data[:4])
    high = cam.axes["zoom"].high
    if not cam.profile.zoom_range[0] <= zoom <= high:
        raise Reject(SYNTAX)
    focus = unsigned_nibbles(data[4:]) if len(data) == 8 else None
    if focus is not None and not cam.profile.focus_range[0] <= focus <= cam.profile.focus_range[1]:
        raise Reject(SYNTAX)

    def run(now: float) -> Effect:
        fastest = MAX_VARIABLE_SPEED
        cam.axes["zoom"].move_to(now, zoom, travel_units_per_s(cam, "zoom", fastest))
        axes = ZOOM
        if focus is not None and not cam.focus_auto:
            cam.axes["focus"].move_to(now, focus, travel_units_per_s(cam, "focus", fastest))
            axes = ZOOM | FOCUS
        return Effect(claims=axes, waits=axes)

    return "CAM_Zoom Direct" if focus is None else "CAM_ZoomFocus Direct", NORMAL, run


def focus_direct(cam: SimulatedCamera, data: bytes) -> Parsed:
    focus = unsigned_nibbles(data)
    if not cam.profile.focus_range[0] <= focus <= cam.profile.focus_range[1]:
        raise Reject(SYNTAX)

    def run(now: float) -> Effect:
        if cam.focus_auto:
            raise Reject(NOT_EXECUTABLE)
        speed = travel_units_per_s(cam, "focus", MAX_VARIABLE_SPEED)
        cam.axes["focus"].move_to(now, focus, speed)
        return Effect(claims=FOCUS, waits=FOCUS)

    return "CAM_Focus Direct", NORMAL, run


def focus_mode(cam: SimulatedCamera, value: int) -> Parsed:
    if value not in (0x02, 0x03, 0x10):
        raise Reject(SYNTAX)

    def run(now: float) -> Effect:
        auto = (not cam.focus_auto) if value == 0x10 else value == 0x02
        cam.set_focus_auto(now, auto)
        return Effect(claims=FOCUS)

    return f"CAM_Focus Mode {value:02X}", NORMAL, run


def focus_one_push(cam: SimulatedCamera, *, infinity: bool) -> Parsed:
    def run(now: float) -> Effect:
        if cam.focus_auto:
            if infinity:
                raise Reject(NOT_EXECUTABLE)
            return INSTANT  # AF is already focusing
        zoom = cam.axes["zoom"].position(now)
        target = cam.profile.focus_range[0] if infinity else cam.ideal_focus(zoom)
        speed = travel_units_per_s(cam, "focus", MAX_VARIABLE_SPEED)
        cam.axes["focus"].move_to(now, target, speed)
        return Effect(claims=FOCUS, waits=FOCUS)

    return "CAM_Focus Infinity" if infinity else "CAM_Focus OnePushAF", NORMAL, run


def digital_zoom(cam: SimulatedCamera, value: int) -> Parsed:
    if value not in (0x02, 0x03):
        raise Reject(SYNTAX)

    def run(now: float) -> Effect:
        cam.settings.modes[b"\x04\x06"] = value
        high = cam.profile.zoom_range[1]
        if value == 0x02 and cam.profile.digital_zoom_max:
            high = cam.profile.digital_zoom_max
        zoom = cam.axes["zoom"]
        zoom.set_range(now, zoom.low, float(high))
        if zoom.position(now) > high:
            zoom.stop(now)
            zoom.pos0 = float(high)
        return INSTANT

    return "CAM_DZoom", NORMAL, run
