"""Inquiries (``8x 09 … FF``) of the simulated camera, answered from the live state.

Every inquiry of VISCA.md §2.4 (shared docs) is answered with data consistent with the
state the commands left (position read at the instant the camera processes the
inquiry). Bit-packed answers (pan-tilt status, lens/camera/other blocks) are built
with the wire layer's own dataclasses (``messages.PanTiltStatus``, ``LensBlock`` …), so
the layout lives in one place; enlargement block 1 follows the SRG-300H transcription
(SONY-HTML ``Sony_SRG-300H.html``), blocks 2–3 carry defog and colour hue only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from drivers.visca.messages import (
    CameraBlock,
    InitStatus,
    LensBlock,
    MoveStatus,
    OtherBlock,
    PanTiltStatus,
    nibbles,
)
from drivers.visca.sim.state import SYNTAX, Reject

if TYPE_CHECKING:
    from drivers.visca.sim.types import SimulatedCamera

ON, OFF = 0x02, 0x03
MAX_SOCKET: Final = 0x02  # CAM_VersionInq KK: two command sockets (VISCA.md §1.3)
# VideoSystemInq values for the frame rates we simulate (SONY-HTML SRG-300H).
_VIDEO_SYSTEM: Final = ((1 / 59.94, 0x00), (1 / 50, 0x08), (1 / 29.97, 0x02), (1 / 25, 0x0A))


def answer_inquiry(cam: SimulatedCamera, query: bytes, now: float) -> bytes:
    """Data bytes of the answer to ``query`` (bytes after ``8x 09``); ``Reject`` if unknown."""
    if query == b"\x00\x02":
        return _version(cam)
    if query == b"\x04\x00":
        return bytes((ON if cam.power else OFF,))
    if query == b"\x04\x47":
        return nibbles(round(cam.axes["zoom"].position(now)), 4, signed=False)
    if query == b"\x04\x48":
        return nibbles(round(cam.focus_position(now)), 4, signed=False)
    if query == b"\x04\x38":
        return bytes((ON if cam.focus_auto else OFF,))
    if query == b"\x04\x3f":
        return bytes((cam.last_preset,))
    if query == b"\x06\x06":
        return bytes((ON if cam.menu_open else OFF,))
    if query == b"\x06\x34":
        return b"\x00"  # IR condition: stable (no remote in a simulation)
    if query == b"\x06\x23":
        return bytes((_video_system(cam.frame_s),))
    if query == b"\x06\x10":
        return _pan_tilt_status(cam, now)
    if query == b"\x06\x11":
        return bytes((cam.profile.max_pan_speed, cam.profile.max_tilt_speed))
    if query == b"\x06\x12":
        pan = round(cam.axes["pan"].position(now))
        tilt = round(cam.axes["tilt"].position(now))
        return nibbles(pan, cam.profile.pan_nibbles) + nibbles(tilt, cam.profile.tilt_nibbles)
    if len(query) == 3 and query[:2] == b"\x7e\x7e" and query[2] <= 0x05:
        return _BLOCKS[query[2]](cam, now)
    data = cam.settings.inquiry(query)
    if data is None:
        raise Reject(SYNTAX)
    return data


def _version(cam: SimulatedCamera) -> bytes:
    profile = cam.profile
    vendor = profile.vendor_ids[0] if profile.vendor_ids else 0x0000
    model = profile.model_ids[0] if profile.model_ids else 0x0000
    return b"".join(v.to_bytes(2, "big") for v in (vendor, model, cam.rom_version)) + bytes(
        (MAX_SOCKET,)
    )


def _video_system(frame_s: float) -> int:
    return min(_VIDEO_SYSTEM, key=lambda item: abs(item[0] - frame_s))[1]


def _pan_tilt_status(cam: SimulatedCamera, now: float) -> bytes:
    pan, tilt = cam.axes["pan"], cam.axes["tilt"]
    moving = pan.moving(now) or tilt.moving(now)
    return PanTiltStatus(
        raw=0,
        init=InitStatus.INITIALIZING if cam.resetting(now) else InitStatus.DONE,
        move=MoveStatus.MOVING if moving else MoveStatus.COMPLETED,
        pan_left_end=pan.at_limit(now) < 0,
        pan_right_end=pan.at_limit(now) > 0,
        tilt_up_end=tilt.at_limit(now) > 0,
        tilt_down_end=tilt.at_limit(now) < 0,
    ).to_data()


# --- block inquiries (13 data bytes each) ---------------------------------------------------


def _lens_block(cam: SimulatedCamera, now: float) -> bytes:
    settings = cam.settings
    return LensBlock(
        zoom_pos=round(cam.axes["zoom"].position(now)),
        focus_near_limit=settings.words[0x28] & 0xFF00,  # the block carries the top byte
        focus_pos=round(cam.focus_position(now)),
        af_mode=settings.mode(b"\x04\x57") & 0x03,
        af_sensitivity_normal=settings.mode(b"\x04\x58") == 0x02,
        digital_zoom=settings.mode(b"\x04\x06") == ON,
        focus_auto=cam.focus_auto,
        low_contrast=False,
        memory_recall_executing=cam.recalling(now),
        focus_executing=cam.axes["focus"].moving(now),
        zoom_executing=cam.axes["zoom"].moving(now),
    ).to_data()


def _camera_block(cam: SimulatedCamera, now: float) -> bytes:
    levels, mode = cam.settings.levels, cam.settings.mode
    return CameraBlock(
        r_gain=levels[0x43],
        b_gain=levels[0x44],
        wb_mode=mode(b"\x04\x35"),
        aperture=levels[0x42],
        ae_mode=mode(b"\x04\x39"),
        high_resolution=mode(b"\x04\x52") == ON,
        wide_dynamic=mode(b"\x7e\x04\x00") != 0,
        backlight=mode(b"\x04\x33") == ON,
        exp_comp_on=mode(b"\x04\x3e") == ON,
        slow_shutter_auto=mode(b"\x04\x5a") == ON,
        shutter=levels[0x4A],
        iris=levels[0x4B],
        gain=levels[0x4C],
        bright=levels[0x4D],
        exp_comp=levels[0x4E],
    ).to_data()


def _other_block(cam: SimulatedCamera, now: float) -> bytes:
    return OtherBlock(
        power=cam.power,
        picture_effect=cam.settings.mode(b"\x04\x63"),
        camera_id=cam.settings.words[0x22],
        system_50hz=_video_system(cam.frame_s) >= 0x08,
    ).to_data()


def _enlargement_block(cam: SimulatedCamera, now: float) -> bytes:
    s = cam.settings
    zoom = round(cam.axes["zoom"].position(now))
    digital = max(0, zoom - cam.profile.zoom_range[1]) >> 8
    interval = s.words[0x27]
    byte13 = (s.mode(b"\x04\x5b") & 0x07) << 4 | (1 << 3 if s.mode(b"\x04\x5e") == ON else 0)
    byte13 |= s.mode(b"\x04\x53") & 0x07
    byte14 = (s.mode(b"\x04\x5f") & 0x07) << 4 | (s.mode(b"\x04\x2c") & 0x0F)
    return bytes(
        (
            *nibbles(digital, 2, signed=False),
            *nibbles(interval, 4, signed=False),
            0x00,
            0x00,
            0x00,
            cam.settings.color_gain[0],  # colour gain master (4 = 100 %)
            0x00,
            byte13,
            byte14,
        )
    )


def _enlargement2_block(cam: SimulatedCamera, now: float) -> bytes:
    defog = 1 if cam.settings.defog[0] == ON else 0
    return bytes((0, 0, 0, 0, 0, defog, 0, 0, 0, 0, 0, 0, 0))


def _enlargement3_block(cam: SimulatedCamera, now: float) -> bytes:
    return bytes((cam.settings.color_hue[0], *(0,) * 12))  # colour hue master (7 = 0°)


_BLOCKS: Final = (
    _lens_block,
    _camera_block,
    _other_block,
    _enlargement_block,
    _enlargement2_block,
    _enlargement3_block,
)
