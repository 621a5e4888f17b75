"""Command builders for power, pan-tilt, zoom, focus, memory, system and interface.

Each function returns a :class:`Request`; the bytes are those of ``VISCA.md`` §2.2
(shared docs) and the comments name the row. Arguments are checked here, against what
the wire format can carry; model limits (ranges, max speeds) live in ``models.py``.
"""

from __future__ import annotations

from ._core import (
    CAT_CAMERA,
    CAT_PAN_TILT,
    AFMode,
    AFSensitivity,
    FocusMode,
    LimitCorner,
    PanDir,
    Request,
    TiltDir,
    check_range,
    command,
    nibbles,
    on_off,
)

# Pan-tilt speed byte: starts at 01; 00 is a syntax error on strict Sony cameras, even for
# a stopped axis (VISCA.md §2.1, glikely/obs-ptz#40). Up to 32h only in BRC-X1000
# "Extd. Step" mode (VISCA.md §2.6); a model's usual limit (18h/17h/14h) is in models.py.
MIN_PT_SPEED = 0x01
MAX_PT_SPEED = 0x32
MAX_ZOOM_FOCUS_SPEED = 0x07  # variable zoom/focus speed p = 0 (slow) … 7 (fast)
POSITION_NIBBLES = (4, 5)


# --- power ---------------------------------------------------------------------------


def power(on: bool) -> Request:
    """CAM_Power ``8x 01 04 00 0p FF`` (2 on, 3 standby)."""
    return command("CAM_Power", CAT_CAMERA, 0x00, on_off(on))


# --- pan-tilt ------------------------------------------------------------------------


def _pt_speed(what: str, speed: int) -> int:
    if speed == 0:
        raise ValueError(
            f"{what} 00 is not a valid pan-tilt speed (Sony answers syntax error); use 01–{MAX_PT_SPEED:02X}"
        )
    return check_range(what, speed, MIN_PT_SPEED, MAX_PT_SPEED)


def pan_tilt_drive(pan_dir: PanDir, tilt_dir: TiltDir, pan_speed: int, tilt_speed: int) -> Request:
    """Pan-tiltDrive ``8x 01 06 01 VV WW XX YY FF``; all nine directions incl. stop."""
    pan_dir = PanDir(pan_dir)
    tilt_dir = TiltDir(tilt_dir)
    return command(
        f"Pan-tiltDrive {pan_dir.name}/{tilt_dir.name}",
        CAT_PAN_TILT,
        0x01,
        _pt_speed("pan speed", pan_speed),
        _pt_speed("tilt speed", tilt_speed),
        int(pan_dir),
        int(tilt_dir),
    )


def pan_tilt_stop(pan_speed: int = MIN_PT_SPEED, tilt_speed: int = MIN_PT_SPEED) -> Request:
    """Pan-tiltDrive stop ``8x 01 06 01 VV WW 03 03 FF`` (speeds stay ≥ 01, obs-ptz#40)."""
    return pan_tilt_drive(PanDir.STOP, TiltDir.STOP, pan_speed, tilt_speed)


def _position(what: str, value: int, count: int) -> bytes:
    if count not in POSITION_NIBBLES:
        raise ValueError(f"{what} nibbles must be 4 or 5, got {count}")
    try:
        return nibbles(value, count, signed=True)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None


def _pan_tilt_move(
    name: str,
    code: int,
    pan: int,
    tilt: int,
    pan_speed: int,
    tilt_speed: int | None,
    pan_nibbles: int,
    tilt_nibbles: int,
) -> Request:
    # tilt_speed None = the single-speed form "VV 00" (BRC-X400, SRG-X400, SRG-360SHE):
    # one speed for both axes and 00 in the WW byte (VISCA.md §2.2 rows "single-speed form",
    # "5-nibble pan").
    ww = 0x00 if tilt_speed is None else _pt_speed("tilt speed", tilt_speed)
    return command(
        name,
        CAT_PAN_TILT,
        code,
        _pt_speed("pan speed", pan_speed),
        ww,
        _position("pan", pan, pan_nibbles),
        _position("tilt", tilt, tilt_nibbles),
    )


def pan_tilt_absolute(
    pan: int,
    tilt: int,
    pan_speed: int,
    tilt_speed: int | None,
    pan_nibbles: int = 4,
    tilt_nibbles: int = 4,
) -> Request:
    """AbsolutePosition ``8x 01 06 02 VV WW 0Y… 0Z… FF``; signed positions in units.

    ``pan_nibbles``/``tilt_nibbles``: 4+4 (most), 5+4 (BRC-X1000), 5+5 (SRG-360SHE).
    ``tilt_speed=None`` gives the single-speed form with ``WW`` = 00.
    """
    return _pan_tilt_move(
        "Pan-tiltAbsolutePosition",
        0x02,
        pan,
        tilt,
        pan_speed,
        tilt_speed,
        pan_nibbles,
        tilt_nibbles,
    )


