"""What every VISCA transport shares: the ``Transport`` protocol, the packet inbox,
the resend memory and the outgoing-packet check (no I/O of its own).

Kept apart from :mod:`drivers.visca.transport` (the URL factory), so that the
implementations import these helpers without an import circle.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Final, Protocol, runtime_checkable

from drivers.errors import DeviceUnavailableError, ProtocolError
from drivers.visca.messages import MAX_EXTENDED_PACKET_LEN, MIN_PACKET_LEN

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
    Replies stay strict: the receive framer caps them at 16 bytes (``framing.Framer``).
    """
    if (
        not MIN_PACKET_LEN <= len(packet) <= MAX_EXTENDED_PACKET_LEN
        or packet[-1] != 0xFF
        or not packet[0] & 0x80
        or 0xFF in packet[:-1]
    ):
        raise ProtocolError(device_id, f"not a VISCA packet: {packet.hex(' ')}", operation="send")


__all__ = ["RESEND_MEMORY", "PacketInbox", "SentPackets", "Transport", "check_packet"]
