"""Inquiry builders ``8x 09 … FF`` (VISCA.md §2.4, shared docs).

``Request.reply_len`` is the length of the reply data, i.e. of ``y0 50 <data> FF``
without header, ``50`` and ``FF``.
"""

from __future__ import annotations

from ._core import (
    CAT_CAMERA,
    CAT_INTERFACE,
    CAT_PAN_TILT,
    CAT_VENDOR_7E,
    Request,
    check_range,
    inquiry,
)

BLOCK_REPLY_LEN = 13  # block inquiries: 16-byte packet = header + 50 + 13 data + FF
BLOCK_NAMES = ("lens", "camera", "other", "enlargement 1", "enlargement 2", "enlargement 3")


def inq_version() -> Request:
    """CAM_VersionInq ``8x 09 00 02 FF`` → ``GG GG HH HH JJ JJ KK`` (vendor, model, ROM, sockets)."""
    return inquiry("CAM_VersionInq", 7, CAT_INTERFACE, 0x02)


def inq_power() -> Request:
    """CAM_PowerInq ``8x 09 04 00 FF`` → ``0p`` (2 on, 3 standby, 4 power fault on some OEMs)."""
    return inquiry("CAM_PowerInq", 1, CAT_CAMERA, 0x00)


def inq_zoom_pos() -> Request:
    """CAM_ZoomPosInq ``8x 09 04 47 FF`` → ``0p 0q 0r 0s``."""
    return inquiry("CAM_ZoomPosInq", 4, CAT_CAMERA, 0x47)


def inq_dzoom_mode() -> Request:
    """CAM_DZoomModeInq ``8x 09 04 06 FF`` → ``0p`` (2 on, 3 off)."""
    return inquiry("CAM_DZoomModeInq", 1, CAT_CAMERA, 0x06)


def inq_focus_mode() -> Request:
    """CAM_FocusModeInq ``8x 09 04 38 FF`` → ``0p`` (2 auto, 3 manual)."""
    return inquiry("CAM_FocusModeInq", 1, CAT_CAMERA, 0x38)


def inq_focus_pos() -> Request:
    """CAM_FocusPosInq ``8x 09 04 48 FF`` → ``0p 0q 0r 0s``."""
    return inquiry("CAM_FocusPosInq", 4, CAT_CAMERA, 0x48)


def inq_focus_near_limit() -> Request:
    """CAM_FocusNearLimitInq ``8x 09 04 28 FF`` → 4 nibbles."""
    return inquiry("CAM_FocusNearLimitInq", 4, CAT_CAMERA, 0x28)


def inq_af_sensitivity() -> Request:
    """CAM_AFSensitivityInq ``8x 09 04 58 FF`` → ``0p``."""
    return inquiry("CAM_AFSensitivityInq", 1, CAT_CAMERA, 0x58)


def inq_af_mode() -> Request:
    """CAM_AFModeInq ``8x 09 04 57 FF`` → ``0p``."""
    return inquiry("CAM_AFModeInq", 1, CAT_CAMERA, 0x57)


def inq_wb_mode() -> Request:
    """CAM_WBModeInq ``8x 09 04 35 FF`` → ``0p``."""
    return inquiry("CAM_WBModeInq", 1, CAT_CAMERA, 0x35)


def inq_r_gain() -> Request:
    """CAM_RGainInq ``8x 09 04 43 FF`` → ``00 00 0p 0q``."""
    return inquiry("CAM_RGainInq", 4, CAT_CAMERA, 0x43)


def inq_b_gain() -> Request:
    """CAM_BGainInq ``8x 09 04 44 FF`` → ``00 00 0p 0q``."""
    return inquiry("CAM_BGainInq", 4, CAT_CAMERA, 0x44)


def inq_ae_mode() -> Request:
    """CAM_AEModeInq ``8x 09 04 39 FF`` → ``0p``."""
    return inquiry("CAM_AEModeInq", 1, CAT_CAMERA, 0x39)


def inq_shutter_pos() -> Request:
    """CAM_ShutterPosInq ``8x 09 04 4A FF`` → ``00 00 0p 0q``."""
    return inquiry("CAM_ShutterPosInq", 4, CAT_CAMERA, 0x4A)


def inq_iris_pos() -> Request:
    """CAM_IrisPosInq ``8x 09 04 4B FF`` → ``00 00 0p 0q``."""
    return inquiry("CAM_IrisPosInq", 4, CAT_CAMERA, 0x4B)


def inq_gain_pos() -> Request:
    """CAM_GainPosInq ``8x 09 04 4C FF`` → ``00 00 0p 0q``."""
    return inquiry("CAM_GainPosInq", 4, CAT_CAMERA, 0x4C)


