"""Commands (``8x 01 … FF``) of the simulated camera: parse, validate, execute.

:func:`parse_command` looks at the message (bytes after ``8x 01``), raises
``Reject(SYNTAX)`` for an unknown command or an illegal parameter (VISCA.md §1.2), and
otherwise returns the command's name, its :class:`Gate` and a function that runs it at
a given instant (the camera first checks sockets and state). Byte layouts are VISCA.md
§2.2 (shared docs). Conventions: pan right / tilt up are positive units; focus runs from
the profile's far end (low) to its near end (high).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from drivers.visca.sim.lens import (
    FOCUS,
    INSTANT,
    MAX_VARIABLE_SPEED,
    ZOOM,
    digital_zoom,
    focus_direct,
    focus_mode,
    focus_one_push,
    travel_units_per_s,
    zoom_direct,
    zoom_focus_drive,
)
from drivers.visca.sim.state import (
    ALWAYS,
    NORMAL,
    NOT_EXECUTABLE,
    SYNTAX,
    Effect,
    Gate,
    Preset,
    Reject,
    signed_nibbles,
)

if TYPE_CHECKING:
    from drivers.visca.sim.types import SimulatedCamera

Exec = Callable[[float], Effect]
Parsed = tuple[str, Gate, Exec]

PT: Final = frozenset({"pan", "tilt"})
PRESET_OSD_TOGGLE: Final = 0x5F  # PTZOptics: recalling 95 toggles the OSD (VISCA.md §2.3)
_DIRECTION: Final = {0x01: -1, 0x02: 1, 0x03: 0}  # PanDir LEFT/RIGHT/STOP; TiltDir UP=1 below
_TILT_DIRECTION: Final = {0x01: 1, 0x02: -1, 0x03: 0}
# Pan-tilt operations (8x 01 06 op …): drive, absolute, relative, home, reset, limit.
_PAN_TILT_OPS: Final = frozenset({0x01, 0x02, 0x03, 0x04, 0x05, 0x07})
MAX_PRESET_SPEED: Final = 0x19  # preset speeds 01–19h (BRC-X400, VISCA.md §2.2)


def parse_command(cam: SimulatedCamera, msg: bytes) -> Parsed:
    """Parse ``msg`` (bytes after ``8x 01``) for ``cam``; raise ``Reject`` when illegal."""
    if len(msg) < 2:
        raise Reject(SYNTAX)
    head = msg[:2]
    if head == b"\x04\x00" and len(msg) == 3:
        return _power(cam, msg[2])
    if head == b"\x06\x06" and msg[2:] == b"\x03":
        return "SYS_Menu Off", ALWAYS, _menu_off(cam)
    if head[0] == 0x06 and head[1] in _PAN_TILT_OPS:  # 06 06/08/44: menu, IR, slow mode
        return _pan_tilt(cam, msg)
    if head in (b"\x04\x07", b"\x04\x08") and len(msg) == 3:
        return zoom_focus_drive(cam, "zoom" if head[1] == 0x07 else "focus", msg[2])
    if head == b"\x04\x47" and len(msg) in (6, 10):
        return zoom_direct(cam, msg[2:])
    if head == b"\x04\x48" and len(msg) == 6:
        return focus_direct(cam, msg[2:])
    if head == b"\x04\x38" and len(msg) == 3:
        return focus_mode(cam, msg[2])
    if head == b"\x04\x18" and len(msg) == 3 and msg[2] in (0x01, 0x02):
        return focus_one_push(cam, infinity=msg[2] == 0x02)
    if head == b"\x04\x06" and len(msg) == 3:
        return digital_zoom(cam, msg[2])
    if head == b"\x04\x10" and msg[2:] == b"\x05":
        return "CAM_WB OnePushTrigger", NORMAL, _wb_one_push(cam)
    if head == b"\x04\x3f" and len(msg) == 4:
        return _memory(cam, msg[2], msg[3])
    if msg[:3] == b"\x0a\x04\x68" and len(msg) == 4 and msg[3] in (0x02, 0x03):
        # PTZOptics focus lock 81 0A 04 68 0p (PTZO-MOD focus.ts); only PTZOptics
        # profiles route class 0A here.
        lock = msg[3] == 0x02
        return (
            "PTZOptics FocusLock",
            NORMAL,
            _set(lambda: setattr(cam.settings, "focus_lock", lock)),
        )
    if head in (b"\x7e\x04", b"\x7e\x01") and len(msg) >= 4 and msg[2] in (0x1B, 0x1C, 0x0B):
        return _preset_speed(cam, msg)
    if msg in (b"\x06\x06\x04", b"\x06\x06\x05") and cam.profile.preset_95_toggles_osd:
        return "PTZOptics OSD key", ALWAYS, lambda now: INSTANT  # OSD back / enter
    action = cam.settings.command(msg)
    if action is None:
        raise Reject(SYNTAX)

    def run_setting(now: float) -> Effect:
        action()
        return INSTANT

    return f"setting {msg[:3].hex(' ')}", NORMAL, run_setting


# --- power, menu, white balance -------------------------------------------------------


def _power(cam: SimulatedCamera, value: int) -> Parsed:
    if value not in (0x02, 0x03):
        raise Reject(SYNTAX)
    on = value == 0x02

    def run(now: float) -> Effect:
        if on == cam.power:
            return INSTANT  # already there: accepted and completed at once
        cam.set_power(on)
        for axis in cam.axes.values():
            axis.stop(now)
        cam.hold(now, cam.power_transition_s)
        return Effect(hold_s=cam.power_transition_s)

    return f"CAM_Power {'On' if on else 'Off'}", Gate(when_off=True, when_menu=True), run


def _menu_off(cam: SimulatedCamera) -> Exec:
    def run(now: float) -> Effect:
        cam.menu_open = False
        return INSTANT

    return run


def _wb_one_push(cam: SimulatedCamera) -> Exec:
    def run(now: float) -> Effect:
        if cam.settings.mode(b"\x04\x35") != 0x03:  # only in One Push WB mode
            raise Reject(NOT_EXECUTABLE)
        # After its ACK every command gets Not Executable until it ends (SRG-120DH).
        cam.hold(now, cam.one_push_wb_s)
        return Effect(hold_s=cam.one_push_wb_s)

    return run


# --- pan-tilt ---------------------------------------------------------------------------


def _pan_tilt(cam: SimulatedCamera, msg: bytes) -> Parsed:
    op = msg[1]
    if op == 0x01 and len(msg) == 6:
        return _drive(cam, msg[2], msg[3], msg[4], msg[5])
    if op in (0x02, 0x03):
        return _move(cam, msg, relative=op == 0x03)
    if op == 0x04 and len(msg) == 2:
        return "Pan-tiltHome", NORMAL, _home(cam, extra_s=0.0)
    if op == 0x05 and len(msg) == 2:
        return "Pan-tiltReset", NORMAL, _home(cam, extra_s=cam.pan_tilt_reset_s)
    if op == 0x07 and len(msg) >= 4:
        return _limit(cam, msg)
    raise Reject(SYNTAX)


def _speed(cam: SimulatedCamera, value: int, maximum: int) -> int:
    if value == 0:
        if cam.strict:  # Sony answers 90 60 02 FF to speed 00 (obs-ptz#40)
            raise Reject(SYNTAX)
        return 1
    if value > maximum:
        raise Reject(SYNTAX)
    return value


def pan_units_per_s(cam: SimulatedCamera, speed: int) -> float:
    return cam.profile.pan_deg_per_s_at(speed) * cam.profile.units_per_degree_pan


def tilt_units_per_s(cam: SimulatedCamera, speed: int) -> float:
    return cam.profile.tilt_deg_per_s_at(speed) * cam.profile.units_per_degree_tilt


def _drive(cam: SimulatedCamera, vv: int, ww: int, xx: int, yy: int) -> Parsed:
    pan_speed = _speed(cam, vv, cam.profile.max_pan_speed)
    tilt_speed = _speed(cam, ww, cam.profile.max_tilt_speed)
    if xx not in _DIRECTION or yy not in _TILT_DIRECTION:
        raise Reject(SYNTAX)

    def run(now: float) -> Effect:
        cam.axes["pan"].drive(now, _DIRECTION[xx], pan_units_per_s(cam, pan_speed))
        cam.axes["tilt"].drive(now, _TILT_DIRECTION[yy], tilt_units_per_s(cam, tilt_speed))
        return Effect(claims=PT)  # a drive completes at once and keeps moving

    return f"Pan-tiltDrive {xx:02X}{yy:02X}", NORMAL, run


def _move(cam: SimulatedCamera, msg: bytes, *, relative: bool) -> Parsed:
    profile = cam.profile
    pn, tn = profile.pan_nibbles, profile.tilt_nibbles
    if len(msg) != 4 + pn + tn:
        raise Reject(SYNTAX)
    pan_speed = _speed(cam, msg[2], profile.max_pan_speed)
    if msg[3] == 0x00 and profile.absolute_single_speed:
        tilt_speed = min(pan_speed, profile.max_tilt_speed)  # "VV 00": one speed for both
    else:
        tilt_speed = _speed(cam, msg[3], profile.max_tilt_speed)
    pan = signed_nibbles(msg[4 : 4 + pn])
    tilt = signed_nibbles(msg[4 + pn :])
    if not relative and not (
        profile.pan_range[0] <= pan <= profile.pan_range[1]
        and profile.tilt_range[0] <= tilt <= profile.tilt_range[1]
    ):
        raise Reject(SYNTAX)  # an illegal parameter is a syntax error (VISCA.md §1.2)

    def run(now: float) -> Effect:
        pan_axis, tilt_axis = cam.axes["pan"], cam.axes["tilt"]
        base_pan = pan_axis.position(now) if relative else 0.0
        base_tilt = tilt_axis.position(now) if relative else 0.0
        pan_axis.move_to(now, base_pan + pan, pan_units_per_s(cam, pan_speed))
        tilt_axis.move_to(now, base_tilt + tilt, tilt_units_per_s(cam, tilt_speed))
        return Effect(claims=PT, waits=PT)

    name = "Pan-tiltRelativePosition" if relative else "Pan-tiltAbsolutePosition"
    return name, NORMAL, run


def _home(cam: SimulatedCamera, *, extra_s: float) -> Exec:
    def run(now: float) -> Effect:
        pan_speed = pan_units_per_s(cam, cam.profile.max_pan_speed)
        tilt_speed = tilt_units_per_s(cam, cam.profile.max_tilt_speed)
        cam.axes["pan"].move_to(now, 0.0, pan_speed)
        cam.axes["tilt"].move_to(now, 0.0, tilt_speed)
        return Effect(claims=PT, waits=PT, hold_s=extra_s)

    return run


def _limit(cam: SimulatedCamera, msg: bytes) -> Parsed:
    profile = cam.profile
    pn, tn = profile.pan_nibbles, profile.tilt_nibbles
    action, corner = msg[2], msg[3]
    if len(msg) != 4 + pn + tn or action not in (0x00, 0x01) or corner not in (0x00, 0x01):
        raise Reject(SYNTAX)
    pan, tilt = signed_nibbles(msg[4 : 4 + pn]), signed_nibbles(msg[4 + pn :])
    up_right = corner == 0x01
    if action == 0x00 and not (
        profile.pan_range[0] <= pan <= profile.pan_range[1]
        and profile.tilt_range[0] <= tilt <= profile.tilt_range[1]
    ):
        raise Reject(SYNTAX)

    def run(now: float) -> Effect:
        for name, value, bounds in (
            ("pan", pan, profile.pan_range),
            ("tilt", tilt, profile.tilt_range),
        ):
            axis = cam.axes[name]
            low, high = axis.low, axis.high
            if action == 0x01:  # clear: back to the mechanical end
                value = bounds[1] if up_right else bounds[0]
            if up_right:
                axis.set_range(now, low, max(float(value), low))
            else:
                axis.set_range(now, min(float(value), high), high)
        return INSTANT

    return f"Pan-tiltLimit{'Clear' if action else 'Set'}", NORMAL, run


# --- presets ------------------------------------------------------------------------------


def _preset_speed(cam: SimulatedCamera, msg: bytes) -> Parsed:
    # Select 7E 04 1B 0p (0 compatible, 1 separate, 2 common); common 7E 04 1C 0p 0q;
    # separate 7E 01 0B pp qq (BRC-X400 preset speed rows, VISCA.md §2.2).
    settings = cam.settings
    if msg[:3] == b"\x7e\x04\x1b" and len(msg) == 4 and msg[3] <= 0x02:
        mode = msg[3]
        return (
            "PresetSpeedSelect",
            NORMAL,
            _set(lambda: setattr(settings, "preset_speed_mode", mode)),
        )
    if msg[:3] == b"\x7e\x04\x1c" and len(msg) == 5 and max(msg[3:]) <= 0x0F:
        speed = _preset_speed_value((msg[3] << 4) | msg[4])
        return (
            "PresetSpeedCommon",
            NORMAL,
            _set(lambda: setattr(settings, "preset_speed_common", speed)),
        )
    if msg[:3] == b"\x7e\x01\x0b" and len(msg) == 5:
        number, speed = msg[3], _preset_speed_value(msg[4])
        return (
            "PresetSpeedSeparate",
            NORMAL,
            _set(lambda: settings.preset_speeds.__setitem__(number, speed)),
        )
    raise Reject(SYNTAX)


def _preset_speed_value(speed: int) -> int:
    if not 1 <= speed <= MAX_PRESET_SPEED:
        raise Reject(SYNTAX)
    return speed


def _set(action: Callable[[], object]) -> Exec:
    def run(now: float) -> Effect:
        action()
        return INSTANT

    return run


def preset_deg_per_s(cam: SimulatedCamera, number: int) -> float:
    """Recall speed: the model's own, or the common / per-preset speed chosen over VISCA."""
    settings = cam.settings
    if settings.preset_speed_mode == 0:
        return cam.profile.preset_deg_per_s
    speed = settings.preset_speed_common
    if settings.preset_speed_mode == 1:
        speed = settings.preset_speeds.get(number, MAX_PRESET_SPEED)
    # Geometric from the slowest pan speed to the model's preset speed (Sony's tables rise
    # roughly geometrically, as models.py notes for pan speeds).
    low, high = cam.profile.pan_deg_per_s_range[0], cam.profile.preset_deg_per_s
    return float(low * (high / low) ** ((speed - 1) / (MAX_PRESET_SPEED - 1)))


