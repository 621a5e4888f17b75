"""Command builders for white balance, exposure, image, preset speed and PTZOptics extras.

Bytes per ``VISCA.md`` §2.2 (shared docs); the reset/up/down forms take an
:class:`Adjust`, the direct forms an int ``00``–``FF`` sent as ``00 00 0p 0q``.
"""

from __future__ import annotations

from typing import Final

from ._core import (
    CAT_CAMERA,
    CAT_PAN_TILT,
    CAT_VENDOR_7E,
    Adjust,
    AEMode,
    Request,
    RequestKind,
    WBMode,
    check_range,
    command,
    nibbles,
    on_off,
)

MAX_PRESET_SPEED = 0x19  # BRC-X400 preset speed 01–19 (SONY-HTML Sony_BRC-X400.html)
PTZOPTICS_OSD_PRESET = 0x5F  # recalling preset 95 toggles the OSD menu (VISCA.md §2.3)


def _adjustable(name: str, code_adjust: int, code_direct: int, value: Adjust | int) -> Request:
    # Reset/up/down "8x 01 04 <code> 0p FF" (p 0/2/3) or direct
    # "8x 01 04 <code+40> 00 00 0p 0q FF" (VISCA.md §2.1 "8-bit direct value").
    if isinstance(value, Adjust):
        return command(f"{name} {value.name}", CAT_CAMERA, code_adjust, value.value)
    check_range(f"{name} value", value, 0, 0xFF)
    return command(f"{name} Direct", CAT_CAMERA, code_direct, 0x00, 0x00, nibbles(value, 2, False))


# --- white balance -------------------------------------------------------------------


def wb_mode(mode: WBMode) -> Request:
    """CAM_WB ``8x 01 04 35 0p FF`` (0 auto, 1 indoor, 2 outdoor, 3 one-push, 4 ATW, 5 manual)."""
    mode = WBMode(mode)
    return command(f"CAM_WB {mode.name}", CAT_CAMERA, 0x35, int(mode))


def wb_one_push_trigger() -> Request:
    """CAM_WB One Push Trigger ``8x 01 04 10 05 FF`` (then "Not Executable" until done)."""
    return command("CAM_WB OnePushTrigger", CAT_CAMERA, 0x10, 0x05)


def r_gain(value: Adjust | int) -> Request:
    """CAM_RGain ``8x 01 04 03 0p FF`` or Direct ``8x 01 04 43 00 00 0p 0q FF``."""
    return _adjustable("CAM_RGain", 0x03, 0x43, value)


def b_gain(value: Adjust | int) -> Request:
    """CAM_BGain ``8x 01 04 04 0p FF`` or Direct ``8x 01 04 44 00 00 0p 0q FF``."""
    return _adjustable("CAM_BGain", 0x04, 0x44, value)


# --- exposure ------------------------------------------------------------------------


def ae_mode(mode: AEMode) -> Request:
    """CAM_AE ``8x 01 04 39 0p FF`` (0 auto, 3 manual, A shutter, B iris, C gain, D bright)."""
    mode = AEMode(mode)
    return command(f"CAM_AE {mode.name}", CAT_CAMERA, 0x39, int(mode))


def shutter(value: Adjust | int) -> Request:
    """CAM_Shutter ``8x 01 04 0A 0p FF`` or Direct ``…4A 00 00 0p 0q FF``."""
    return _adjustable("CAM_Shutter", 0x0A, 0x4A, value)


def iris(value: Adjust | int) -> Request:
    """CAM_Iris ``8x 01 04 0B 0p FF`` (UP = open, DOWN = close) or Direct ``…4B 00 00 0p 0q FF``."""
    return _adjustable("CAM_Iris", 0x0B, 0x4B, value)


def gain(value: Adjust | int) -> Request:
    """CAM_Gain ``8x 01 04 0C 0p FF`` or Direct ``…4C 00 00 0p 0q FF``."""
    return _adjustable("CAM_Gain", 0x0C, 0x4C, value)


def gain_limit(level: int) -> Request:
    """CAM_GainLimit ``8x 01 04 2C 0p FF`` (p 4–F)."""
    check_range("gain limit", level, 0x04, 0x0F)
    return command("CAM_GainLimit", CAT_CAMERA, 0x2C, level)


