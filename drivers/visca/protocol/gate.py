"""The port's gate: one message awaiting its first reply; Stop and Cancel go first."""

from __future__ import annotations

import asyncio
import collections
import contextlib


class PortGate:
    """The port's lock: one message awaiting its first reply; urgent waiters go first.

    ``asyncio.Lock`` is FIFO; Stop and Cancel must not wait behind queued moves
    (VISCA.md §5 #4, glikely/obs-ptz#7), so urgent acquirers have their own queue that is
    always served first. The gate is handed over directly on release (no barging).
    """

    def __init__(self) -> None:
        self._busy = False
        self._urgent: collections.deque[asyncio.Future[None]] = collections.deque()
        self._normal: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def queued(self) -> int:
        return len(self._urgent) + len(self._normal)

    async def acquire(self, *, urgent: bool = False) -> None:
        if not self._busy:
            self._busy = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._normal
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed over just as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):  # already popped by release()
                    queue.remove(waiter)
            raise

    def release(self) -> None:
        for queue in (self._urgent, self._normal):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._busy = False
