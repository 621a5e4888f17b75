"""Commands sitting in a camera's command sockets (VISCA.md §1.3)."""

from __future__ import annotations

import collections

from drivers.visca.protocol.records import Message


class SocketTable:
    """Commands sitting in camera sockets, by (address, socket), oldest first.

    A deque per socket because some cameras reuse a socket under load (PTZOptics,
    VISCA.md §1.3); a completion finishes the oldest.
    """

    def __init__(self) -> None:
        self._queues: dict[tuple[int, int], collections.deque[Message]] = {}

    def register(self, message: Message, address: int, socket: int) -> None:
        """An ACK put ``message`` in ``socket``. The camera only ACKs into a free
        socket, so fire-and-forget entries still listed there are stale: drop them."""
        queue = self._queues.setdefault((address, socket), collections.deque())
        for old in [old for old in queue if not old.waited]:
            queue.remove(old)
        message.socket = socket
        queue.append(message)

    def pop(self, address: int, socket: int) -> Message | None:
        queue = self._queues.get((address, socket))
        if not queue:
            return None
        message = queue.popleft()
        if not queue:
            del self._queues[(address, socket)]
        return message

    def forget(self, message: Message) -> None:
        if message.address is None or message.socket is None:
            return
        queue = self._queues.get((message.address, message.socket))
        if queue and message in queue:
            queue.remove(message)

    def sockets_of(self, address: int, group: str) -> list[int]:
        """Sockets holding a command moving ``group`` at ``address``."""
        return sorted(
            socket
            for (addr, socket), queue in self._queues.items()
            if addr == address and any(group in message.claims for message in queue)
        )

    def take_over(self, message: Message) -> None:
        """``message`` was accepted: running commands of its camera that move one of
        its axes are superseded by it (a camera completes them at once, ACK1 ACK2 C1
        C2: companion-module-ptzoptics-visca#41, VISCA.md §5 #11)."""
        if not message.claims:
            return
        for (addr, _socket), queue in self._queues.items():
            for other in queue:
                if (
                    addr == message.address
                    and other is not message
                    and other.claims & message.claims
                    and other.superseded_by is None
                ):
                    other.superseded_by = message.request.name

    def busy(self, address: int) -> list[int]:
        """Sockets of ``address`` with a command in them."""
        return sorted(
            socket for (addr, socket), queue in self._queues.items() if addr == address and queue
        )

    def drain(self, address: int | None = None) -> list[Message]:
        """Remove and return every command (of ``address``, or of all cameras)."""
        out: list[Message] = []
        for key in [k for k in self._queues if address is None or k[0] == address]:
            out.extend(self._queues.pop(key))
        return out