def _memory(cam: SimulatedCamera, action: int, number: int) -> Parsed:
    profile = cam.profile
    low, high = profile.preset_range
    if action not in (0x00, 0x01, 0x02) or not low <= number <= high:
        raise Reject(SYNTAX)
    if profile.preset_encoding == "0p" and number > 0x0F:
        raise Reject(SYNTAX)
    osd_toggle = profile.preset_95_toggles_osd and number == PRESET_OSD_TOGGLE and action == 0x02
    if number in profile.reserved_presets and not osd_toggle:
        raise Reject(SYNTAX)
    name = ("CAM_Memory Reset", "CAM_Memory Set", "CAM_Memory Recall")[action]

    def run(now: float) -> Effect:
        if osd_toggle:
            cam.menu_open = not cam.menu_open
            return INSTANT
        cam.last_preset = number
        if action == 0x00:
            cam.presets.pop(number, None)
            return INSTANT
        if action == 0x01:
            cam.presets[number] = cam.snapshot_preset(now)
            return INSTANT
        return cam.recall(now, cam.presets.get(number), preset_deg_per_s(cam, number))

    return f"{name} {number}", Gate(when_menu=osd_toggle), run


def recall_effect(
    cam: SimulatedCamera, now: float, preset: Preset | None, degrees_per_s: float
) -> Effect:
    """Move every axis to ``preset`` (home and wide when never stored)."""
    target = preset or Preset(
        pan=0.0,
        tilt=0.0,
        zoom=float(cam.profile.zoom_range[0]),
        focus=cam.ideal_focus(cam.profile.zoom_range[0]),
        focus_auto=True,
    )
    offset = cam.faults.preset_offset or (0, 0)
    cam.axes["pan"].move_to(
        now, target.pan + offset[0], degrees_per_s * cam.profile.units_per_degree_pan
    )
    cam.axes["tilt"].move_to(
        now, target.tilt + offset[1], degrees_per_s * cam.profile.units_per_degree_tilt
    )
    cam.axes["zoom"].move_to(now, target.zoom, travel_units_per_s(cam, "zoom", MAX_VARIABLE_SPEED))
    axes = PT | ZOOM
    cam.set_focus_auto(now, target.focus_auto)
    if not target.focus_auto:
        speed = travel_units_per_s(cam, "focus", MAX_VARIABLE_SPEED)
        cam.axes["focus"].move_to(now, target.focus, speed)
        axes = axes | FOCUS
    return Effect(claims=axes | FOCUS, waits=axes)