def pan_tilt_relative(
    pan: int,
    tilt: int,
    pan_speed: int,
    tilt_speed: int | None,
    pan_nibbles: int = 4,
    tilt_nibbles: int = 4,
) -> Request:
    """RelativePosition ``8x 01 06 03 VV WW 0Y… 0Z… FF``; signed offsets in units."""
    return _pan_tilt_move(
        "Pan-tiltRelativePosition",
        0x03,
        pan,
        tilt,
        pan_speed,
        tilt_speed,
        pan_nibbles,
        tilt_nibbles,
    )


def pan_tilt_home() -> Request:
    """Pan-tiltHome ``8x 01 06 04 FF``."""
    return command("Pan-tiltHome", CAT_PAN_TILT, 0x04)


def pan_tilt_reset() -> Request:
    """Pan-tiltReset ``8x 01 06 05 FF`` (mechanical re-initialisation)."""
    return command("Pan-tiltReset", CAT_PAN_TILT, 0x05)


def pan_tilt_limit_set(
    corner: LimitCorner, pan: int, tilt: int, pan_nibbles: int = 4, tilt_nibbles: int = 4
) -> Request:
    """Pan-tiltLimitSet ``8x 01 06 07 00 0W 0Y… 0Z… FF`` (W 1 UpRight, 0 DownLeft).

    5+5 nibbles on the SRG-360SHE (SONY-HTML Sony_SRG-360SHE.html).
    """
    corner = LimitCorner(corner)
    return command(
        f"Pan-tiltLimitSet {corner.name}",
        CAT_PAN_TILT,
        0x07,
        0x00,
        int(corner),
        _position("pan", pan, pan_nibbles),
        _position("tilt", tilt, tilt_nibbles),
    )


def pan_tilt_limit_clear(
    corner: LimitCorner, pan_nibbles: int = 4, tilt_nibbles: int = 4
) -> Request:
    """Pan-tiltLimitClear ``8x 01 06 07 01 0W 07 0F 0F 0F 07 0F 0F 0F FF`` (position 7FFF;
    7FFFF in 5-nibble form, SRG-360SHE)."""
    corner = LimitCorner(corner)
    return command(
        f"Pan-tiltLimitClear {corner.name}",
        CAT_PAN_TILT,
        0x07,
        0x01,
        int(corner),
        _position("pan", (1 << (4 * pan_nibbles - 1)) - 1, pan_nibbles),
        _position("tilt", (1 << (4 * tilt_nibbles - 1)) - 1, tilt_nibbles),
    )


# --- zoom ----------------------------------------------------------------------------


def _variable(what: str, fixed: int, variable_base: int, speed: int | None) -> int:
    # Standard form 02/03; variable form 2p/3p with p 0–7 (VISCA.md §2.1, §2.2).
    if speed is None:
        return fixed
    return variable_base | check_range(f"{what} speed", speed, 0, MAX_ZOOM_FOCUS_SPEED)


def zoom_stop() -> Request:
    """CAM_Zoom Stop ``8x 01 04 07 00 FF``."""
    return command("CAM_Zoom Stop", CAT_CAMERA, 0x07, 0x00)


def zoom_tele(speed: int | None = None) -> Request:
    """CAM_Zoom Tele ``…07 02 FF`` or Tele(variable) ``…07 2p FF`` (p 0–7)."""
    return command("CAM_Zoom Tele", CAT_CAMERA, 0x07, _variable("zoom", 0x02, 0x20, speed))


def zoom_wide(speed: int | None = None) -> Request:
    """CAM_Zoom Wide ``…07 03 FF`` or Wide(variable) ``…07 3p FF`` (p 0–7)."""
    return command("CAM_Zoom Wide", CAT_CAMERA, 0x07, _variable("zoom", 0x03, 0x30, speed))


def zoom_direct(pos: int) -> Request:
    """CAM_Zoom Direct ``8x 01 04 47 0p 0q 0r 0s FF`` (0000 wide … model max)."""
    check_range("zoom position", pos, 0, 0xFFFF)
    return command("CAM_Zoom Direct", CAT_CAMERA, 0x47, nibbles(pos, 4, signed=False))