def bright(value: Adjust | int) -> Request:
    """CAM_Bright ``8x 01 04 0D 0p FF`` or Direct ``…4D 00 00 0p 0q FF``."""
    return _adjustable("CAM_Bright", 0x0D, 0x4D, value)


def exp_comp_mode(on: bool) -> Request:
    """CAM_ExpComp On/Off ``8x 01 04 3E 0p FF``."""
    return command("CAM_ExpComp OnOff", CAT_CAMERA, 0x3E, on_off(on))


def exp_comp(value: Adjust | int) -> Request:
    """CAM_ExpComp ``8x 01 04 0E 0p FF`` or Direct ``…4E 00 00 0p 0q FF`` (07 = 0 dB)."""
    return _adjustable("CAM_ExpComp", 0x0E, 0x4E, value)


def slow_shutter(auto: bool) -> Request:
    """CAM_SlowShutter ``8x 01 04 5A 0p FF`` (2 auto, 3 manual)."""
    return command("CAM_SlowShutter", CAT_CAMERA, 0x5A, on_off(auto))


def backlight(on: bool) -> Request:
    """CAM_Backlight ``8x 01 04 33 0p FF``."""
    return command("CAM_Backlight", CAT_CAMERA, 0x33, on_off(on))


# --- image ---------------------------------------------------------------------------


def aperture(value: Adjust | int) -> Request:
    """CAM_Aperture ``8x 01 04 02 0p FF`` or Direct ``…42 00 00 0p 0q FF``."""
    return _adjustable("CAM_Aperture", 0x02, 0x42, value)


def wide_dynamic(level: int) -> Request:
    """CAM_WD ``8x 01 7E 04 00 0p FF`` (0 off, 1 low, 2 mid, 3 high)."""
    check_range("WD level", level, 0, 3)
    return command("CAM_WD", CAT_VENDOR_7E, 0x04, 0x00, level)


def defog(on: bool, level: int = 0) -> Request:
    """CAM_Defog ``8x 01 04 37 0p 0q FF``; q = level 0 (default) or 1–3 (BRC-X400)."""
    check_range("defog level", level, 0, 3)
    return command("CAM_Defog", CAT_CAMERA, 0x37, on_off(on), level)


def noise_reduction(level: int) -> Request:
    """CAM_NR ``8x 01 04 53 0p FF`` (0 off, 1–5; 7F = 2D/3D NR on BRC-X400)."""
    if level != 0x7F:
        check_range("NR level", level, 0, 5)
    return command("CAM_NR", CAT_CAMERA, 0x53, level)


def gamma(mode: int) -> Request:
    """CAM_Gamma ``8x 01 04 5B 0p FF`` (0 standard, 1 off / model-specific curves)."""
    check_range("gamma", mode, 0, 0x0F)
    return command("CAM_Gamma", CAT_CAMERA, 0x5B, mode)


def high_sensitivity(on: bool) -> Request:
    """CAM_HighSensitivity ``8x 01 04 5E 0p FF``."""
    return command("CAM_HighSensitivity", CAT_CAMERA, 0x5E, on_off(on))


def picture_effect(effect: int) -> Request:
    """CAM_PictureEffect ``8x 01 04 63 0p FF`` (0 off, 2 neg. art, 4 B&W)."""
    check_range("picture effect", effect, 0, 0x0F)
    return command("CAM_PictureEffect", CAT_CAMERA, 0x63, effect)


# Colour gain / hue: colour p = 0 master, 1 magenta, 2 red, 3 yellow, 4 green, 5 cyan,
# 6 blue; value q = 0–E (gain 60 %…200 %, 4 = 100 %; hue −14°…+14°, 7 = 0°). SONY-HTML
# Sony_SRG-300H.html (the SRG-300H's cited manual), issue #7 item 10.
MAX_COLOR: Final = 6
MAX_COLOR_LEVEL: Final = 0x0E