def inq_bright_pos() -> Request:
    """CAM_BrightPosInq ``8x 09 04 4D FF`` → ``00 00 0p 0q``."""
    return inquiry("CAM_BrightPosInq", 4, CAT_CAMERA, 0x4D)


def inq_exp_comp_mode() -> Request:
    """CAM_ExpCompModeInq ``8x 09 04 3E FF`` → ``0p`` (2 on, 3 off)."""
    return inquiry("CAM_ExpCompModeInq", 1, CAT_CAMERA, 0x3E)


def inq_exp_comp_pos() -> Request:
    """CAM_ExpCompPosInq ``8x 09 04 4E FF`` → ``00 00 0p 0q``."""
    return inquiry("CAM_ExpCompPosInq", 4, CAT_CAMERA, 0x4E)


def inq_aperture() -> Request:
    """CAM_ApertureInq ``8x 09 04 42 FF`` → ``00 00 0p 0q``."""
    return inquiry("CAM_ApertureInq", 4, CAT_CAMERA, 0x42)


def inq_backlight() -> Request:
    """CAM_BackLightModeInq ``8x 09 04 33 FF`` → ``0p`` (2 on, 3 off)."""
    return inquiry("CAM_BackLightModeInq", 1, CAT_CAMERA, 0x33)


def inq_memory() -> Request:
    """CAM_MemoryInq ``8x 09 04 3F FF`` → ``pp``: memory number last operated (BRC-300)."""
    return inquiry("CAM_MemoryInq", 1, CAT_CAMERA, 0x3F)


def inq_id() -> Request:
    """CAM_IDInq ``8x 09 04 22 FF`` → 4 nibbles."""
    return inquiry("CAM_IDInq", 4, CAT_CAMERA, 0x22)


def inq_menu_mode() -> Request:
    """SYS_MenuModeInq ``8x 09 06 06 FF`` → ``0p`` (2 menu on, 3 off)."""
    return inquiry("SYS_MenuModeInq", 1, CAT_PAN_TILT, 0x06)


def inq_ir_receive() -> Request:
    """IR_ReceiveInq ``8x 09 06 08 FF`` → ``0p`` (2 on, 3 off)."""
    return inquiry("IR_ReceiveInq", 1, CAT_PAN_TILT, 0x08)


def inq_ir_condition() -> Request:
    """IR_ConditionInq ``8x 09 06 34 FF`` → ``0p`` (0 stable, 1 unstable, 2 power-on by IR)."""
    return inquiry("IR_ConditionInq", 1, CAT_PAN_TILT, 0x34)


def inq_video_system() -> Request:
    """VideoSystemInq ``8x 09 06 23 FF`` → ``pp``."""
    return inquiry("VideoSystemInq", 1, CAT_PAN_TILT, 0x23)


def inq_pan_tilt_mode() -> Request:
    """Pan-tiltModeInq ``8x 09 06 10 FF`` → ``pq rs`` status bits."""
    return inquiry("Pan-tiltModeInq", 2, CAT_PAN_TILT, 0x10)


def inq_pan_tilt_max_speed() -> Request:
    """Pan-tiltMaxSpeedInq ``8x 09 06 11 FF`` → ``ww zz`` (pan, tilt)."""
    return inquiry("Pan-tiltMaxSpeedInq", 2, CAT_PAN_TILT, 0x11)


def inq_pan_tilt_pos(pan_nibbles: int = 4, tilt_nibbles: int = 4) -> Request:
    """Pan-tiltPosInq ``8x 09 06 12 FF`` → pan then tilt nibbles: 4+4 (11-byte packet),
    5+4 (12 bytes, BRC-300/BRC-X1000) or 5+5 (13 bytes, SRG-360SHE); VISCA.md §2.4,
    vwout/obs-visca-control#17."""
    for what, count in (("pan", pan_nibbles), ("tilt", tilt_nibbles)):
        if count not in (4, 5):
            raise ValueError(f"{what} nibbles must be 4 or 5, got {count}")
    return inquiry("Pan-tiltPosInq", pan_nibbles + tilt_nibbles, CAT_PAN_TILT, 0x12)


def inq_block(n: int) -> Request:
    """Block inquiry ``8x 09 7E 7E 0n FF``: 0 lens, 1 camera, 2 other, 3–5 enlargement 1–3.

    The reply is a 16-byte packet: 13 data bytes (SONY-HTML SRG-120DH).
    """
    check_range("block number", n, 0, len(BLOCK_NAMES) - 1)
    return inquiry(f"InquiryBlock {BLOCK_NAMES[n]}", BLOCK_REPLY_LEN, CAT_VENDOR_7E, 0x7E, n)