def zoom_focus_direct(zoom: int, focus: int) -> Request:
    """CAM_ZoomFocus Direct ``8x 01 04 47 0p0q0r0s 0t0u0v0w FF``."""
    check_range("zoom position", zoom, 0, 0xFFFF)
    check_range("focus position", focus, 0, 0xFFFF)
    return command(
        "CAM_ZoomFocus Direct",
        CAT_CAMERA,
        0x47,
        nibbles(zoom, 4, signed=False),
        nibbles(focus, 4, signed=False),
    )


def digital_zoom(on: bool) -> Request:
    """CAM_DZoom ``8x 01 04 06 0p FF`` (2 on, 3 off)."""
    return command("CAM_DZoom", CAT_CAMERA, 0x06, on_off(on))


# --- focus ---------------------------------------------------------------------------


def focus_stop() -> Request:
    """CAM_Focus Stop ``8x 01 04 08 00 FF``."""
    return command("CAM_Focus Stop", CAT_CAMERA, 0x08, 0x00)


def focus_far(speed: int | None = None) -> Request:
    """CAM_Focus Far ``…08 02 FF`` or Far(variable) ``…08 2p FF``."""
    return command("CAM_Focus Far", CAT_CAMERA, 0x08, _variable("focus", 0x02, 0x20, speed))


def focus_near(speed: int | None = None) -> Request:
    """CAM_Focus Near ``…08 03 FF`` or Near(variable) ``…08 3p FF``."""
    return command("CAM_Focus Near", CAT_CAMERA, 0x08, _variable("focus", 0x03, 0x30, speed))


def focus_direct(pos: int) -> Request:
    """CAM_Focus Direct ``8x 01 04 48 0p 0q 0r 0s FF``."""
    check_range("focus position", pos, 0, 0xFFFF)
    return command("CAM_Focus Direct", CAT_CAMERA, 0x48, nibbles(pos, 4, signed=False))


def focus_mode(mode: FocusMode) -> Request:
    """CAM_Focus mode ``8x 01 04 38 pp FF`` (02 auto, 03 manual, 10 toggle)."""
    mode = FocusMode(mode)
    return command(f"CAM_Focus {mode.name}", CAT_CAMERA, 0x38, int(mode))


def focus_auto(on: bool) -> Request:
    """Auto focus on (``38 02``) or manual (``38 03``)."""
    return focus_mode(FocusMode.AUTO if on else FocusMode.MANUAL)


def focus_toggle() -> Request:
    """Auto/manual toggle ``8x 01 04 38 10 FF``."""
    return focus_mode(FocusMode.TOGGLE)


def focus_one_push() -> Request:
    """CAM_Focus One Push Trigger ``8x 01 04 18 01 FF``."""
    return command("CAM_Focus OnePushTrigger", CAT_CAMERA, 0x18, 0x01)


def focus_infinity() -> Request:
    """CAM_Focus Infinity ``8x 01 04 18 02 FF``."""
    return command("CAM_Focus Infinity", CAT_CAMERA, 0x18, 0x02)


def focus_near_limit(pos: int) -> Request:
    """CAM_Focus NearLimit ``8x 01 04 28 0p 0q 0r 0s FF``."""
    check_range("focus near limit", pos, 0, 0xFFFF)
    return command("CAM_Focus NearLimit", CAT_CAMERA, 0x28, nibbles(pos, 4, signed=False))


def af_sensitivity(level: AFSensitivity) -> Request:
    """CAM_AFSensitivity ``8x 01 04 58 0p FF`` (2 normal, 3 low)."""
    level = AFSensitivity(level)
    return command(f"CAM_AFSensitivity {level.name}", CAT_CAMERA, 0x58, int(level))


def af_mode(mode: AFMode) -> Request:
    """CAM_AFMode ``8x 01 04 57 0p FF`` (0 normal, 1 interval, 2 zoom trigger)."""
    mode = AFMode(mode)
    return command(f"CAM_AFMode {mode.name}", CAT_CAMERA, 0x57, int(mode))


__all__ = [
    "MAX_PT_SPEED",
    "MAX_ZOOM_FOCUS_SPEED",
    "MIN_PT_SPEED",
    "af_mode",
    "af_sensitivity",
    "digital_zoom",
    "focus_auto",
    "focus_direct",
    "focus_far",
    "focus_infinity",
    "focus_mode",
    "focus_near",
    "focus_near_limit",
    "focus_one_push",
    "focus_stop",
    "focus_toggle",
    "pan_tilt_absolute",
    "pan_tilt_drive",
    "pan_tilt_home",
    "pan_tilt_limit_clear",
    "pan_tilt_limit_set",
    "pan_tilt_relative",
    "pan_tilt_reset",
    "pan_tilt_stop",
    "power",
    "zoom_direct",
    "zoom_focus_direct",
    "zoom_stop",
    "zoom_tele",
    "zoom_wide",
]
