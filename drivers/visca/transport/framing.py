"""Split a VISCA byte stream into packets (pure, no I/O).

Rules (VISCA.md §1.1, shared docs): a packet is ``header … FF``, 3–16 bytes; the
header byte has bit 7 set; ``FF`` never occurs inside a packet (every value is
nibble-split or ≤ 7F; PTZOptics preset bytes up to FE are still ≠ FF). So the
terminator is the only resynchronisation point we trust: bytes after it that are not
a header are dropped, and a run of more than 16 bytes without ``FF`` is dropped up to
and including the next ``FF``. The framer never raises on input bytes.
"""

from __future__ import annotations

import logging

from drivers.visca.messages import (
    MAX_EXTENDED_PACKET_LEN,
    MAX_PACKET_LEN,
    MIN_PACKET_LEN,
    TERMINATOR,
    to_hex,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_BUFFER = 64

_FF = bytes((TERMINATOR,))


class Framer:
    """Incremental framer: ``feed(chunk) -> [packet, …]``.

    ``max_buffer`` caps the bytes held between calls; a packet can never be longer
    than ``min(max_buffer, max_packet)``, so the buffer holds at most 15 bytes by default.
    ``max_packet`` is 16 (VISCA.md §1.1); a simulator of the SRG-360SHE, whose 5+5
    absolute command is 17 bytes (SONY-HTML note *6), passes 17.
    Counters: ``dropped_bytes`` (garbage and over-long runs) and ``packets``.
    """

    def __init__(
        self, max_buffer: int = DEFAULT_MAX_BUFFER, *, max_packet: int = MAX_PACKET_LEN
    ) -> None:
        if not MIN_PACKET_LEN <= max_packet <= MAX_EXTENDED_PACKET_LEN:
            raise ValueError(
                f"max_packet must be {MIN_PACKET_LEN}–{MAX_EXTENDED_PACKET_LEN}, got {max_packet}"
            )
        if max_buffer < MIN_PACKET_LEN:
            raise ValueError(f"max_buffer must be at least {MIN_PACKET_LEN}, got {max_buffer}")
        self.max_buffer = max_buffer
        self._max_packet = min(max_buffer, max_packet)
        self._buf = bytearray()
        self._discarding = False  # inside an over-long run: drop until the next FF
        self.dropped_bytes = 0
        self.packets = 0

    @property
    def pending(self) -> bytes:
        """Bytes of an incomplete packet held for the next ``feed``."""
        return bytes(self._buf)

    def reset(self) -> None:
        """Forget any partial packet (e.g. after reopening the port)."""
        self._buf.clear()
        self._discarding = False

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the complete packets they finish, in order."""
        out: list[bytes] = []
        data = bytes(data)
        i, n = 0, len(data)
        while i < n:
            if self._discarding:
                j = data.find(_FF, i)
                if j < 0:
                    self._drop(n - i, data[i:])
                    break
                self._drop(j + 1 - i, data[i : j + 1])
                self._discarding = False
                i = j + 1
                continue
            if not self._buf:
                first = data[i]
                if not first & 0x80 or first == TERMINATOR:
                    # Not a header: garbage, or a stray FF between packets.
                    start = i
                    while i < n and (not data[i] & 0x80 or data[i] == TERMINATOR):
                        i += 1
                    self._drop(i - start, data[start:i])
                    continue
            j = data.find(_FF, i)
            if j < 0:
                if len(self._buf) + (n - i) >= self._max_packet:
                    # Already max_packet bytes without a terminator: cannot be a packet.
                    self._drop(len(self._buf) + n - i, bytes(self._buf) + data[i:])
                    self._buf.clear()
                    self._discarding = True
                else:
                    self._buf += data[i:]
                break
            candidate = bytes(self._buf) + data[i : j + 1]
            self._buf.clear()
            i = j + 1
            if MIN_PACKET_LEN <= len(candidate) <= self._max_packet:
                self.packets += 1
                out.append(candidate)
            else:
                self._drop(len(candidate), candidate)
        return out

    def _drop(self, count: int, data: bytes) -> None:
        if count <= 0:
            return
        self.dropped_bytes += count
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("dropped %d bytes: %s", count, to_hex(data[:32]))
