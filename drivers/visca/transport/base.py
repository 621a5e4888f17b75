"""What every VISCA transport shares: the ``Transport`` protocol, the packet inbox,
the resend memory, the outgoing-packet check, and :class:`PacketTransport` — the one
``send``/``resend``/``receive`` of the links that resend the same bytes (no I/O of its own).

Kept apart from :mod:`drivers.visca.transport` (the URL factory), so that the
implementations import these helpers without an import circle.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Final, Protocol, runtime_checkable

from drivers.errors import DeviceUnavailableError, ProtocolError
from drivers.visca.messages import MAX_EXTENDED_PACKET_LEN, MIN_PACKET_LEN, TERMINATOR
from drivers.visca.transport.framing import Framer

# How many sent packets a transport remembers for ``resend`` (one per in-flight message
# is enough: one awaiting its first reply plus two sockets per camera, 7 cameras).
RESEND_MEMORY: Final = 32


@runtime_checkable
class Transport(Protocol):
    """What :class:`~drivers.visca.protocol.ViscaPort` needs from a link."""

    @property
    def is_open(self) -> bool: ...

    @property
    def supports_broadcast(self) -> bool:
        """True where ``88 …`` broadcasts (AddressSet, IF_Clear) are allowed."""
        ...

    @property
    def description(self) -> str:
        """Human-readable name of the link (path or URL), used as device id."""
        ...

    async def open(self) -> None:
        """Open (or reopen) the link; raise ``DeviceUnavailableError`` on failure."""
        ...

    async def close(self) -> None:
        """Close the link; never raises; wakes a pending ``receive``."""
        ...

    async def send(self, packet: bytes) -> int:
        """Send one VISCA packet; return a token for :meth:`resend`."""
        ...

    async def resend(self, token: int) -> None:
        """Send the packet of ``token`` again (Sony IP: with the same sequence number)."""
        ...

    async def receive(self) -> bytes:
        """Return the next framed packet from the peer.

        Raises ``DeviceUnavailableError`` once the link is lost (and on every later
        call), ``ProtocolError`` when the peer rejected a message at link level.
        """
        ...


class PacketInbox:
    """Received packets (or a terminal link error) waiting for ``receive``.

    Shared by the transports so that every one of them reports link loss the same
    way: once failed, every ``receive`` raises the same ``DeviceUnavailableError``.
    """

    def __init__(self, device_id: str) -> None:
        self._device_id = device_id
        self._items: collections.deque[bytes | Exception] = collections.deque()
        self._wakeup = asyncio.Event()
        self._error: DeviceUnavailableError | None = None

    @property
    def error(self) -> DeviceUnavailableError | None:
        return self._error

    def reset(self) -> None:
        self._items.clear()
        self._wakeup.clear()
        self._error = None

    def put(self, item: bytes | Exception) -> None:
        self._items.append(item)
        self._wakeup.set()

    def fail(self, reason: str, operation: str = "receive") -> DeviceUnavailableError:
        """Record link loss (first reason wins) and wake the reader."""
        if self._error is None:
            self._error = DeviceUnavailableError(self._device_id, reason, operation=operation)
        self._wakeup.set()
        return self._error

    def raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    async def get(self) -> bytes:
        while True:
            if self._items:
                item = self._items.popleft()
                if isinstance(item, Exception):
                    raise item
                return item
            if self._error is not None:
                raise self._error
            self._wakeup.clear()
            await self._wakeup.wait()


class SentPackets:
    """Bounded memory of sent packets by token, for ``resend``."""

    def __init__(self, limit: int = RESEND_MEMORY) -> None:
        self._limit = limit
        self._next = 0
        self._packets: collections.OrderedDict[int, bytes] = collections.OrderedDict()

    def add(self, packet: bytes) -> int:
        self._next += 1
        self._packets[self._next] = packet
        while len(self._packets) > self._limit:
            self._packets.popitem(last=False)
        return self._next

    def get(self, token: int) -> bytes | None:
        return self._packets.get(token)


def check_packet(packet: bytes, device_id: str) -> None:
    """Refuse to put something that is not one VISCA packet on the wire (VISCA.md §1.1).

    Outgoing packets may be 17 bytes: the SRG-360SHE's 5+5-nibble absolute/relative
    moves and limit commands are (SONY-HTML Sony_SRG-360SHE.html note *6). Only the
    message builders' 5+5 forms reach that length, and ``ViscaCamera`` uses them for
    5+5-nibble models only; a 4-nibble camera would answer "message length" (``6y 01``).
    Replies stay strict: the receive framer caps them at 16 bytes (:class:`Framer`).
    """
    if (
        not MIN_PACKET_LEN <= len(packet) <= MAX_EXTENDED_PACKET_LEN
        or packet[-1] != TERMINATOR
        or not packet[0] & 0x80
        or TERMINATOR in packet[:-1]
    ):
        raise ProtocolError(device_id, f"not a VISCA packet: {packet.hex(' ')}", operation="send")


class PacketTransport:
    """The receiving half every transport shares: one :class:`PacketInbox` for packets
    and link loss, and the framing of a datagram's payload."""

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self._inbox = PacketInbox(device_id)

    async def receive(self) -> bytes:
        return await self._inbox.get()

    def _put_datagram(self, payload: bytes) -> int:
        """Queue the packets of one datagram's payload; return the bytes dropped as noise.

        A datagram holds whole packets only, so a fresh framer per datagram: a partial
        packet at its end is noise too, never glued to the next datagram.
        """
        framer = Framer()
        for packet in framer.feed(payload):
            self._inbox.put(packet)
        return framer.dropped_bytes + len(framer.pending)


class PlainPacketTransport(PacketTransport):
    """Send and resend for a link without a header: a resend is the very same bytes.

    Serial, raw TCP and raw UDP differ only in how bytes reach the wire
    (:meth:`_write`) and what a send must check first (:meth:`_before_send`). Sony IP
    has its own (a resend keeps the sequence number, VISCA.md §3.1).
    """

    def __init__(self, device_id: str) -> None:
        super().__init__(device_id)
        self._sent = SentPackets()

    async def send(self, packet: bytes) -> int:
        """Send one VISCA packet; return a token for :meth:`resend`."""
        check_packet(packet, self.device_id)
        self._inbox.raise_if_failed()
        self._before_send()
        token = self._sent.add(packet)
        await self._write(packet)
        return token

    async def resend(self, token: int) -> None:
        """Send the packet of ``token`` again (nothing when it was forgotten)."""
        packet = self._sent.get(token)
        if packet is not None:
            await self._write(packet)

    def _before_send(self) -> None:
        """Refuse a new message before it is sent (raise); nothing by default."""

    async def _write(self, data: bytes) -> None:
        raise NotImplementedError


__all__ = [
    "RESEND_MEMORY",
    "PacketInbox",
    "PacketTransport",
    "PlainPacketTransport",
    "SentPackets",
    "Transport",
    "check_packet",
]
