"""Replies camera → controller and ``decode_reply`` (VISCA.md §1.2, §1.4, shared docs).

``decode_reply`` never raises: what it cannot classify comes back as ``UnknownReply``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._core import BROADCAST_HEADER, MIN_PACKET_LEN, TERMINATOR, ErrorCode, to_hex

IF_CLEAR_ECHO = bytes((0x88, 0x01, 0x00, 0x01, 0xFF))  # broadcast IF_Clear comes back as sent
NETWORK_CHANGE = 0x38  # z0 38 FF
NOTIFICATION = 0x07  # y0 07 7D … FF (IR_ReceiveReturn)


@dataclass(frozen=True, slots=True)
class Ack:
    """``z0 4y FF``: command accepted into socket y."""

    address: int
    socket: int


@dataclass(frozen=True, slots=True)
class Completion:
    """``z0 5y FF``: command in socket y finished; socket 0 is the IF_Clear ``z0 50 FF``."""

    address: int
    socket: int


@dataclass(frozen=True, slots=True)
class InquiryReply:
    """``z0 50 <data> FF``: an inquiry answer; ``data`` without header, ``50`` and ``FF``."""

    address: int
    data: bytes


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """``z0 6y cc FF``; ``code`` is kept as an int so unknown codes survive."""

    address: int
    socket: int
    code: int

    @property
    def error(self) -> ErrorCode | None:
        """The known error code, or ``None`` for a code outside ``ErrorCode``."""
        try:
            return ErrorCode(self.code)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class NetworkChange:
    """``z0 38 FF`` (also the field-seen ``80 38 FF``, address 0): re-run AddressSet."""

    address: int


@dataclass(frozen=True, slots=True)
class AddressReply:
    """``88 30 0w FF``: w = last camera's address + 1, so the chain holds w − 1 cameras."""

    next_address: int

    @property
    def camera_count(self) -> int:
        """Cameras on the chain (LIBVISCA: ``num_cameras = w − 1``)."""
        return self.next_address - 1


@dataclass(frozen=True, slots=True)
class IfClearEcho:
    """``88 01 00 01 FF``: the broadcast IF_Clear came back through the chain."""


@dataclass(frozen=True, slots=True)
class Notification:
    """``y0 07 <data> FF``, e.g. IR_ReceiveReturn ``y0 07 7D 01 04 00 FF`` (data ``7D 01 04 00``).

    ``ir_command`` gives the (category, command) pair of the IR remote key that was
    received, e.g. ``(0x04, 0x00)`` power, ``(0x06, 0x01)`` pan-tilt (SONY-HTML SRG-120DH).
    """

    address: int
    data: bytes

    @property
    def ir_command(self) -> tuple[int, int] | None:
        if len(self.data) == 4 and self.data[0] == 0x7D and self.data[1] == 0x01:
            return self.data[2], self.data[3]
        return None


@dataclass(frozen=True, slots=True)
class UnknownReply:
    """A packet that is none of the above (kept whole for logs and traces)."""

    raw: bytes

    def __str__(self) -> str:
        return f"UnknownReply({to_hex(self.raw)})"


Reply = (
    Ack
    | Completion
    | InquiryReply
    | ErrorReply
    | NetworkChange
    | AddressReply
    | IfClearEcho
    | Notification
    | UnknownReply
)


def decode_reply(packet: bytes) -> Reply:
    """Classify one framed packet (``header … FF``). Never raises."""
    packet = bytes(packet)
    if (
        len(packet) < MIN_PACKET_LEN
        or packet[-1] != TERMINATOR
        or not packet[0] & 0x80
        or TERMINATOR in packet[:-1]
    ):
        return UnknownReply(packet)
    header, kind = packet[0], packet[1]
    if header == BROADCAST_HEADER:
        if packet == IF_CLEAR_ECHO:
            return IfClearEcho()
        if kind == 0x30 and len(packet) == 4 and packet[2] <= 0x0F:
            return AddressReply(packet[2])
        return UnknownReply(packet)
    if header & 0x0F:
        # Receiver nibble ≠ 0: not addressed to the controller (e.g. a command echoed by a
        # looped chain). VISCA.md §1.1: replies are (addr+8)<<4.
        return UnknownReply(packet)
    # 90…F0 → cameras 1…7; 80 → 0 (the field-seen "80 38 FF", VISCA.md §3.2).
    address = (header >> 4) - 8
    socket = kind & 0x0F
    group = kind & 0xF0
    length = len(packet)
    if kind == NETWORK_CHANGE and length == 3:
        return NetworkChange(address)
    if group == 0x40 and length == 3:
        return Ack(address, socket)
    if group == 0x50:
        if length == 3:
            return Completion(address, socket)
        if socket == 0:
            return InquiryReply(address, packet[2:-1])
        return UnknownReply(packet)
    if group == 0x60 and length == 4:
        return ErrorReply(address, socket, packet[2])
    if kind == NOTIFICATION and length > 3:
        return Notification(address, packet[2:-1])
    return UnknownReply(packet)


def encode_reply(reply: Reply) -> bytes:
    """The wire bytes of a reply (the simulator's side; ``decode_reply`` inverts it)."""
    if isinstance(reply, UnknownReply):
        return reply.raw
    if isinstance(reply, IfClearEcho):
        return IF_CLEAR_ECHO
    if isinstance(reply, AddressReply):
        _check_nibble("next address", reply.next_address)
        return bytes((BROADCAST_HEADER, 0x30, reply.next_address, TERMINATOR))
    header = _reply_header(reply.address)
    if isinstance(reply, NetworkChange):
        return bytes((header, NETWORK_CHANGE, TERMINATOR))
    if isinstance(reply, Ack):
        return bytes((header, 0x40 | _check_nibble("socket", reply.socket), TERMINATOR))
    if isinstance(reply, Completion):
        return bytes((header, 0x50 | _check_nibble("socket", reply.socket), TERMINATOR))
    if isinstance(reply, ErrorReply):
        if not 0 <= reply.code < TERMINATOR:
            raise ValueError(f"error code must be 00–FE, got {reply.code}")
        socket = _check_nibble("socket", reply.socket)
        return bytes((header, 0x60 | socket, reply.code, TERMINATOR))
    prefix = 0x50 if isinstance(reply, InquiryReply) else NOTIFICATION
    if TERMINATOR in reply.data or not reply.data or len(reply.data) > 13:
        raise ValueError(f"reply data must be 1–13 bytes without FF, got {to_hex(reply.data)}")
    return bytes((header, prefix)) + reply.data + bytes((TERMINATOR,))


def _reply_header(address: int) -> int:
    if not 0 <= address <= 7:
        raise ValueError(f"reply address must be 0–7, got {address}")
    return (address + 8) << 4


def _check_nibble(what: str, value: int) -> int:
    if not 0 <= value <= 0x0F:
        raise ValueError(f"{what} must be 0–F, got {value}")
    return value


__all__ = [
    "IF_CLEAR_ECHO",
    "Ack",
    "AddressReply",
    "Completion",
    "ErrorReply",
    "IfClearEcho",
    "InquiryReply",
    "NetworkChange",
    "Notification",
    "Reply",
    "UnknownReply",
    "decode_reply",
    "encode_reply",
]
