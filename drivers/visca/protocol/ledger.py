"""The inquiry ledger: which inquiry answers each camera still owes (issue #7 item 1)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
from dataclasses import dataclass

from drivers.visca.protocol.records import Message


@dataclass(eq=False)
class _Owed:
    message: Message
    sent_at: float


class InquiryLedger:
    """The inquiry answers each camera still owes us, oldest first.

    VISCA has no request ids, but a camera answers inquiries in the order it got them
    (VISCA.md §1.3, BRC-X400-IP). So every inquiry sent is written down per address,
    and every inquiry answer (``z0 50 …``) or socket-0 error from that address pays the
    oldest entry. An answer to an inquiry we gave up on pays its entry and is dropped —
    it can never be taken for the answer to the next inquiry (issue #7: a camera 0.7 s
    late had its answer to a resend handed to the next read, which returned 200 with
    the wrong value).

    An entry whose inquiry was given up stays owed for ``quarantine_s`` after its send
    (the quarantine window of that address); after that the answer counts as lost. The
    port sends a new inquiry, or resends one, only to a camera that owes nothing
    (:meth:`drained`), so an answer is attributed wrongly only if it comes more than
    ``quarantine_s`` late.
    """

    def __init__(self, quarantine_s: float) -> None:
        self.quarantine_s = quarantine_s
        self.dropped = 0  # answers that came after their inquiry was given up
        self.misfits = 0  # answers that did not fit the inquiry waiting (length, decoder)
        self.lost = 0  # given-up sends whose quarantine ended without an answer
        self._owed: dict[int, collections.deque[_Owed]] = {}
        self._changed = asyncio.Event()

    def sent(self, address: int, message: Message) -> None:
        now = asyncio.get_running_loop().time()
        self._owed.setdefault(address, collections.deque()).append(_Owed(message, now))

    def oldest(self, address: int) -> Message | None:
        """The inquiry the next answer from ``address`` belongs to (None: nothing owed)."""
        queue = self._expire(address)
        return queue[0].message if queue else None

    def paid(self, address: int) -> None:
        """The oldest entry of ``address`` got its answer."""
        queue = self._expire(address)
        if queue:
            queue.popleft()
            if not queue:
                del self._owed[address]
        self._changed.set()

    def owes(self, address: int) -> bool:
        return bool(self._expire(address))

    def given_up(self) -> None:
        """An inquiry ended without its answer: waiters re-check their deadlines."""
        self._changed.set()

    async def drained(self, address: int) -> None:
        """Return once ``address`` owes no answer (each entry ends by ``quarantine_s``)."""
        while queue := self._expire(address):
            # A given-up entry ends at its quarantine; a live one when its inquiry ends.
            ends = [o.sent_at + self.quarantine_s for o in queue if o.message.first.done()]
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(max(ends) if ends else None):
                    await self._changed.wait()

    def clear(self) -> None:
        """The link was lost (not merely closed): nothing is owed any more."""
        self._owed.clear()
        self._changed.set()

    def _expire(self, address: int) -> collections.deque[_Owed]:
        queue = self._owed.get(address)
        if queue is None:
            return collections.deque()
        now = asyncio.get_running_loop().time()
        keep = collections.deque(
            o for o in queue if not o.message.first.done() or now < o.sent_at + self.quarantine_s
        )
        self.lost += len(queue) - len(keep)
        if keep:
            self._owed[address] = keep
        else:
            del self._owed[address]
        return keep
