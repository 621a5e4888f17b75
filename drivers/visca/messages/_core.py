"""Core of the VISCA message layer: the request type, nibble helpers, shared enums.

Pure code, no I/O. Byte layouts follow ``docs/VISCA.md`` (shared docs) §1.1 and §2.1.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

TERMINATOR = 0xFF
BROADCAST_HEADER = 0x88  # VISCA.md §1.1: AddressSet and IF_Clear only
MAX_PACKET_LEN = 16  # VISCA.md §1.1: header + 1–14 message bytes + FF
MIN_PACKET_LEN = 3
MAX_MESSAGE_LEN = MAX_PACKET_LEN - 2  # a longer message gets "z0 6y 01 FF" (FCB)
# The one exception: SRG-360SHE absolute/relative/limit with 5+5 nibbles is a 15-byte
# message, 17 bytes on the wire (SONY-HTML Sony_SRG-360SHE.html, note *6).
MAX_EXTENDED_PACKET_LEN = 17
MAX_EXTENDED_MESSAGE_LEN = MAX_EXTENDED_PACKET_LEN - 2
# Raw VISCA over IP, no header (VISCA.md §3.2): PTZOptics' TCP and UDP ports. Sony's
# header and its port are in drivers/visca/sony_header.py.
RAW_TCP_PORT = 5678
RAW_UDP_PORT = 1259
MIN_ADDRESS = 1
MAX_ADDRESS = 7  # 1–7 per chain (VISCA.md §1.1, LIBVISCA rejects > 7)

# Byte 2 of a packet (VISCA.md §1.1 "command class").
CLASS_COMMAND = 0x01
CLASS_INQUIRY = 0x09
CLASS_CANCEL = 0x20
CLASS_ADDRESS = 0x30

# Category bytes (VISCA.md §1.1).
CAT_INTERFACE = 0x00
CAT_CAMERA = 0x04
CAT_PAN_TILT = 0x06
CAT_CAMERA_2 = 0x07
CAT_VENDOR_7D = 0x7D
CAT_VENDOR_7E = 0x7E

# On/Off encoding (VISCA.md §2.1).
ON = 0x02
OFF = 0x03
TOGGLE = 0x10

PresetEncoding = Literal["0p", "pp"]


class RequestKind(enum.Enum):
    """How the camera answers: COMMAND gets ACK + Completion, INQUIRY gets ``z0 50 …``
    (no ACK), CANCEL gets an error reply (04 canceled / 05 no socket), BROADCAST goes
    to ``88`` and comes back through the chain (AddressSet, IF_Clear)."""

    COMMAND = "command"
    INQUIRY = "inquiry"
    CANCEL = "cancel"
    BROADCAST = "broadcast"


@dataclass(frozen=True, slots=True)
class Request:
    """One VISCA message, without header and terminator.

    ``body`` holds the bytes after the header byte and before ``FF``; ``reply_len`` is
    the length of the inquiry-reply data (without ``z0 50`` and ``FF``) when it is fixed.
    """

    name: str
    kind: RequestKind
    body: bytes
    reply_len: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.body) <= MAX_EXTENDED_MESSAGE_LEN:
            raise ValueError(
                f"{self.name}: message body must be 1–{MAX_EXTENDED_MESSAGE_LEN} bytes,"
                f" got {len(self.body)}"
            )
        if TERMINATOR in self.body:
            raise ValueError(f"{self.name}: message body must not contain the terminator FF")

    def to_bytes(self, address: int) -> bytes:
        """The packet for camera ``address`` (1–7): ``8x body FF``; broadcasts use ``88``."""
        if self.kind is RequestKind.BROADCAST:
            return bytes((BROADCAST_HEADER,)) + self.body + bytes((TERMINATOR,))
        check_range("address", address, MIN_ADDRESS, MAX_ADDRESS)
        return bytes((0x80 | address,)) + self.body + bytes((TERMINATOR,))

    def hex(self, address: int = 1) -> str:
        """The packet as spaced upper-case hex (``81 01 04 00 02 FF``), for logs and tests."""
        return to_hex(self.to_bytes(address))


def to_hex(data: bytes) -> str:
    """``b"\\x81\\x01"`` → ``"81 01"``."""
    return data.hex(" ").upper()


def from_hex(text: str) -> bytes:
    """``"81 01 04 00 02 FF"`` → bytes (spaces optional)."""
    return bytes.fromhex(text.replace(" ", ""))


def check_range(what: str, value: int, low: int, high: int) -> int:
    """Raise ``ValueError`` naming ``what`` unless ``low <= value <= high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{what} must be in {low:#x}..{high:#x} ({low}..{high}), got {value}")
    return value


def nibble_range(count: int, *, signed: bool = True) -> tuple[int, int]:
    """The values ``count`` nibbles can carry (two's complement when ``signed``)."""
    bits = 4 * count
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def nibbles(value: int, count: int, signed: bool = True) -> bytes:
    """Split ``value`` into ``count`` bytes ``0p 0q …``, most significant first.

    Positions are two's complement (VISCA.md §2.1: ``F725`` = −2267); a ``signed``
    value must fit ``count`` nibbles as a signed number, an unsigned one as unsigned.
    """
    if not 1 <= count <= 8:
        raise ValueError(f"nibble count must be 1–8, got {count}")
    low, high = nibble_range(count, signed=signed)
    check_range("value", value, low, high)
    raw = value & ((1 << (4 * count)) - 1)
    return bytes((raw >> (4 * (count - 1 - i))) & 0x0F for i in range(count))


def from_nibbles(data: bytes, signed: bool = True) -> int:
    """Join ``0p 0q …`` bytes into an integer (two's complement when ``signed``).

    Raises ``ValueError`` if a byte has its high nibble set: such data is not a
    nibble-split value and means the reply is not what was asked for.
    """
    if not data:
        raise ValueError("no nibbles to decode")
    raw = 0
    for byte in data:
        if byte > 0x0F:
            raise ValueError(f"byte {byte:02X} is not a nibble (0p) in {to_hex(data)}")
        raw = (raw << 4) | byte
    if signed and raw & (1 << (4 * len(data) - 1)):
        raw -= 1 << (4 * len(data))
    return raw


def on_off(on: bool) -> int:
    """``02`` for on, ``03`` for off (VISCA.md §2.1)."""
    return ON if on else OFF


def command(name: str, *body: int | bytes) -> Request:
    """A ``8x 01 …`` command request from ints and byte strings."""
    return Request(name, RequestKind.COMMAND, bytes((CLASS_COMMAND,)) + _join(body))


def inquiry(name: str, reply_len: int | None, *body: int | bytes) -> Request:
    """A ``8x 09 …`` inquiry request."""
    return Request(name, RequestKind.INQUIRY, bytes((CLASS_INQUIRY,)) + _join(body), reply_len)


def _join(parts: tuple[int | bytes, ...]) -> bytes:
    out = bytearray()
    for part in parts:
        if isinstance(part, bytes):
            out += part
        else:
            out.append(part)
    return bytes(out)


class PanDir(enum.IntEnum):
    """Byte XX of the pan-tilt drive (VISCA.md §2.2)."""

    LEFT = 0x01
    RIGHT = 0x02
    STOP = 0x03


class TiltDir(enum.IntEnum):
    """Byte YY of the pan-tilt drive (VISCA.md §2.2)."""

    UP = 0x01
    DOWN = 0x02
    STOP = 0x03


class LimitCorner(enum.IntEnum):
    """Pan-tilt limit corner W (VISCA.md §2.2: 1 = UpRight, 0 = DownLeft)."""

    DOWN_LEFT = 0x00
    UP_RIGHT = 0x01


class FocusMode(enum.IntEnum):
    """CAM_Focus mode ``38 pp`` (VISCA.md §2.2)."""

    AUTO = 0x02
    MANUAL = 0x03
    TOGGLE = 0x10


class AFSensitivity(enum.IntEnum):
    """CAM_AFSensitivity ``58 0p``."""

    NORMAL = 0x02
    LOW = 0x03


class AFMode(enum.IntEnum):
    """CAM_AFMode ``57 0p``."""

    NORMAL = 0x00
    INTERVAL = 0x01
    ZOOM_TRIGGER = 0x02


class WBMode(enum.IntEnum):
    """CAM_WB ``35 0p``."""

    AUTO = 0x00
    INDOOR = 0x01
    OUTDOOR = 0x02
    ONE_PUSH = 0x03
    ATW = 0x04
    MANUAL = 0x05


class AEMode(enum.IntEnum):
    """CAM_AE ``39 0p`` (gain priority ``0C`` is listed by LIBVISCA only)."""

    FULL_AUTO = 0x00
    MANUAL = 0x03
    SHUTTER_PRIORITY = 0x0A
    IRIS_PRIORITY = 0x0B
    GAIN_PRIORITY = 0x0C
    BRIGHT = 0x0D


class Adjust(enum.Enum):
    """The reset/up/down form ``0p`` of the gain, shutter, iris, bright… commands.

    A plain Enum, not an int, so that ``r_gain(Adjust.UP)`` and ``r_gain(2)`` (direct
    value 2) cannot be confused.
    """

    RESET = 0x00
    UP = 0x02
    DOWN = 0x03


class ErrorCode(enum.IntEnum):
    """Error codes of ``z0 6y cc FF`` (VISCA.md §1.2)."""

    LENGTH = 0x01
    SYNTAX = 0x02
    BUFFER_FULL = 0x03
    CANCELED = 0x04
    NO_SOCKET = 0x05
    NOT_EXECUTABLE = 0x41
