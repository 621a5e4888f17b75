"""Decoders for inquiry-reply data (the bytes between ``y0 50`` and ``FF``).

VISCA.md §2.4 (shared docs) gives the layouts. A decoder given data of the wrong
length, or a value the layout does not allow, raises ``ValueError``; the protocol layer
turns that into a ``ProtocolError`` naming the device.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ._core import OFF, ON, to_hex
from ._core import from_nibbles as _from_nibbles

# CAM_PowerInq values (VISCA.md §2.4; 04 = "internal power circuit error", TOP0).
POWER_ON = 0x02
POWER_STANDBY = 0x03
POWER_FAULT = 0x04


class PowerState(enum.IntEnum):
    ON = POWER_ON
    STANDBY = POWER_STANDBY
    FAULT = POWER_FAULT


class IRCondition(enum.IntEnum):
    """IR_ConditionInq ``0p`` (VISCA.md §2.4)."""

    STABLE = 0x00
    UNSTABLE = 0x01
    INACTIVE = 0x02  # "power-on by IR"


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """CAM_VersionInq reply ``GG GG HH HH JJ JJ KK`` (whole bytes, big-endian)."""

    vendor: int
    model: int
    rom: int
    max_socket: int


class MoveStatus(enum.IntEnum):
    """Pan-tilt status bits 11–10 (SONY-HTML Sony_SRG-360SHE.html "Pan/Tilt Status Code")."""

    IDLE = 0b00  # no move request received
    MOVING = 0b01
    COMPLETED = 0b10
    FAILED = 0b11


class InitStatus(enum.IntEnum):
    """Pan-tilt status bits 13–12."""

    NOT_INITIALIZED = 0b00
    INITIALIZING = 0b01
    DONE = 0b10
    FAILED = 0b11


@dataclass(frozen=True, slots=True)
class PanTiltStatus:
    """Pan-tiltModeInq reply ``pq rs``: 16 status bits, byte ``pq`` high.

    Bits (SONY-HTML Sony_SRG-360SHE.html and Sony_BRC-X1000.html "Pan/Tilt Status"):
    0 pan at left end, 1 pan at right end, 2 tilt at top, 3 tilt at bottom; 5–4 pan
    fault and 9–8 tilt fault (0 normal, 1 position cannot be detected, 2 mechanism
    defective); 11–10 move status; 13–12 initialisation.
    """

    raw: int
    init: InitStatus
    move: MoveStatus
    pan_left_end: bool
    pan_right_end: bool
    tilt_up_end: bool
    tilt_down_end: bool
    pan_fault: int = 0
    tilt_fault: int = 0

    @property
    def moving(self) -> bool:
        return self.move is MoveStatus.MOVING

    @property
    def pan_abnormal(self) -> bool:
        return self.pan_fault != 0

    @property
    def tilt_abnormal(self) -> bool:
        return self.tilt_fault != 0

    @classmethod
    def from_data(cls, data: bytes) -> PanTiltStatus:
        _need(data, 2, "Pan-tiltModeInq")
        if data[0] > 0x7F or data[1] > 0x7F:
            raise ValueError(f"Pan-tiltModeInq: bit 7 set in {to_hex(bytes(data))}")
        raw = (data[0] << 8) | data[1]
        return cls(
            raw=raw,
            init=InitStatus((raw >> 12) & 0b11),
            move=MoveStatus((raw >> 10) & 0b11),
            pan_left_end=bool(raw & 0x0001),
            pan_right_end=bool(raw & 0x0002),
            tilt_up_end=bool(raw & 0x0004),
            tilt_down_end=bool(raw & 0x0008),
            pan_fault=(raw >> 4) & 0b11,
            tilt_fault=(raw >> 8) & 0b11,
        )

    def to_data(self) -> bytes:
        """The two reply bytes (for the simulator)."""
        raw = (
            (int(self.init) << 12)
            | (int(self.move) << 10)
            | (self.tilt_fault & 0b11) << 8
            | (self.pan_fault & 0b11) << 4
            | (0x0008 if self.tilt_down_end else 0)
            | (0x0004 if self.tilt_up_end else 0)
            | (0x0002 if self.pan_right_end else 0)
            | (0x0001 if self.pan_left_end else 0)
        )
        return bytes((raw >> 8, raw & 0xFF))


def _need(data: bytes, length: int, what: str) -> None:
    if len(data) != length:
        raise ValueError(
            f"{what}: expected {length} data bytes, got {len(data)} ({to_hex(bytes(data))})"
        )


def decode_mode(data: bytes) -> int:
    """A one-byte ``0p`` / ``pp`` answer (mode inquiries, memory, video system)."""
    _need(data, 1, "mode inquiry")
    return data[0]


def decode_on_off(data: bytes) -> bool:
    """A ``0p`` answer that is 2 (on) or 3 (off)."""
    value = decode_mode(data)
    if value == ON:
        return True
    if value == OFF:
        return False
    raise ValueError(f"on/off inquiry: expected 02 or 03, got {value:02X}")


def decode_power_state(data: bytes) -> PowerState:
    """CAM_PowerInq ``0p``: 2 on, 3 standby, 4 power fault."""
    value = decode_mode(data)
    try:
        return PowerState(value)
    except ValueError:
        raise ValueError(f"CAM_PowerInq: unknown power value {value:02X}") from None


def decode_power(data: bytes) -> bool:
    """CAM_PowerInq: True only when the camera is on (standby and fault are False)."""
    return decode_power_state(data) is PowerState.ON


def decode_u16(data: bytes) -> int:
    """Four nibbles ``0p 0q 0r 0s`` unsigned (zoom, focus, near limit, ID)."""
    _need(data, 4, "16-bit inquiry")
    return _from_nibbles(data, signed=False)


def decode_u8(data: bytes) -> int:
    """``00 00 0p 0q`` (R/B gain, shutter, iris, gain, bright, exp-comp, aperture)."""
    _need(data, 4, "8-bit inquiry")
    if data[0] or data[1]:
        raise ValueError(f"8-bit inquiry: expected 00 00 0p 0q, got {to_hex(bytes(data))}")
    return _from_nibbles(data[2:], signed=False)


def decode_pan_tilt(data: bytes, pan_nibbles: int = 4, tilt_nibbles: int = 4) -> tuple[int, int]:
    """Pan-tiltPosInq data → signed (pan, tilt) in units; 4+4, 5+4 or 5+5 nibbles."""
    _need(data, pan_nibbles + tilt_nibbles, "Pan-tiltPosInq")
    return (
        _from_nibbles(data[:pan_nibbles], signed=True),
        _from_nibbles(data[pan_nibbles:], signed=True),
    )


def pan_tilt_nibbles_from_len(length: int) -> tuple[int, int]:
    """Guess the shape from the data length: 8 → 4+4, 9 → 5+4, 10 → 5+5 (vwout#17)."""
    shapes = {8: (4, 4), 9: (5, 4), 10: (5, 5)}
    if length not in shapes:
        raise ValueError(f"Pan-tiltPosInq: no known shape has {length} data bytes")
    return shapes[length]


def decode_version(data: bytes) -> VersionInfo:
    """CAM_VersionInq data ``GG GG HH HH JJ JJ KK``."""
    _need(data, 7, "CAM_VersionInq")
    return VersionInfo(
        vendor=(data[0] << 8) | data[1],
        model=(data[2] << 8) | data[3],
        rom=(data[4] << 8) | data[5],
        max_socket=data[6],
    )


def decode_max_speed(data: bytes) -> tuple[int, int]:
    """Pan-tiltMaxSpeedInq ``ww zz`` → (pan max speed, tilt max speed)."""
    _need(data, 2, "Pan-tiltMaxSpeedInq")
    return data[0], data[1]


def decode_pan_tilt_status(data: bytes) -> PanTiltStatus:
    """Pan-tiltModeInq ``pq rs`` → :class:`PanTiltStatus`."""
    return PanTiltStatus.from_data(data)


def decode_ir_condition(data: bytes) -> IRCondition:
    """IR_ConditionInq ``0p``."""
    value = decode_mode(data)
    try:
        return IRCondition(value)
    except ValueError:
        raise ValueError(f"IR_ConditionInq: unknown value {value:02X}") from None


__all__ = [
    "POWER_FAULT",
    "POWER_ON",
    "POWER_STANDBY",
    "IRCondition",
    "InitStatus",
    "MoveStatus",
    "PanTiltStatus",
    "PowerState",
    "VersionInfo",
    "decode_ir_condition",
    "decode_max_speed",
    "decode_mode",
    "decode_on_off",
    "decode_pan_tilt",
    "decode_pan_tilt_status",
    "decode_power",
    "decode_power_state",
    "decode_u8",
    "decode_u16",
    "decode_version",
    "pan_tilt_nibbles_from_len",
]