def color_gain(color: int, level: int) -> Request:
    """CAM_ColorGain Direct ``8x 01 04 49 00 00 0p 0q FF``."""
    check_range("colour", color, 0, MAX_COLOR)
    check_range("colour gain", level, 0, MAX_COLOR_LEVEL)
    return command("CAM_ColorGain", CAT_CAMERA, 0x49, 0x00, 0x00, color, level)


def color_hue(color: int, phase: int) -> Request:
    """CAM_ColorHue Direct ``8x 01 04 4F 00 00 0p 0q FF``."""
    check_range("colour", color, 0, MAX_COLOR)
    check_range("colour hue", phase, 0, MAX_COLOR_LEVEL)
    return command("CAM_ColorHue", CAT_CAMERA, 0x4F, 0x00, 0x00, color, phase)


def color_system(system: int) -> Request:
    """Color System ``8x 01 7E 01 03 00 0p FF`` (0 HDMI YUV, 1 HDMI GBR, 2 DVI GBR,
    3 DVI YUV; SRG-300H, only with SYSTEM SELECT on 7)."""
    check_range("colour system", system, 0, 3)
    return command("CAM_ColorSystem", CAT_VENDOR_7E, 0x01, 0x03, 0x00, system)


# --- preset speed (BRC-X400 family) ----------------------------------------------------


def preset_speed_select(mode: int) -> Request:
    """Preset Speed Select ``8x 01 7E 04 1B 0p FF`` (0 compatible, 1 separate, 2 common)."""
    check_range("preset speed mode", mode, 0, 2)
    return command("PresetSpeedSelect", CAT_VENDOR_7E, 0x04, 0x1B, mode)


def preset_speed_separate(n: int, speed: int) -> Request:
    """Preset Speed Separate ``8x 01 7E 01 0B pp qq FF`` (pp memory number, qq 01–19)."""
    check_range("memory number", n, 0, 0xFE)
    check_range("preset speed", speed, 1, MAX_PRESET_SPEED)
    return command("PresetSpeedSeparate", CAT_VENDOR_7E, 0x01, 0x0B, n, speed)


def preset_speed_common(speed: int) -> Request:
    """Preset Speed Common ``8x 01 7E 04 1C 0p 0q FF`` (speed 01–19)."""
    check_range("preset speed", speed, 1, MAX_PRESET_SPEED)
    return command("PresetSpeedCommon", CAT_VENDOR_7E, 0x04, 0x1C, nibbles(speed, 2, False))


# --- PTZOptics extras (PTZO-MOD src/camera/focus.ts, osd.ts) ------------------------------


def focus_lock(on: bool) -> Request:
    """PTZOptics focus lock ``81 0A 04 68 02/03 FF`` (class byte 0A, not 01)."""
    return Request(
        "PTZOptics FocusLock", RequestKind.COMMAND, bytes((0x0A, 0x04, 0x68, on_off(on)))
    )


def osd_enter() -> Request:
    """PTZOptics OSD enter ``8x 01 06 06 05 FF``."""
    return command("PTZOptics OSD Enter", CAT_PAN_TILT, 0x06, 0x05)


def osd_back() -> Request:
    """PTZOptics OSD back ``8x 01 06 06 04 FF``; close is ``menu_off()``."""
    return command("PTZOptics OSD Back", CAT_PAN_TILT, 0x06, 0x04)


__all__ = [
    "MAX_COLOR",
    "MAX_COLOR_LEVEL",
    "MAX_PRESET_SPEED",
    "PTZOPTICS_OSD_PRESET",
    "ae_mode",
    "aperture",
    "b_gain",
    "backlight",
    "bright",
    "color_gain",
    "color_hue",
    "color_system",
    "defog",
    "exp_comp",
    "exp_comp_mode",
    "focus_lock",
    "gain",
    "gain_limit",
    "gamma",
    "high_sensitivity",
    "iris",
    "noise_reduction",
    "osd_back",
    "osd_enter",
    "picture_effect",
    "preset_speed_common",
    "preset_speed_select",
    "preset_speed_separate",
    "r_gain",
    "shutter",
    "slow_shutter",
    "wb_mode",
    "wb_one_push_trigger",
    "wide_dynamic",
]
