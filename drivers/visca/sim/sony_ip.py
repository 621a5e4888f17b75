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

from drivers.visca.messages import TERMINATOR
from drivers.visca.sony_header import (
    CONTROL_MSG_ERROR,
    CONTROL_RESET,
    CONTROL_SEQ_ERROR,
    MAX_PAYLOAD,
    TYPE_COMMAND,
    TYPE_CONTROL,
    TYPE_CONTROL_REPLY,
    TYPE_DEVICE_SETTING,
    TYPE_INQUIRY,
    TYPE_REPLY,
    pack,
    unpack,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IPClient:
    """Where a reply goes: the peer and the sequence number to copy."""

    peer: object
    seq: int


def wrap_reply(packet: bytes, client: IPClient) -> bytes:
    """A VISCA reply (ACK, completion, answer, error) in a 0111 datagram."""
    return pack(TYPE_REPLY, packet, client.seq)


@dataclass
class SonyIPFrontEnd:
    """Checks headers and sequence numbers for every peer talking to one camera."""

    lenient: bool = True
    _last_command_seq: dict[object, int | None] = field(default_factory=dict)

    def datagram(self, data: bytes, peer: object) -> tuple[list[bytes], bytes | None, IPClient]:
        """Take one datagram; return (datagrams to send back now, VISCA packet, client).

        The VISCA packet is None when the datagram was answered here (control, errors).
        """
        parts = unpack(data)
        seq = parts[2] if parts is not None else 0
        client = IPClient(peer, seq)
        if parts is None or not parts[3]:
            return [self._control(CONTROL_MSG_ERROR, seq)], None, client
        payload_type, length, _, payload = parts
        if length != len(payload) or not 1 <= length <= MAX_PAYLOAD:
            log.debug("bad payload length %d for %d bytes", length, len(payload))
            return [self._control(CONTROL_MSG_ERROR, seq)], None, client
        if payload_type == TYPE_CONTROL:
            if payload == CONTROL_RESET:
                self._last_command_seq[peer] = None
                return [self._control(CONTROL_RESET, seq)], None, client
            return [self._control(CONTROL_MSG_ERROR, seq)], None, client
        if payload_type not in (TYPE_COMMAND, TYPE_INQUIRY, TYPE_DEVICE_SETTING):
            return [self._control(CONTROL_MSG_ERROR, seq)], None, client
        if len(payload) < 3 or payload[0] & 0xF0 != 0x80 or payload[-1] != TERMINATOR:
            return [self._control(CONTROL_MSG_ERROR, seq)], None, client
        is_inquiry = payload[1] == 0x09
        if not self.lenient and (payload_type == TYPE_INQUIRY) != is_inquiry:
            return [self._control(CONTROL_MSG_ERROR, seq)], None, client
        if not is_inquiry:
            if self._last_command_seq.get(peer) == seq:
                # The command ran already; only its reply was lost (AVIPAS-IP table).
                return [self._control(CONTROL_SEQ_ERROR, seq)], None, client
            self._last_command_seq[peer] = seq
        return [], payload, client

    def _control(self, payload: bytes, seq: int) -> bytes:
        return pack(TYPE_CONTROL_REPLY, payload, seq)
