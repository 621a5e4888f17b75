"""Camera side of Sony's VISCA-over-IP header (UDP 52381), pure logic.

VISCA.md §3.1 (shared docs; SRG-300H-IP, BRC-X400-IP, AVIPAS-IP): an 8-byte header —
payload type (2 bytes), payload length (2), sequence number (4) — then the VISCA
packet or a control payload. The camera copies the request's sequence number into its
replies; RESET (type 0200, payload 01) is answered 0201/01 and restarts sequence
checking; a command whose sequence number repeats the last executed one (the
controller retransmitted because the ACK was lost) is answered 0201/``0F 01``; a
message the camera cannot make sense of is answered 0201/``0F 02``.

``lenient`` (the default) accepts an inquiry sent as payload type 0100: VOIP-PY 0.5.2
does exactly that, so a strict camera would refuse every VOIP-PY inquiry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Final

log = logging.getLogger(__name__)

HEADER_LEN: Final = 8
VISCA_COMMAND: Final = 0x0100
VISCA_INQUIRY: Final = 0x0110
VISCA_REPLY: Final = 0x0111
DEVICE_SETTING: Final = 0x0120
CONTROL: Final = 0x0200
CONTROL_REPLY: Final = 0x0201
CONTROL_RESET: Final = b"\x01"
ERR_SEQUENCE: Final = b"\x0f\x01"  # abnormality in the sequence number
ERR_MESSAGE: Final = b"\x0f\x02"  # abnormality in the message (type, length, payload)
# Sony's IP manuals give 1–16 payload bytes, but the SRG-360SHE's 5+5-nibble moves are
# 17-byte packets (SONY-HTML Sony_SRG-360SHE.html note *6): the header takes up to 17
# and the camera behind it answers "message length" (6y 01) to what its model refuses.
MAX_PAYLOAD: Final = 17


@dataclass(frozen=True, slots=True)
class IPClient:
    """Where a reply goes: the peer and the sequence number to copy."""

    peer: object
    seq: int


def header(payload_type: int, payload: bytes, seq: int) -> bytes:
    """An 8-byte Sony header followed by ``payload``."""
    return (
        payload_type.to_bytes(2, "big")
        + len(payload).to_bytes(2, "big")
        + (seq & 0xFFFFFFFF).to_bytes(4, "big")
        + payload
    )


def wrap_reply(packet: bytes, client: IPClient) -> bytes:
    """A VISCA reply (ACK, completion, answer, error) in a 0111 datagram."""
    return header(VISCA_REPLY, packet, client.seq)


@dataclass
class SonyIPFrontEnd:
    """Checks headers and sequence numbers for every peer talking to one camera."""

    lenient: bool = True
    _last_command_seq: dict[object, int | None] = field(default_factory=dict)

    def datagram(self, data: bytes, peer: object) -> tuple[list[bytes], bytes | None, IPClient]:
        """Take one datagram; return (datagrams to send back now, VISCA packet, client).

        The VISCA packet is None when the datagram was answered here (control, errors).
        """
        seq = int.from_bytes(data[4:8], "big") if len(data) >= HEADER_LEN else 0
        client = IPClient(peer, seq)
        if len(data) < HEADER_LEN + 1:
            return [self._control(ERR_MESSAGE, seq)], None, client
        payload_type = int.from_bytes(data[0:2], "big")
        length = int.from_bytes(data[2:4], "big")
        payload = data[HEADER_LEN:]
        if length != len(payload) or not 1 <= length <= MAX_PAYLOAD:
            log.debug("bad payload length %d for %d bytes", length, len(payload))
            return [self._control(ERR_MESSAGE, seq)], None, client
        if payload_type == CONTROL:
            if payload == CONTROL_RESET:
                self._last_command_seq[peer] = None
                return [self._control(CONTROL_RESET, seq)], None, client
            return [self._control(ERR_MESSAGE, seq)], None, client
        if payload_type not in (VISCA_COMMAND, VISCA_INQUIRY, DEVICE_SETTING):
            return [self._control(ERR_MESSAGE, seq)], None, client
        if len(payload) < 3 or payload[0] & 0xF0 != 0x80 or payload[-1] != 0xFF:
            return [self._control(ERR_MESSAGE, seq)], None, client
        is_inquiry = payload[1] == 0x09
        if not self.lenient and (payload_type == VISCA_INQUIRY) != is_inquiry:
            return [self._control(ERR_MESSAGE, seq)], None, client
        if not is_inquiry:
            if self._last_command_seq.get(peer) == seq:
                # The command ran already; only its reply was lost (AVIPAS-IP table).
                return [self._control(ERR_SEQUENCE, seq)], None, client
            self._last_command_seq[peer] = seq
        return [], payload, client

    def _control(self, payload: bytes, seq: int) -> bytes:
        return header(CONTROL_REPLY, payload, seq)
