"""Sony's VISCA-over-IP header, pure (no I/O): shared by the transport and the simulator.

VISCA.md §3.1 (SRG-300H-IP, BRC-X400-IP, AVIPAS-IP): 8 bytes, big-endian — payload
type (2), payload length (2), sequence number (4) — then the VISCA packet or a control
payload. Default port UDP 52381.
"""

from __future__ import annotations

import struct
from typing import Final

DEFAULT_PORT: Final = 52381
TYPE_COMMAND: Final = 0x0100
TYPE_INQUIRY: Final = 0x0110
TYPE_REPLY: Final = 0x0111
TYPE_DEVICE_SETTING: Final = 0x0120
TYPE_CONTROL: Final = 0x0200
TYPE_CONTROL_REPLY: Final = 0x0201
CONTROL_RESET: Final = b"\x01"  # in 0200: RESET; in 0201: its ACK
CONTROL_SEQ_ERROR: Final = b"\x0f\x01"  # abnormality in the sequence number
CONTROL_MSG_ERROR: Final = b"\x0f\x02"  # abnormality in the message (type, length)
SEQ_MASK: Final = 0xFFFFFFFF
HEADER: Final = struct.Struct(">HHI")
HEADER_LEN: Final = HEADER.size
# Sony's IP manuals give 1–16 payload bytes, but the SRG-360SHE's 5+5-nibble moves are
# 17-byte packets (SONY-HTML Sony_SRG-360SHE.html note *6).
MAX_PAYLOAD: Final = 17


def pack(payload_type: int, payload: bytes, seq: int) -> bytes:
    """The 8-byte header followed by ``payload``."""
    return HEADER.pack(payload_type, len(payload), seq & SEQ_MASK) + payload


def unpack(datagram: bytes) -> tuple[int, int, int, bytes] | None:
    """(payload type, declared length, sequence number, payload); None if too short."""
    if len(datagram) < HEADER_LEN:
        return None
    payload_type, length, seq = HEADER.unpack_from(datagram)
    return payload_type, length, seq, datagram[HEADER_LEN:]


__all__ = [
    "CONTROL_MSG_ERROR",
    "CONTROL_RESET",
    "CONTROL_SEQ_ERROR",
    "DEFAULT_PORT",
    "HEADER",
    "HEADER_LEN",
    "MAX_PAYLOAD",
    "SEQ_MASK",
    "TYPE_COMMAND",
    "TYPE_CONTROL",
    "TYPE_CONTROL_REPLY",
    "TYPE_DEVICE_SETTING",
    "TYPE_INQUIRY",
    "TYPE_REPLY",
    "pack",
    "unpack",
]
