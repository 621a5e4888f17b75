"""Block inquiries ``8x 09 7E 7E 0n FF`` (n 0–5): 13 data bytes packing many settings.

Bit maps from SONY-HTML ``Sony_SRG-120DH.html`` and ``Sony_SRG-360SHE.html`` ("Block
Inquiries"); they agree on the lens, camera and other blocks. Sony numbers bytes from
the header (byte 0 = ``y0``, byte 1 = ``50``), so data index = Sony byte − 2. Every
decoded block keeps its ``raw`` 13 bytes; enlargement blocks 2 and 3 are model-specific
and decoded only for the fields the SRG-120DH documents. ``to_data`` builds the bytes
back (the simulator's side).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._core import from_nibbles, nibbles, to_hex

BLOCK_LEN = 13


def _check(data: bytes, what: str) -> bytes:
    data = bytes(data)
    if len(data) != BLOCK_LEN:
        raise ValueError(f"{what}: expected {BLOCK_LEN} data bytes, got {len(data)}")
    if any(b > 0x7F for b in data):
        raise ValueError(f"{what}: data byte with bit 7 set in {to_hex(data)}")
    return data


def _bit(byte: int, bit: int) -> bool:
    return bool(byte >> bit & 1)


@dataclass(frozen=True, slots=True)
class LensBlock:
    """CAM_LensBlockInq (``7E 7E 00``)."""

    zoom_pos: int  # Sony bytes 2–5
    focus_near_limit: int  # bytes 6–7: the upper two nibbles of the near limit (value << 8)
    focus_pos: int  # bytes 8–11
    af_mode: int  # byte 13 bits 4–3: 0 normal, 1 interval, 2 zoom trigger
    af_sensitivity_normal: bool  # byte 13 bit 2 (1 normal, 0 low)
    digital_zoom: bool  # byte 13 bit 1
    focus_auto: bool  # byte 13 bit 0
    low_contrast: bool  # byte 14 bit 3
    memory_recall_executing: bool  # byte 14 bit 2
    focus_executing: bool  # byte 14 bit 1
    zoom_executing: bool  # byte 14 bit 0
    raw: bytes = field(default=b"", compare=False, repr=False)

    @classmethod
    def from_data(cls, data: bytes) -> LensBlock:
        d = _check(data, "CAM_LensBlockInq")
        return cls(
            zoom_pos=from_nibbles(d[0:4], signed=False),
            focus_near_limit=from_nibbles(d[4:6], signed=False) << 8,
            focus_pos=from_nibbles(d[6:10], signed=False),
            af_mode=d[11] >> 3 & 0b11,
            af_sensitivity_normal=_bit(d[11], 2),
            digital_zoom=_bit(d[11], 1),
            focus_auto=_bit(d[11], 0),
            low_contrast=_bit(d[12], 3),
            memory_recall_executing=_bit(d[12], 2),
            focus_executing=_bit(d[12], 1),
            zoom_executing=_bit(d[12], 0),
            raw=d,
        )

    def to_data(self) -> bytes:
        flags = (
            (self.af_mode & 0b11) << 3
            | self.af_sensitivity_normal << 2
            | self.digital_zoom << 1
            | self.focus_auto
        )
        status = (
            self.low_contrast << 3
            | self.memory_recall_executing << 2
            | self.focus_executing << 1
            | self.zoom_executing
        )
        return (
            nibbles(self.zoom_pos, 4, signed=False)
            + nibbles(self.focus_near_limit >> 8, 2, signed=False)
            + nibbles(self.focus_pos, 4, signed=False)
            + bytes((0x00, flags, status))
        )


@dataclass(frozen=True, slots=True)
class CameraBlock:
    """CAM_CameraBlockInq (``7E 7E 01``)."""

    r_gain: int  # bytes 2–3
    b_gain: int  # bytes 4–5
    wb_mode: int  # byte 6
    aperture: int  # byte 7
    ae_mode: int  # byte 8 bits 4–0
    high_resolution: bool  # byte 9 bit 5
    wide_dynamic: bool  # byte 9 bit 4 (1 = WD not off)
    backlight: bool  # byte 9 bit 2
    exp_comp_on: bool  # byte 9 bit 1
    slow_shutter_auto: bool  # byte 9 bit 0
    shutter: int  # byte 10 bits 4–0
    iris: int  # byte 11 bits 4–0
    gain: int  # byte 12 bits 3–0
    bright: int  # byte 13 bits 4–0
    exp_comp: int  # byte 14 bits 3–0
    raw: bytes = field(default=b"", compare=False, repr=False)

    @classmethod
    def from_data(cls, data: bytes) -> CameraBlock:
        d = _check(data, "CAM_CameraBlockInq")
        return cls(
            r_gain=from_nibbles(d[0:2], signed=False),
            b_gain=from_nibbles(d[2:4], signed=False),
            wb_mode=d[4] & 0x0F,
            aperture=d[5] & 0x0F,
            ae_mode=d[6] & 0x1F,
            high_resolution=_bit(d[7], 5),
            wide_dynamic=_bit(d[7], 4),
            backlight=_bit(d[7], 2),
            exp_comp_on=_bit(d[7], 1),
            slow_shutter_auto=_bit(d[7], 0),
            shutter=d[8] & 0x1F,
            iris=d[9] & 0x1F,
            gain=d[10] & 0x0F,
            bright=d[11] & 0x1F,
            exp_comp=d[12] & 0x0F,
            raw=d,
        )

    def to_data(self) -> bytes:
        flags = (
            self.high_resolution << 5
            | self.wide_dynamic << 4
            | self.backlight << 2
            | self.exp_comp_on << 1
            | self.slow_shutter_auto
        )
        return (
            nibbles(self.r_gain, 2, signed=False)
            + nibbles(self.b_gain, 2, signed=False)
            + bytes(
                (
                    self.wb_mode & 0x0F,
                    self.aperture & 0x0F,
                    self.ae_mode & 0x1F,
                    flags,
                    self.shutter & 0x1F,
                    self.iris & 0x1F,
                    self.gain & 0x0F,
                    self.bright & 0x1F,
                    self.exp_comp & 0x0F,
                )
            )
        )


@dataclass(frozen=True, slots=True)
class OtherBlock:
    """CAM_OtherBlockInq (``7E 7E 02``)."""

    power: bool  # byte 2 bit 0
    picture_effect: int  # byte 5 bits 3–0
    camera_id: int  # bytes 8–11
    system_50hz: bool  # byte 12 bit 0 (1 = 50/25 Hz, 0 = 59.94/29.97 Hz)
    raw: bytes = field(default=b"", compare=False, repr=False)

    @classmethod
    def from_data(cls, data: bytes) -> OtherBlock:
        d = _check(data, "CAM_OtherBlockInq")
        return cls(
            power=_bit(d[0], 0),
            picture_effect=d[3] & 0x0F,
            camera_id=from_nibbles(d[6:10], signed=False),
            system_50hz=_bit(d[10], 0),
            raw=d,
        )

    def to_data(self) -> bytes:
        return (
            bytes((int(self.power), 0x00, 0x00, self.picture_effect & 0x0F, 0x00, 0x00))
            + nibbles(self.camera_id, 4, signed=False)
            + bytes((int(self.system_50hz), 0x00, 0x00))
        )


@dataclass(frozen=True, slots=True)
class EnlargementBlock1:
    """CAM_EnlargementBlock1Inq (``7E 7E 03``), SRG-120DH layout; other models differ
    (SRG-360SHE packs gamma/NR/gain limit elsewhere), so check ``raw`` for those."""

    digital_zoom_pos: int  # bytes 2–3
    af_active_time: int  # bytes 4–5
    af_interval_time: int  # bytes 6–7
    color_gain: int  # byte 11
    gamma: int  # byte 12 bits 5–4
    high_sensitivity: bool  # byte 12 bit 3
    nr_level: int  # byte 12 bits 1–0
    chroma_suppress: int  # byte 13 bits 5–3
    gain_limit: int  # byte 13 bits 2–0
    raw: bytes = field(default=b"", compare=False, repr=False)

    @classmethod
    def from_data(cls, data: bytes) -> EnlargementBlock1:
        d = _check(data, "CAM_EnlargementBlock1Inq")
        return cls(
            digital_zoom_pos=from_nibbles(d[0:2], signed=False),
            af_active_time=from_nibbles(d[2:4], signed=False),
            af_interval_time=from_nibbles(d[4:6], signed=False),
            color_gain=d[9],
            gamma=d[10] >> 4 & 0b11,
            high_sensitivity=_bit(d[10], 3),
            nr_level=d[10] & 0b11,
            chroma_suppress=d[11] >> 3 & 0b111,
            gain_limit=d[11] & 0b111,
            raw=d,
        )


@dataclass(frozen=True, slots=True)
class RawBlock:
    """Enlargement blocks 2 and 3: model-specific; SRG-120DH documents defog (block 2,
    byte 7 bit 0) and colour hue (block 3, byte 2)."""

    number: int
    raw: bytes

    @property
    def defog(self) -> bool | None:
        return _bit(self.raw[5], 0) if self.number == 4 else None

    @property
    def color_hue(self) -> int | None:
        return self.raw[0] & 0x0F if self.number == 5 else None


Block = LensBlock | CameraBlock | OtherBlock | EnlargementBlock1 | RawBlock


def decode_block(n: int, data: bytes) -> Block:
    """Decode the answer to ``inq_block(n)``; ``ValueError`` on a bad length or number."""
    if n == 0:
        return LensBlock.from_data(data)
    if n == 1:
        return CameraBlock.from_data(data)
    if n == 2:
        return OtherBlock.from_data(data)
    if n == 3:
        return EnlargementBlock1.from_data(data)
    if n in (4, 5):
        return RawBlock(n, _check(data, f"block {n}"))
    raise ValueError(f"block number must be 0–5, got {n}")


__all__ = [
    "Block",
    "CameraBlock",
    "EnlargementBlock1",
    "LensBlock",
    "OtherBlock",
    "RawBlock",
    "decode_block",
]
