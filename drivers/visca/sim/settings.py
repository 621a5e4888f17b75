"""Image and system settings of a simulated camera, table-driven.

Each setting is stored so that its inquiry answers what the last command set
(state-consistent inquiries, VISCA.md §7). Layouts are VISCA.md §2.2/§2.4 (shared
docs) and the SRG-300H transcription (SONY-HTML):

- one-value modes: command ``8x 01 KK.. 0p FF``, inquiry ``8x 09 KK.. FF`` → ``0p``;
- 8-bit levels: direct ``8x 01 04 4K 00 00 0p 0q FF``, reset/up/down
  ``8x 01 04 0K 0p FF`` (p = 0/2/3), inquiry ``8x 09 04 4K FF`` → ``00 00 0p 0q``;
- a few 4-nibble values (camera ID, focus near limit, AF interval times).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from drivers.visca.messages import OFF, ON, TOGGLE, nibbles
from drivers.visca.sim.state import SYNTAX, Reject, unsigned_nibbles


@dataclass(frozen=True, slots=True)
class _Mode:
    allowed: frozenset[int]
    default: int
    toggles: bool = False  # accepts 10 = toggle between on (02) and off (03)


def _mode(default: int, *allowed: int, toggles: bool = False) -> _Mode:
    return _Mode(frozenset(allowed), default, toggles)


# key = the command bytes after ``8x 01`` and before the value byte.
MODES: Final[dict[bytes, _Mode]] = {
    b"\x04\x06": _mode(OFF, ON, OFF),  # digital zoom
    b"\x04\x58": _mode(0x02, 0x02, 0x03),  # AF sensitivity normal/low
    b"\x04\x57": _mode(0x00, 0x00, 0x01, 0x02),  # AF mode normal/interval/zoom trigger
    b"\x04\x35": _mode(0x00, *range(0x00, 0x06)),  # WB mode
    b"\x04\x39": _mode(0x00, 0x00, 0x03, 0x0A, 0x0B, 0x0C, 0x0D),  # AE mode
    b"\x04\x3e": _mode(OFF, ON, OFF),  # exposure compensation on/off
    b"\x04\x33": _mode(OFF, ON, OFF),  # backlight
    b"\x04\x5a": _mode(OFF, ON, OFF),  # slow shutter auto/manual
    b"\x04\x52": _mode(OFF, ON, OFF),  # high resolution
    b"\x04\x53": _mode(0x02, *range(0x00, 0x06)),  # noise reduction level
    b"\x04\x5b": _mode(0x00, 0x00, 0x01),  # gamma
    b"\x04\x5e": _mode(OFF, ON, OFF),  # high sensitivity
    b"\x04\x63": _mode(0x00, 0x00, 0x02, 0x04),  # picture effect
    b"\x04\x11": _mode(0x00, 0x00, 0x01),  # IR correction
    b"\x04\x01": _mode(OFF, ON, OFF),  # ICR (night mode)
    b"\x04\x51": _mode(OFF, ON, OFF),  # auto ICR
    b"\x04\x34": _mode(OFF, 0x00, ON, OFF),  # stabilizer hold/on/off
    b"\x04\x61": _mode(OFF, ON, OFF),  # LR reverse
    b"\x04\x66": _mode(OFF, ON, OFF),  # picture flip
    b"\x04\x2c": _mode(0x0F, *range(0x04, 0x10)),  # gain limit
    b"\x04\x5f": _mode(0x00, 0x00, 0x01, 0x02, 0x03),  # chroma suppress
    b"\x04\x17": _mode(0x00, 0x00, 0x02),  # key lock (EVI-D70)
    b"\x06\x08": _mode(ON, ON, OFF, toggles=True),  # IR receive
    b"\x06\x44": _mode(OFF, ON, OFF),  # slow pan-tilt
    b"\x7e\x01\x18": _mode(OFF, ON, OFF),  # information display
    b"\x7e\x04\x00": _mode(0x00, 0x00, 0x01, 0x02, 0x03),  # wide dynamic range
    b"\x7e\x01\x5a": _mode(OFF, ON, OFF),  # low latency
}


@dataclass(frozen=True, slots=True)
class _Level:
    adjust: int  # the ``0K`` byte of reset/up/down (0 = no such command)
    low: int
    high: int
    default: int


# key = the ``4K`` direct byte (inquiry ``8x 09 04 4K``).
LEVELS: Final[dict[int, _Level]] = {
    0x43: _Level(0x03, 0x00, 0xFF, 0x80),  # R gain
    0x44: _Level(0x04, 0x00, 0xFF, 0x80),  # B gain
    0x4A: _Level(0x0A, 0x00, 0x15, 0x0A),  # shutter
    0x4B: _Level(0x0B, 0x00, 0x11, 0x0D),  # iris
    0x4C: _Level(0x0C, 0x01, 0x0F, 0x01),  # gain
    0x4D: _Level(0x0D, 0x00, 0x1F, 0x0D),  # bright
    0x4E: _Level(0x0E, 0x00, 0x0E, 0x07),  # exposure compensation (07 = 0 dB)
    0x42: _Level(0x02, 0x00, 0x0F, 0x04),  # aperture
    0x21: _Level(0x00, 0x00, 0x1C, 0x0E),  # auto-ICR threshold
}
_ADJUST_TO_LEVEL: Final = {lv.adjust: key for key, lv in LEVELS.items() if lv.adjust}

# 4-nibble values: command ``8x 01 04 KK 0p 0q 0r 0s``, inquiry ``8x 09 04 KK``.
WORDS: Final[dict[int, int]] = {
    0x22: 0x0000,  # camera ID
    0x28: 0xD000,  # focus near limit (SRG-300H default: 30 cm)
    0x27: 0x0505,  # AF interval: movement time, interval
}


@dataclass
class Settings:
    """The stored values; ``camera_id`` seeds CAM_ID."""

    camera_id: int = 0
    modes: dict[bytes, int] = field(default_factory=dict)
    levels: dict[int, int] = field(default_factory=dict)
    words: dict[int, int] = field(default_factory=dict)
    registers: dict[int, int] = field(default_factory=dict)
    ir_receive_return: bool = False
    defog: tuple[int, int] = (OFF, 0x00)  # on/off, level (8x 01 04 37 0p 0q)
    preset_speed_mode: int = 0  # 0 compatible (model default), 1 separate, 2 common
    preset_speed_common: int = 0x19
    preset_speeds: dict[int, int] = field(default_factory=dict)
    focus_lock: bool = False  # PTZOptics 81 0A 04 68 0p
    # Colour 0 (master) … 6 (blue) → gain 0–E (4 = 100 %) / hue 0–E (7 = 0°); SRG-300H.
    color_gain: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(7), 0x04))
    color_hue: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(7), 0x07))
    color_system: int = 0  # 0 HDMI YUV, 1 HDMI GBR, 2 DVI GBR, 3 DVI YUV

    def __post_init__(self) -> None:
        self.modes = {key: mode.default for key, mode in MODES.items()}
        self.levels = {key: level.default for key, level in LEVELS.items()}
        self.words = dict(WORDS)
        self.words[0x22] = self.camera_id & 0xFFFF

    def command(self, msg: bytes) -> Callable[[], None] | None:
        """Parse a settings command (bytes after ``8x 01``); return its action.

        Returns None when ``msg`` is not a settings command; raises ``Reject(SYNTAX)``
        for a settings command with an illegal value.
        """
        for key, mode in MODES.items():
            if msg[: len(key)] == key and len(msg) == len(key) + 1:
                return self._set_mode(key, mode, msg[-1])
        if len(msg) == 6 and msg[0] == 0x04 and msg[1] in LEVELS:
            return self._set_level(msg[1], msg[2:])
        if len(msg) == 3 and msg[0] == 0x04 and msg[1] in _ADJUST_TO_LEVEL:
            return self._adjust(_ADJUST_TO_LEVEL[msg[1]], msg[2])
        if len(msg) == 6 and msg[0] == 0x04 and msg[1] in WORDS:
            value = _word(msg[2:])
            return lambda: self.words.__setitem__(msg[1], value)
        if len(msg) == 5 and msg[:2] == b"\x04\x24":
            register, value = msg[2], _byte(msg[3:5])
            return lambda: self.registers.__setitem__(register, value)
        if len(msg) == 4 and msg[:2] == b"\x04\x37":
            defog = (_check(msg[2], (ON, OFF)), _check(msg[3], range(0x00, 0x04)))
            return lambda: setattr(self, "defog", defog)
        if msg in (b"\x7d\x01\x03\x00\x00", b"\x7d\x01\x13\x00\x00"):
            on = msg[2] == 0x03
            return lambda: setattr(self, "ir_receive_return", on)
        if len(msg) == 6 and msg[:2] in (b"\x04\x49", b"\x04\x4f") and msg[2:4] == b"\0\0":
            # CAM_ColorGain / CAM_ColorHue Direct: colour 0–6, value 0–E (SRG-300H).
            table = self.color_gain if msg[1] == 0x49 else self.color_hue
            color = _check(msg[4], range(0x00, 0x07))
            value = _check(msg[5], range(0x00, 0x0F))
            return lambda: table.__setitem__(color, value)
        if len(msg) == 5 and msg[:4] == b"\x7e\x01\x03\x00":
            system = _check(msg[4], range(0x00, 0x04))  # Color System (SRG-300H)
            return lambda: setattr(self, "color_system", system)
        return None

    def inquiry(self, query: bytes) -> bytes | None:
        """Answer data for an inquiry (bytes after ``8x 09``), or None if not ours."""
        if query in self.modes:
            return bytes((self.modes[query],))
        if len(query) == 2 and query[0] == 0x04 and query[1] in LEVELS:
            value = self.levels[query[1]]
            return bytes((0, 0, value >> 4, value & 0x0F))
        if len(query) == 2 and query[0] == 0x04 and query[1] in WORDS:
            return nibbles(self.words[query[1]], 4, signed=False)
        if query == b"\x04\x37":
            return bytes(self.defog)  # CAM_DefogInq → 0p 0q
        if query in (b"\x04\x49", b"\x04\x4f"):  # colour gain / hue inquiry: master
            table = self.color_gain if query[1] == 0x49 else self.color_hue
            return bytes((0, 0, 0, table[0]))
        if query == b"\x7e\x01\x03":
            return bytes((self.color_system,))
        if len(query) == 3 and query[:2] == b"\x04\x24":
            value = self.registers.get(query[2], 0)
            return bytes((value >> 4, value & 0x0F))
        return None

    def mode(self, key: bytes) -> int:
        return self.modes[key]

    def _set_mode(self, key: bytes, mode: _Mode, value: int) -> Callable[[], None]:
        if mode.toggles and value == TOGGLE:

            def toggle() -> None:
                self.modes[key] = OFF if self.modes[key] == ON else ON

            return toggle
        _check(value, mode.allowed)
        return lambda: self.modes.__setitem__(key, value)

    def _set_level(self, key: int, data: bytes) -> Callable[[], None]:
        level = LEVELS[key]
        if data[:2] != b"\x00\x00":
            raise Reject(SYNTAX)
        value = _check(_byte(data[2:]), range(level.low, level.high + 1))
        return lambda: self.levels.__setitem__(key, value)

    def _adjust(self, key: int, op: int) -> Callable[[], None]:
        level = LEVELS[key]
        _check(op, (0x00, 0x02, 0x03))

        def run() -> None:
            value = self.levels[key]
            if op == 0x00:
                value = level.default
            elif op == 0x02:
                value = min(level.high, value + 1)
            else:
                value = max(level.low, value - 1)
            self.levels[key] = value

        return run


def _check(value: int, allowed: range | tuple[int, ...] | frozenset[int]) -> int:
    if value not in allowed:
        raise Reject(SYNTAX)
    return value


def _byte(data: bytes) -> int:
    if len(data) != 2:
        raise Reject(SYNTAX)
    return unsigned_nibbles(data)


def _word(data: bytes) -> int:
    if len(data) != 4:
        raise Reject(SYNTAX)
    return unsigned_nibbles(data)