def inq_slow_shutter_mode() -> Request:
    """CAM_SlowShutterModeInq ``8x 09 04 5A FF`` → ``0p`` (2 auto, 3 manual)."""
    return inquiry("CAM_SlowShutterModeInq", 1, CAT_CAMERA, 0x5A)


def inq_gain_limit() -> Request:
    """CAM_GainLimitInq ``8x 09 04 2C FF`` → ``0p``."""
    return inquiry("CAM_GainLimitInq", 1, CAT_CAMERA, 0x2C)


def inq_wide_dynamic() -> Request:
    """CAM_WDModeInq ``8x 09 7E 04 00 FF`` → ``0p`` (0 off … 3 high)."""
    return inquiry("CAM_WDModeInq", 1, CAT_VENDOR_7E, 0x04, 0x00)


def inq_defog() -> Request:
    """CAM_DefogInq ``8x 09 04 37 FF`` → ``0p 0q`` (on/off, level)."""
    return inquiry("CAM_DefogInq", 2, CAT_CAMERA, 0x37)


def inq_noise_reduction() -> Request:
    """CAM_NRInq ``8x 09 04 53 FF`` → ``0p``."""
    return inquiry("CAM_NRInq", 1, CAT_CAMERA, 0x53)


def inq_gamma() -> Request:
    """CAM_GammaInq ``8x 09 04 5B FF`` → ``0p``."""
    return inquiry("CAM_GammaInq", 1, CAT_CAMERA, 0x5B)


def inq_high_sensitivity() -> Request:
    """CAM_HighSensitivityInq ``8x 09 04 5E FF`` → ``0p`` (2 on, 3 off)."""
    return inquiry("CAM_HighSensitivityInq", 1, CAT_CAMERA, 0x5E)


def inq_picture_effect() -> Request:
    """CAM_PictureEffectModeInq ``8x 09 04 63 FF`` → ``0p``."""
    return inquiry("CAM_PictureEffectModeInq", 1, CAT_CAMERA, 0x63)


def inq_info_display() -> Request:
    """Information Display Inq ``8x 09 7E 01 18 FF`` → ``0p`` (2 on, 3 off)."""
    return inquiry("CAM_InfoDisplayInq", 1, CAT_VENDOR_7E, 0x01, 0x18)


def inq_color_gain() -> Request:
    """CAM_ColorGainInq ``8x 09 04 49 FF`` → ``00 00 00 0p`` (master gain 0–E; SRG-300H)."""
    return inquiry("CAM_ColorGainInq", 4, CAT_CAMERA, 0x49)


def inq_color_hue() -> Request:
    """CAM_ColorHueInq ``8x 09 04 4F FF`` → ``00 00 00 0p`` (master hue 0–E; SRG-300H)."""
    return inquiry("CAM_ColorHueInq", 4, CAT_CAMERA, 0x4F)


def inq_color_system() -> Request:
    """Color System Inq ``8x 09 7E 01 03 FF`` → ``0p`` (0–3; SRG-300H)."""
    return inquiry("CAM_ColorSystemInq", 1, CAT_VENDOR_7E, 0x01, 0x03)


__all__ = [
    "BLOCK_NAMES",
    "BLOCK_REPLY_LEN",
    "inq_ae_mode",
    "inq_af_mode",
    "inq_af_sensitivity",
    "inq_aperture",
    "inq_b_gain",
    "inq_backlight",
    "inq_block",
    "inq_bright_pos",
    "inq_color_gain",
    "inq_color_hue",
    "inq_color_system",
    "inq_defog",
    "inq_dzoom_mode",
    "inq_exp_comp_mode",
    "inq_exp_comp_pos",
    "inq_focus_mode",
    "inq_focus_near_limit",
    "inq_focus_pos",
    "inq_gain_limit",
    "inq_gain_pos",
    "inq_gamma",
    "inq_high_sensitivity",
    "inq_id",
    "inq_info_display",
    "inq_ir_condition",
    "inq_ir_receive",
    "inq_iris_pos",
    "inq_memory",
    "inq_menu_mode",
    "inq_noise_reduction",
    "inq_pan_tilt_max_speed",
    "inq_pan_tilt_mode",
    "inq_pan_tilt_pos",
    "inq_picture_effect",
    "inq_power",
    "inq_r_gain",
    "inq_shutter_pos",
    "inq_slow_shutter_mode",
    "inq_version",
    "inq_video_system",
    "inq_wb_mode",
    "inq_wide_dynamic",
    "inq_zoom_pos",
]
