"""Byte-exact builders and inquiries against the rows of VISCA.md §2.2/§2.4 (shared docs).

Each row: the builder call and the packet copied from the doc's row with ``x`` = 1
(unless the row id says otherwise). Sources beyond VISCA.md are named in the id.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.visca import messages as m
from drivers.visca.messages import Adjust, Request, RequestKind

A = Adjust
P, T = m.PanDir, m.TiltDir

COMMANDS: list[tuple[str, Callable[[], Request], str]] = [
    # power
    ("CAM_Power on", lambda: m.power(True), "81 01 04 00 02 FF"),
    ("CAM_Power off", lambda: m.power(False), "81 01 04 00 03 FF"),
    # zoom
    ("zoom stop", m.zoom_stop, "81 01 04 07 00 FF"),
    ("zoom tele", m.zoom_tele, "81 01 04 07 02 FF"),
    ("zoom wide", m.zoom_wide, "81 01 04 07 03 FF"),
    ("zoom tele var 0", lambda: m.zoom_tele(0), "81 01 04 07 20 FF"),
    ("zoom tele var 7", lambda: m.zoom_tele(7), "81 01 04 07 27 FF"),
    ("zoom wide var 5", lambda: m.zoom_wide(5), "81 01 04 07 35 FF"),
    ("zoom direct", lambda: m.zoom_direct(0x4000), "81 01 04 47 04 00 00 00 FF"),
    ("zoom direct 7AC0", lambda: m.zoom_direct(0x7AC0), "81 01 04 47 07 0A 0C 00 FF"),
    (
        "zoom+focus direct",
        lambda: m.zoom_focus_direct(0x1234, 0xABCD),
        "81 01 04 47 01 02 03 04 0A 0B 0C 0D FF",
    ),
    ("digital zoom on", lambda: m.digital_zoom(True), "81 01 04 06 02 FF"),
    ("digital zoom off", lambda: m.digital_zoom(False), "81 01 04 06 03 FF"),
    # focus
    ("focus stop", m.focus_stop, "81 01 04 08 00 FF"),
    ("focus far", m.focus_far, "81 01 04 08 02 FF"),
    ("focus near", m.focus_near, "81 01 04 08 03 FF"),
    ("focus far var 3", lambda: m.focus_far(3), "81 01 04 08 23 FF"),
    ("focus near var 7", lambda: m.focus_near(7), "81 01 04 08 37 FF"),
    ("focus direct", lambda: m.focus_direct(0x1000), "81 01 04 48 01 00 00 00 FF"),
    ("focus auto", lambda: m.focus_mode(m.FocusMode.AUTO), "81 01 04 38 02 FF"),
    ("focus manual", lambda: m.focus_mode(m.FocusMode.MANUAL), "81 01 04 38 03 FF"),
    ("focus toggle", m.focus_toggle, "81 01 04 38 10 FF"),
    ("focus_auto(False)", lambda: m.focus_auto(False), "81 01 04 38 03 FF"),
    ("focus one-push", m.focus_one_push, "81 01 04 18 01 FF"),
    ("focus infinity", m.focus_infinity, "81 01 04 18 02 FF"),
    ("focus near limit", lambda: m.focus_near_limit(0xD000), "81 01 04 28 0D 00 00 00 FF"),
    (
        "AF sensitivity normal",
        lambda: m.af_sensitivity(m.AFSensitivity.NORMAL),
        "81 01 04 58 02 FF",
    ),
    ("AF sensitivity low", lambda: m.af_sensitivity(m.AFSensitivity.LOW), "81 01 04 58 03 FF"),
    ("AF mode interval", lambda: m.af_mode(m.AFMode.INTERVAL), "81 01 04 57 01 FF"),
    ("AF mode zoom trigger", lambda: m.af_mode(m.AFMode.ZOOM_TRIGGER), "81 01 04 57 02 FF"),
    # white balance
    ("WB auto", lambda: m.wb_mode(m.WBMode.AUTO), "81 01 04 35 00 FF"),
    ("WB manual", lambda: m.wb_mode(m.WBMode.MANUAL), "81 01 04 35 05 FF"),
    ("WB ATW", lambda: m.wb_mode(m.WBMode.ATW), "81 01 04 35 04 FF"),
    ("WB one-push trigger", m.wb_one_push_trigger, "81 01 04 10 05 FF"),
    ("R gain reset", lambda: m.r_gain(A.RESET), "81 01 04 03 00 FF"),
    ("R gain up", lambda: m.r_gain(A.UP), "81 01 04 03 02 FF"),
    ("R gain down", lambda: m.r_gain(A.DOWN), "81 01 04 03 03 FF"),
    ("R gain direct", lambda: m.r_gain(0xA5), "81 01 04 43 00 00 0A 05 FF"),
    ("B gain up", lambda: m.b_gain(A.UP), "81 01 04 04 02 FF"),
    ("B gain direct", lambda: m.b_gain(0x2C), "81 01 04 44 00 00 02 0C FF"),
    # exposure
    ("AE full auto", lambda: m.ae_mode(m.AEMode.FULL_AUTO), "81 01 04 39 00 FF"),
    ("AE manual", lambda: m.ae_mode(m.AEMode.MANUAL), "81 01 04 39 03 FF"),
    ("AE shutter prio", lambda: m.ae_mode(m.AEMode.SHUTTER_PRIORITY), "81 01 04 39 0A FF"),
    ("AE iris prio", lambda: m.ae_mode(m.AEMode.IRIS_PRIORITY), "81 01 04 39 0B FF"),
    ("AE gain prio (LIBVISCA)", lambda: m.ae_mode(m.AEMode.GAIN_PRIORITY), "81 01 04 39 0C FF"),
    ("AE bright", lambda: m.ae_mode(m.AEMode.BRIGHT), "81 01 04 39 0D FF"),
    ("shutter reset", lambda: m.shutter(A.RESET), "81 01 04 0A 00 FF"),
    ("shutter up", lambda: m.shutter(A.UP), "81 01 04 0A 02 FF"),
    ("shutter direct", lambda: m.shutter(0x15), "81 01 04 4A 00 00 01 05 FF"),
    ("iris open", lambda: m.iris(A.UP), "81 01 04 0B 02 FF"),
    ("iris close", lambda: m.iris(A.DOWN), "81 01 04 0B 03 FF"),
    ("iris direct", lambda: m.iris(0x11), "81 01 04 4B 00 00 01 01 FF"),
    ("gain down", lambda: m.gain(A.DOWN), "81 01 04 0C 03 FF"),
    ("gain direct", lambda: m.gain(0x0F), "81 01 04 4C 00 00 00 0F FF"),
    ("gain limit 4", lambda: m.gain_limit(4), "81 01 04 2C 04 FF"),
    ("gain limit F", lambda: m.gain_limit(0xF), "81 01 04 2C 0F FF"),
    ("bright up", lambda: m.bright(A.UP), "81 01 04 0D 02 FF"),
    ("bright direct", lambda: m.bright(0x1F), "81 01 04 4D 00 00 01 0F FF"),
    ("exp comp on", lambda: m.exp_comp_mode(True), "81 01 04 3E 02 FF"),
    ("exp comp off", lambda: m.exp_comp_mode(False), "81 01 04 3E 03 FF"),
    ("exp comp reset", lambda: m.exp_comp(A.RESET), "81 01 04 0E 00 FF"),
    ("exp comp down", lambda: m.exp_comp(A.DOWN), "81 01 04 0E 03 FF"),
    ("exp comp direct", lambda: m.exp_comp(0x07), "81 01 04 4E 00 00 00 07 FF"),
    ("slow shutter auto", lambda: m.slow_shutter(True), "81 01 04 5A 02 FF"),
    ("slow shutter manual", lambda: m.slow_shutter(False), "81 01 04 5A 03 FF"),
    ("backlight on", lambda: m.backlight(True), "81 01 04 33 02 FF"),
    ("backlight off", lambda: m.backlight(False), "81 01 04 33 03 FF"),
    # image
    ("aperture up", lambda: m.aperture(A.UP), "81 01 04 02 02 FF"),
    ("aperture direct", lambda: m.aperture(0x0F), "81 01 04 42 00 00 00 0F FF"),
    ("WD off", lambda: m.wide_dynamic(0), "81 01 7E 04 00 00 FF"),
    ("WD high", lambda: m.wide_dynamic(3), "81 01 7E 04 00 03 FF"),
    ("defog on", lambda: m.defog(True), "81 01 04 37 02 00 FF"),
    ("defog off", lambda: m.defog(False), "81 01 04 37 03 00 FF"),
    ("NR 3", lambda: m.noise_reduction(3), "81 01 04 53 03 FF"),
    ("gamma 1", lambda: m.gamma(1), "81 01 04 5B 01 FF"),
    ("high sens on", lambda: m.high_sensitivity(True), "81 01 04 5E 02 FF"),
    ("picture effect B&W", lambda: m.picture_effect(4), "81 01 04 63 04 FF"),
    # memory (VISCA.md §2.3: 0p vs pp)
    ("memory reset 0p", lambda: m.memory_reset(5, "0p"), "81 01 04 3F 00 05 FF"),
    ("memory set 0p", lambda: m.memory_set(0x0F, "0p"), "81 01 04 3F 01 0F FF"),
    ("memory recall 0p", lambda: m.memory_recall(0, "0p"), "81 01 04 3F 02 00 FF"),
    ("memory recall pp 63h (BRC-X400)", lambda: m.memory_recall(0x63), "81 01 04 3F 02 63 FF"),
    ("memory set pp FEh (PTZOptics)", lambda: m.memory_set(0xFE), "81 01 04 3F 01 FE FF"),
    ("memory recall 95 (PTZOptics OSD)", lambda: m.memory_recall(0x5F), "81 01 04 3F 02 5F FF"),
    # system
    ("CAM_IDWrite", lambda: m.cam_id_write(0xBEEF), "81 01 04 22 0B 0E 0E 0F FF"),
    ("key lock on (EVI-D70)", lambda: m.key_lock(True), "81 01 04 17 02 FF"),
    ("key lock off (EVI-D70)", lambda: m.key_lock(False), "81 01 04 17 00 FF"),
    ("register write baud 38400", lambda: m.register_write(0x00, 0x02), "81 01 04 24 00 00 02 FF"),
    ("menu off", m.menu_off, "81 01 06 06 03 FF"),
    ("info display on", lambda: m.info_display(True), "81 01 7E 01 18 02 FF"),
    ("info display off (sony-visca#72)", lambda: m.info_display(False), "81 01 7E 01 18 03 FF"),
    ("IR receive on", lambda: m.ir_receive(True), "81 01 06 08 02 FF"),
    ("IR receive off", lambda: m.ir_receive(False), "81 01 06 08 03 FF"),
    ("IR receive toggle", lambda: m.ir_receive(None), "81 01 06 08 10 FF"),
    ("IR_ReceiveReturn on", lambda: m.ir_receive_return(True), "81 01 7D 01 03 00 00 FF"),
    ("IR_ReceiveReturn off", lambda: m.ir_receive_return(False), "81 01 7D 01 13 00 00 FF"),
    # pan-tilt drive: all nine directions
    ("up", lambda: m.pan_tilt_drive(P.STOP, T.UP, 0x18, 0x14), "81 01 06 01 18 14 03 01 FF"),
    ("down", lambda: m.pan_tilt_drive(P.STOP, T.DOWN, 1, 2), "81 01 06 01 01 02 03 02 FF"),
    ("left", lambda: m.pan_tilt_drive(P.LEFT, T.STOP, 5, 5), "81 01 06 01 05 05 01 03 FF"),
    ("right", lambda: m.pan_tilt_drive(P.RIGHT, T.STOP, 5, 5), "81 01 06 01 05 05 02 03 FF"),
    ("upleft", lambda: m.pan_tilt_drive(P.LEFT, T.UP, 3, 4), "81 01 06 01 03 04 01 01 FF"),
    ("upright", lambda: m.pan_tilt_drive(P.RIGHT, T.UP, 3, 4), "81 01 06 01 03 04 02 01 FF"),
    ("downleft", lambda: m.pan_tilt_drive(P.LEFT, T.DOWN, 3, 4), "81 01 06 01 03 04 01 02 FF"),
    ("downright", lambda: m.pan_tilt_drive(P.RIGHT, T.DOWN, 3, 4), "81 01 06 01 03 04 02 02 FF"),
    ("stop", lambda: m.pan_tilt_drive(P.STOP, T.STOP, 1, 1), "81 01 06 01 01 01 03 03 FF"),
    ("stop helper (obs-ptz#40)", m.pan_tilt_stop, "81 01 06 01 01 01 03 03 FF"),
    # absolute / relative
    (
        "absolute 4+4 EVI-D70 corner",
        lambda: m.pan_tilt_absolute(-0x08DB, 0x04B0, 0x18, 0x17),
        "81 01 06 02 18 17 0F 07 02 05 00 04 0B 00 FF",
    ),
    (
        "absolute 4+4 SRG-300H F725",
        lambda: m.pan_tilt_absolute(-2267, -0x0400, 0x10, 0x10),
        "81 01 06 02 10 10 0F 07 02 05 0F 0C 00 00 FF",
    ),
    (
        "absolute single-speed (BRC-X400)",
        lambda: m.pan_tilt_absolute(0x2200, 0x1200, 0x18, None),
        "81 01 06 02 18 00 02 02 00 00 01 02 00 00 FF",
    ),
    (
        "absolute 5+4 (BRC-X1000, 10° ≈ 00937)",
        lambda: m.pan_tilt_absolute(0x00937, -1, 0x18, 0x17, pan_nibbles=5),
        "81 01 06 02 18 17 00 00 09 03 07 0F 0F 0F 0F FF",
    ),
    (
        "absolute 5+5 single speed (SRG-360SHE, 17 bytes)",
        lambda: m.pan_tilt_absolute(-0x15400, 0x0B400, 0x18, None, 5, 5),
        "81 01 06 02 18 00 0E 0A 0C 00 00 00 0B 04 00 00 FF",
    ),
    (
        "relative 4+4",
        lambda: m.pan_tilt_relative(-1, 0x0010, 0x08, 0x08),
        "81 01 06 03 08 08 0F 0F 0F 0F 00 00 01 00 FF",
    ),
    (
        "relative 5+5 (SRG-360SHE)",
        lambda: m.pan_tilt_relative(0x200, -0x200, 0x01, None, 5, 5),
        "81 01 06 03 01 00 00 00 02 00 00 0F 0F 0E 00 00 FF",
    ),
    ("home", m.pan_tilt_home, "81 01 06 04 FF"),
    ("reset", m.pan_tilt_reset, "81 01 06 05 FF"),
    (
        "limit set upright",
        lambda: m.pan_tilt_limit_set(m.LimitCorner.UP_RIGHT, 0x1000, 0x0400),
        "81 01 06 07 00 01 01 00 00 00 00 04 00 00 FF",
    ),
    (
        "limit set downleft",
        lambda: m.pan_tilt_limit_set(m.LimitCorner.DOWN_LEFT, -0x1000, -0x0100),
        "81 01 06 07 00 00 0F 00 00 00 0F 0F 00 00 FF",
    ),
    (
        "limit clear upright",
        lambda: m.pan_tilt_limit_clear(m.LimitCorner.UP_RIGHT),
        "81 01 06 07 01 01 07 0F 0F 0F 07 0F 0F 0F FF",
    ),
    (
        "limit clear downleft 5+5 (SRG-360SHE)",
        lambda: m.pan_tilt_limit_clear(m.LimitCorner.DOWN_LEFT, 5, 5),
        "81 01 06 07 01 00 07 0F 0F 0F 0F 07 0F 0F 0F 0F FF",
    ),
    # preset speed (BRC-X400)
    ("preset speed select common", lambda: m.preset_speed_select(2), "81 01 7E 04 1B 02 FF"),
    (
        "preset speed separate",
        lambda: m.preset_speed_separate(0x05, 0x19),
        "81 01 7E 01 0B 05 19 FF",
    ),
    ("preset speed common", lambda: m.preset_speed_common(0x19), "81 01 7E 04 1C 01 09 FF"),
    # PTZOptics extras (PTZO-MOD)
    ("PTZOptics focus lock", lambda: m.focus_lock(True), "81 0A 04 68 02 FF"),
    ("PTZOptics focus unlock", lambda: m.focus_lock(False), "81 0A 04 68 03 FF"),
    ("PTZOptics OSD enter", m.osd_enter, "81 01 06 06 05 FF"),
    ("PTZOptics OSD back", m.osd_back, "81 01 06 06 04 FF"),
    # interface
    ("cancel socket 1", lambda: m.cancel(1), "81 21 FF"),
    ("cancel socket 2", lambda: m.cancel(2), "81 22 FF"),
    ("IF_Clear to one camera", lambda: m.if_clear(broadcast=False), "81 01 00 01 FF"),
]

INQUIRIES: list[tuple[str, Callable[[], Request], str, int | None]] = [
    ("CAM_VersionInq", m.inq_version, "81 09 00 02 FF", 7),
    ("CAM_PowerInq", m.inq_power, "81 09 04 00 FF", 1),
    ("CAM_ZoomPosInq", m.inq_zoom_pos, "81 09 04 47 FF", 4),
    ("CAM_DZoomModeInq", m.inq_dzoom_mode, "81 09 04 06 FF", 1),
    ("CAM_FocusModeInq", m.inq_focus_mode, "81 09 04 38 FF", 1),
    ("CAM_FocusPosInq", m.inq_focus_pos, "81 09 04 48 FF", 4),
    ("CAM_FocusNearLimitInq", m.inq_focus_near_limit, "81 09 04 28 FF", 4),
    ("CAM_AFSensitivityInq", m.inq_af_sensitivity, "81 09 04 58 FF", 1),
    ("CAM_AFModeInq", m.inq_af_mode, "81 09 04 57 FF", 1),
    ("CAM_WBModeInq", m.inq_wb_mode, "81 09 04 35 FF", 1),
    ("CAM_RGainInq", m.inq_r_gain, "81 09 04 43 FF", 4),
    ("CAM_BGainInq", m.inq_b_gain, "81 09 04 44 FF", 4),
    ("CAM_AEModeInq", m.inq_ae_mode, "81 09 04 39 FF", 1),
    ("CAM_ShutterPosInq", m.inq_shutter_pos, "81 09 04 4A FF", 4),
    ("CAM_IrisPosInq", m.inq_iris_pos, "81 09 04 4B FF", 4),
    ("CAM_GainPosInq", m.inq_gain_pos, "81 09 04 4C FF", 4),
    ("CAM_BrightPosInq", m.inq_bright_pos, "81 09 04 4D FF", 4),
    ("CAM_ExpCompModeInq", m.inq_exp_comp_mode, "81 09 04 3E FF", 1),
    ("CAM_ExpCompPosInq", m.inq_exp_comp_pos, "81 09 04 4E FF", 4),
    ("CAM_ApertureInq", m.inq_aperture, "81 09 04 42 FF", 4),
    ("CAM_BackLightModeInq", m.inq_backlight, "81 09 04 33 FF", 1),
    ("CAM_MemoryInq", m.inq_memory, "81 09 04 3F FF", 1),
    ("CAM_IDInq", m.inq_id, "81 09 04 22 FF", 4),
    ("SYS_MenuModeInq", m.inq_menu_mode, "81 09 06 06 FF", 1),
    ("IR_ReceiveInq", m.inq_ir_receive, "81 09 06 08 FF", 1),
    ("IR_ConditionInq", m.inq_ir_condition, "81 09 06 34 FF", 1),
    ("VideoSystemInq", m.inq_video_system, "81 09 06 23 FF", 1),
    ("Pan-tiltModeInq", m.inq_pan_tilt_mode, "81 09 06 10 FF", 2),
    ("Pan-tiltMaxSpeedInq", m.inq_pan_tilt_max_speed, "81 09 06 11 FF", 2),
    ("Pan-tiltPosInq 4+4", m.inq_pan_tilt_pos, "81 09 06 12 FF", 8),
    ("Pan-tiltPosInq 5+4 (BRC-300)", lambda: m.inq_pan_tilt_pos(5, 4), "81 09 06 12 FF", 9),
    ("Pan-tiltPosInq 5+5 (SRG-360SHE)", lambda: m.inq_pan_tilt_pos(5, 5), "81 09 06 12 FF", 10),
    ("lens block", lambda: m.inq_block(0), "81 09 7E 7E 00 FF", 13),
    ("camera block", lambda: m.inq_block(1), "81 09 7E 7E 01 FF", 13),
    ("other block", lambda: m.inq_block(2), "81 09 7E 7E 02 FF", 13),
    ("enlargement 1", lambda: m.inq_block(3), "81 09 7E 7E 03 FF", 13),
    ("enlargement 2", lambda: m.inq_block(4), "81 09 7E 7E 04 FF", 13),
    ("enlargement 3", lambda: m.inq_block(5), "81 09 7E 7E 05 FF", 13),
    # SONY-HTML Sony_SRG-360SHE.html individual inquiries
    ("CAM_SlowShutterModeInq", m.inq_slow_shutter_mode, "81 09 04 5A FF", 1),
    ("CAM_GainLimitInq", m.inq_gain_limit, "81 09 04 2C FF", 1),
    ("CAM_WDModeInq", m.inq_wide_dynamic, "81 09 7E 04 00 FF", 1),
    ("CAM_DefogInq", m.inq_defog, "81 09 04 37 FF", 2),
    ("CAM_NRInq", m.inq_noise_reduction, "81 09 04 53 FF", 1),
    ("CAM_GammaInq", m.inq_gamma, "81 09 04 5B FF", 1),
    ("CAM_HighSensitivityInq", m.inq_high_sensitivity, "81 09 04 5E FF", 1),
    ("CAM_PictureEffectModeInq", m.inq_picture_effect, "81 09 04 63 FF", 1),
    ("Information Display Inq", m.inq_info_display, "81 09 7E 01 18 FF", 1),
]


@pytest.mark.parametrize(
    ("builder", "expected"), [(b, e) for _, b, e in COMMANDS], ids=[i for i, _, _ in COMMANDS]
)
def test_command_bytes_match_the_doc_row(builder: Callable[[], Request], expected: str) -> None:
    request = builder()
    assert request.hex(1) == expected
    assert request.to_bytes(1) == m.from_hex(expected)
    assert request.kind in (RequestKind.COMMAND, RequestKind.CANCEL, RequestKind.INQUIRY)


@pytest.mark.parametrize(
    ("builder", "expected", "reply_len"),
    [(b, e, n) for _, b, e, n in INQUIRIES],
    ids=[i for i, _, _, _ in INQUIRIES],
)
def test_inquiry_bytes_match_the_doc_row(
    builder: Callable[[], Request], expected: str, reply_len: int | None
) -> None:
    request = builder()
    assert request.kind is RequestKind.INQUIRY
    assert request.hex(1) == expected
    assert request.reply_len == reply_len


@pytest.mark.parametrize("address", range(1, 8))
def test_header_carries_the_camera_address(address: int) -> None:
    assert m.power(True).to_bytes(address)[0] == 0x80 | address
    assert m.inq_power().to_bytes(address) == bytes((0x80 | address, 0x09, 0x04, 0x00, 0xFF))


def test_broadcasts_use_header_88_whatever_the_address() -> None:
    assert m.address_set().kind is RequestKind.BROADCAST
    assert m.address_set().hex(3) == "88 30 01 FF"
    assert m.if_clear().hex(5) == "88 01 00 01 FF"
    # The addressed IF_Clear is answered "z0 50 FF" with no ACK (VISCA.md §1.4).
    addressed = m.if_clear(broadcast=False)
    assert (addressed.kind, addressed.reply_len) == (RequestKind.INQUIRY, 0)


def test_every_packet_fits_the_wire_rules() -> None:
    for _, builder, _ in COMMANDS:
        packet = builder().to_bytes(7)
        assert 3 <= len(packet) <= m.MAX_EXTENDED_PACKET_LEN
        assert packet[-1] == 0xFF
        assert 0xFF not in packet[:-1]
        assert packet[0] & 0x80
    # Only the SRG-360SHE 5+5 form exceeds Sony's 16 bytes (SONY-HTML note *6).
    long = [i for i, b, _ in COMMANDS if len(b().to_bytes(1)) > m.MAX_PACKET_LEN]
    assert long == [
        "absolute 5+5 single speed (SRG-360SHE, 17 bytes)",
        "relative 5+5 (SRG-360SHE)",
        "limit clear downleft 5+5 (SRG-360SHE)",
    ]


# --- argument validation ----------------------------------------------------------------

BAD_CALLS: list[tuple[str, Callable[[], object]]] = [
    ("speed 00 (obs-ptz#40)", lambda: m.pan_tilt_drive(P.LEFT, T.STOP, 0, 1)),
    ("tilt speed 00", lambda: m.pan_tilt_stop(1, 0)),
    ("speed over 32h", lambda: m.pan_tilt_drive(P.LEFT, T.STOP, 0x33, 1)),
    ("bad pan dir", lambda: m.pan_tilt_drive(7, T.STOP, 1, 1)),  # type: ignore[arg-type]
    ("pan over 4 nibbles", lambda: m.pan_tilt_absolute(0x8000, 0, 1, 1)),
    ("pan under 4 nibbles", lambda: m.pan_tilt_absolute(-0x8001, 0, 1, 1)),
    ("tilt over 5 nibbles", lambda: m.pan_tilt_absolute(0, 0x80000, 1, None, 5, 5)),
    ("6 nibbles", lambda: m.pan_tilt_absolute(0, 0, 1, 1, pan_nibbles=6)),
    ("relative speed 0", lambda: m.pan_tilt_relative(0, 0, 0, 1)),
    ("zoom negative", lambda: m.zoom_direct(-1)),
    ("zoom over FFFF", lambda: m.zoom_direct(0x10000)),
    ("zoom speed 8", lambda: m.zoom_tele(8)),
    ("focus speed -1", lambda: m.focus_far(-1)),
    ("focus over FFFF", lambda: m.focus_direct(0x10000)),
    ("zoom+focus bad focus", lambda: m.zoom_focus_direct(0, -5)),
    ("bad focus mode", lambda: m.focus_mode(0x04)),  # type: ignore[arg-type]
    ("bad WB mode", lambda: m.wb_mode(9)),  # type: ignore[arg-type]
    ("bad AE mode", lambda: m.ae_mode(1)),  # type: ignore[arg-type]
    ("gain direct 256", lambda: m.gain(0x100)),
    ("r gain negative", lambda: m.r_gain(-1)),
    ("gain limit 3", lambda: m.gain_limit(3)),
    ("WD 4", lambda: m.wide_dynamic(4)),
    ("NR 6", lambda: m.noise_reduction(6)),
    ("memory 0p 10h", lambda: m.memory_recall(0x10, "0p")),
    ("memory pp FFh", lambda: m.memory_set(0xFF)),
    ("memory negative", lambda: m.memory_reset(-1)),
    ("memory bad encoding", lambda: m.memory_recall(1, "qq")),  # type: ignore[arg-type]
    ("preset speed 1Ah", lambda: m.preset_speed_common(0x1A)),
    ("cam id over FFFF", lambda: m.cam_id_write(0x10000)),
    ("register 80h", lambda: m.register_write(0x80, 0)),
    ("cancel socket 0", lambda: m.cancel(0)),
    ("block 6", lambda: m.inq_block(6)),
    ("float speed", lambda: m.pan_tilt_stop(1.5, 1)),  # type: ignore[arg-type]
    ("bool position", lambda: m.zoom_direct(True)),
    ("address 0", lambda: m.power(True).to_bytes(0)),
    ("address 8", lambda: m.power(True).to_bytes(8)),
    ("body with FF", lambda: Request("x", RequestKind.COMMAND, b"\x01\xff")),
    ("body too long", lambda: Request("x", RequestKind.COMMAND, bytes(16))),
]


@pytest.mark.parametrize("call", [c for _, c in BAD_CALLS], ids=[i for i, _ in BAD_CALLS])
def test_builders_reject_out_of_range_arguments(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        call()


def test_speed_zero_error_explains_the_sony_rule() -> None:
    with pytest.raises(ValueError, match="syntax error"):
        m.pan_tilt_drive(P.STOP, T.STOP, 0, 0)


# --- replies ----------------------------------------------------------------------------

REPLIES: list[tuple[str, str, m.Reply]] = [
    ("ACK socket 1", "90 41 FF", m.Ack(1, 1)),
    ("ACK socket 2 cam 7", "F0 42 FF", m.Ack(7, 2)),
    ("completion socket 2", "90 52 FF", m.Completion(1, 2)),
    ("IF_Clear completion", "A0 50 FF", m.Completion(2, 0)),
    ("inquiry data", "90 50 02 FF", m.InquiryReply(1, b"\x02")),
    ("power fault value 04 (TOP0)", "90 50 04 FF", m.InquiryReply(1, b"\x04")),
    ("length error", "90 61 01 FF", m.ErrorReply(1, 1, 0x01)),
    ("syntax error", "90 60 02 FF", m.ErrorReply(1, 0, 0x02)),
    ("buffer full", "90 60 03 FF", m.ErrorReply(1, 0, 0x03)),
    ("canceled", "90 62 04 FF", m.ErrorReply(1, 2, 0x04)),
    ("no socket", "90 61 05 FF", m.ErrorReply(1, 1, 0x05)),
    ("not executable (EVI-D100)", "90 61 41 FF", m.ErrorReply(1, 1, 0x41)),
    ("unknown error code kept", "90 61 7A FF", m.ErrorReply(1, 1, 0x7A)),
    ("network change", "90 38 FF", m.NetworkChange(1)),
    ("network change seen as 80 38 FF", "80 38 FF", m.NetworkChange(0)),
    ("AddressSet one camera", "88 30 02 FF", m.AddressReply(2)),
    ("AddressSet seven cameras", "88 30 08 FF", m.AddressReply(8)),
    ("IF_Clear echo", "88 01 00 01 FF", m.IfClearEcho()),
    ("IR power", "90 07 7D 01 04 00 FF", m.Notification(1, bytes.fromhex("7D010400"))),
    ("IR pan-tilt", "A0 07 7D 01 06 01 FF", m.Notification(2, bytes.fromhex("7D010601"))),
]


@pytest.mark.parametrize(
    ("wire", "reply"), [(w, r) for _, w, r in REPLIES], ids=[i for i, _, _ in REPLIES]
)
def test_reply_decodes_and_encodes_back(wire: str, reply: m.Reply) -> None:
    assert m.decode_reply(m.from_hex(wire)) == reply
    # "80 38 FF" is what was seen in the field; we only ever encode real addresses.
    if wire != "80 38 FF":
        assert m.encode_reply(reply) == m.from_hex(wire)


def test_error_codes_and_notification_details() -> None:
    assert m.ErrorReply(1, 1, 0x41).error is m.ErrorCode.NOT_EXECUTABLE
    assert m.ErrorReply(1, 1, 0x7A).error is None
    assert [int(c) for c in m.ErrorCode] == [0x01, 0x02, 0x03, 0x04, 0x05, 0x41]
    assert m.AddressReply(4).camera_count == 3
    assert m.Notification(1, bytes.fromhex("7D010438")).ir_command == (0x04, 0x38)
    assert m.Notification(1, b"\x01").ir_command is None


@pytest.mark.parametrize(
    "wire",
    ["", "90", "90 FF", "90 41", "10 41 FF", "90 41 FF FF", "91 41 FF", "90 44 00 FF", "90 51 02 FF",
     "88 30 FF", "88 30 10 FF", "88 01 00 02 FF", "90 62 FF", "90 38 00 FF", "81 01 04 00 02 FF"],
)  # fmt: skip
def test_odd_packets_become_unknown_reply_and_never_raise(wire: str) -> None:
    raw = m.from_hex(wire)
    assert m.decode_reply(raw) == m.UnknownReply(raw)


# --- inquiry decoders -------------------------------------------------------------------


def test_inquiry_decoders() -> None:
    assert m.decode_power(b"\x02") is True
    assert m.decode_power(b"\x03") is False
    assert m.decode_power_state(b"\x04") is m.PowerState.FAULT
    assert m.decode_power(b"\x04") is False
    assert m.decode_u16(m.from_hex("04 00 00 00")) == 0x4000
    assert m.decode_u8(m.from_hex("00 00 0A 05")) == 0xA5
    assert m.decode_on_off(b"\x03") is False
    assert m.decode_mode(b"\x0d") == m.AEMode.BRIGHT
    assert m.decode_ir_condition(b"\x02") is m.IRCondition.INACTIVE
    assert m.decode_max_speed(b"\x18\x17") == (0x18, 0x17)
    version = m.decode_version(m.from_hex("00 01 06 04 01 23 02"))
    assert version == m.VersionInfo(vendor=0x0001, model=0x0604, rom=0x0123, max_socket=2)
    pan_tilt = m.from_hex("0F 07 02 05 00 04 0B 00")
    assert m.decode_pan_tilt(pan_tilt) == (-2267, 0x04B0)
    assert m.decode_pan_tilt(m.from_hex("0E 0A 0C 00 00 00 0B 04 00 00"), 5, 5) == (
        -0x15400,
        0xB400,
    )
    assert m.decode_pan_tilt(m.from_hex("00 00 09 03 07 0F 0F 0F 0F"), 5, 4) == (0x937, -1)
    assert [m.pan_tilt_nibbles_from_len(n) for n in (8, 9, 10)] == [(4, 4), (5, 4), (5, 5)]


BAD_DATA: list[tuple[str, Callable[[], object]]] = [
    ("power empty", lambda: m.decode_power(b"")),
    ("power 05", lambda: m.decode_power(b"\x05")),
    ("u16 three bytes", lambda: m.decode_u16(b"\x00\x00\x00")),
    ("u16 not nibbles", lambda: m.decode_u16(b"\x10\x00\x00\x00")),
    ("u8 high bytes set", lambda: m.decode_u8(b"\x01\x00\x00\x00")),
    ("on/off 04", lambda: m.decode_on_off(b"\x04")),
    ("pan-tilt 11 bytes for 4+4", lambda: m.decode_pan_tilt(bytes(9))),
    ("pan-tilt shape 7", lambda: m.pan_tilt_nibbles_from_len(7)),
    ("version short", lambda: m.decode_version(bytes(6))),
    ("status 3 bytes", lambda: m.decode_pan_tilt_status(bytes(3))),
    ("block 12 bytes", lambda: m.decode_block(0, bytes(12))),
    ("block number 6", lambda: m.decode_block(6, bytes(13))),
    ("IR condition 03", lambda: m.decode_ir_condition(b"\x03")),
]


@pytest.mark.parametrize("call", [c for _, c in BAD_DATA], ids=[i for i, _ in BAD_DATA])
def test_decoders_reject_wrong_data(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        call()


def test_pan_tilt_status_bits_per_sony_table() -> None:
    # 2801: init done (13–12 = 10), move completed (11–10 = 10), pan at left end (bit 0).
    status = m.decode_pan_tilt_status(m.from_hex("28 01"))
    assert (status.init, status.move) == (m.InitStatus.DONE, m.MoveStatus.COMPLETED)
    assert (status.pan_left_end, status.pan_right_end, status.tilt_up_end) == (True, False, False)
    moving = m.decode_pan_tilt_status(m.from_hex("24 0A"))
    assert (moving.moving, moving.pan_right_end, moving.tilt_down_end) == (True, True, True)
    failed = m.decode_pan_tilt_status(m.from_hex("3D 10"))
    assert (failed.init, failed.move) == (m.InitStatus.FAILED, m.MoveStatus.FAILED)
    assert (failed.tilt_abnormal, failed.pan_abnormal) == (True, True)
    # BRC-X1000 adds fault 2 = "mechanism is defective" on both axes.
    defective = m.decode_pan_tilt_status(m.from_hex("22 20"))
    assert (defective.pan_fault, defective.tilt_fault, defective.moving) == (2, 2, False)
    for data in ("28 01", "24 0A", "3D 10", "00 00", "22 20"):
        assert m.decode_pan_tilt_status(m.from_hex(data)).to_data() == m.from_hex(data)


# --- round trips ------------------------------------------------------------------------


@given(st.integers(1, 8).flatmap(lambda n: st.tuples(st.just(n), st.integers(*m.nibble_range(n)))))
def test_signed_nibbles_round_trip(case: tuple[int, int]) -> None:
    count, value = case
    data = m.nibbles(value, count)
    assert len(data) == count
    assert all(b <= 0x0F for b in data)
    assert m.from_nibbles(data) == value


@given(st.integers(0, 0xFFFF))
def test_unsigned_positions_round_trip_through_replies(pos: int) -> None:
    # Simulator side encodes "y0 50 0p 0q 0r 0s FF"; driver side decodes it.
    packet = m.encode_reply(m.InquiryReply(3, m.nibbles(pos, 4, signed=False)))
    reply = m.decode_reply(packet)
    assert isinstance(reply, m.InquiryReply)
    assert (reply.address, m.decode_u16(reply.data)) == (3, pos)


@given(
    st.sampled_from([(4, 4), (5, 4), (5, 5)]).flatmap(
        lambda shape: st.tuples(
            st.just(shape),
            st.integers(*m.nibble_range(shape[0])),
            st.integers(*m.nibble_range(shape[1])),
        )
    )
)
def test_pan_tilt_positions_round_trip(case: tuple[tuple[int, int], int, int]) -> None:
    (pn, tn), pan, tilt = case
    body = m.pan_tilt_absolute(pan, tilt, 1, None if pn == 5 else 1, pn, tn).body
    assert m.decode_pan_tilt(body[5:], pn, tn) == (pan, tilt)
    reply = m.decode_reply(m.encode_reply(m.InquiryReply(1, body[5:])))
    assert isinstance(reply, m.InquiryReply)
    assert m.pan_tilt_nibbles_from_len(len(reply.data)) == (pn, tn)
    assert m.decode_pan_tilt(reply.data, pn, tn) == (pan, tilt)


@given(
    st.builds(
        m.LensBlock,
        st.integers(0, 0xFFFF),
        st.integers(0, 0xFF).map(lambda v: v << 8),
        st.integers(0, 0xFFFF),
        st.integers(0, 2),
        *[st.booleans()] * 7,
    ),
    st.builds(
        m.CameraBlock,
        st.integers(0, 0xFF),
        st.integers(0, 0xFF),
        st.integers(0, 5),
        st.integers(0, 0x0F),
        st.sampled_from([0x00, 0x03, 0x0A, 0x0B, 0x0D]),
        *[st.booleans()] * 5,
        st.integers(0, 0x15),
        st.integers(0, 0x11),
        st.integers(0, 0x0F),
        st.integers(0, 0x1F),
        st.integers(0, 0x0E),
    ),
    st.builds(
        m.OtherBlock,
        st.booleans(),
        st.sampled_from([0, 2, 4]),
        st.integers(0, 0xFFFF),
        st.booleans(),
    ),
)
def test_blocks_round_trip(lens: m.LensBlock, camera: m.CameraBlock, other: m.OtherBlock) -> None:
    for n, block in ((0, lens), (1, camera), (2, other)):
        data = block.to_data()
        assert len(data) == m.BLOCK_REPLY_LEN
        assert m.decode_block(n, data) == block
        # A block reply is the longest inquiry answer: 16 bytes on the wire.
        assert len(m.encode_reply(m.InquiryReply(1, data))) == m.MAX_PACKET_LEN


def test_block_bit_maps_per_sony_example() -> None:
    # Lens block: zoom 4000, near limit D0xx, focus 1234, AF zoom-trigger/normal/DZ off/auto,
    # memory recall executing (SONY-HTML Sony_SRG-120DH.html "Block Inquiries").
    lens = m.decode_block(0, m.from_hex("04 00 00 00 0D 00 01 02 03 04 00 15 04"))
    assert isinstance(lens, m.LensBlock)
    assert (lens.zoom_pos, lens.focus_near_limit, lens.focus_pos) == (0x4000, 0xD000, 0x1234)
    assert (lens.af_mode, lens.af_sensitivity_normal, lens.digital_zoom, lens.focus_auto) == (
        2, True, False, True,
    )  # fmt: skip
    assert (lens.memory_recall_executing, lens.zoom_executing) == (True, False)
    camera = m.decode_block(1, m.from_hex("0A 05 02 0C 05 08 03 16 11 0C 07 1F 07"))
    assert isinstance(camera, m.CameraBlock)
    assert (camera.r_gain, camera.b_gain, camera.wb_mode, camera.aperture) == (0xA5, 0x2C, 5, 8)
    assert (camera.ae_mode, camera.high_resolution, camera.wide_dynamic) == (3, False, True)
    assert (camera.backlight, camera.exp_comp_on, camera.slow_shutter_auto) == (True, True, False)
    assert (camera.shutter, camera.iris, camera.gain, camera.bright, camera.exp_comp) == (
        0x11, 0x0C, 7, 0x1F, 7,
    )  # fmt: skip
    other = m.decode_block(2, m.from_hex("01 00 00 04 00 00 0B 0E 0E 0F 01 00 00"))
    assert other == m.OtherBlock(power=True, picture_effect=4, camera_id=0xBEEF, system_50hz=True)
    enl = m.decode_block(3, m.from_hex("02 00 00 05 00 0A 00 00 00 04 19 0C 00"))
    assert isinstance(enl, m.EnlargementBlock1)
    assert (enl.digital_zoom_pos, enl.af_active_time, enl.af_interval_time) == (0x20, 5, 0x0A)
    assert (enl.color_gain, enl.gamma, enl.high_sensitivity, enl.nr_level) == (4, 1, True, 1)
    assert (enl.chroma_suppress, enl.gain_limit) == (1, 4)
    block4 = m.decode_block(4, m.from_hex("00 00 00 00 00 01 00 00 00 00 00 00 00"))
    block5 = m.decode_block(5, m.from_hex("07 00 00 00 00 00 00 00 00 00 00 00 00"))
    assert isinstance(block4, m.RawBlock)
    assert isinstance(block5, m.RawBlock)
    assert (block4.defog, block5.color_hue, block5.defog) == (True, 7, None)
