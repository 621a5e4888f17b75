"""Pieces of :mod:`drivers.visca.protocol`: the port gate, message records, error texts.

Kept apart so that ``protocol.py`` reads as the request/reply logic only.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from drivers.errors import CommandRejectedError, CommandSupersededError
from drivers.visca.messages import ErrorCode, ErrorReply, Notification, Reply, Request, to_hex

# Readable texts for the VISCA error codes (VISCA.md §1.2).
ERROR_TEXT: Final[dict[int, str]] = {
    ErrorCode.LENGTH: "message too long",
    ErrorCode.SYNTAX: "syntax error: unknown command or illegal parameter",
    ErrorCode.BUFFER_FULL: "command buffer full: both command sockets are busy",
    ErrorCode.CANCELED: "command canceled",
    ErrorCode.NO_SOCKET: "no such socket: nothing to cancel",
    ErrorCode.NOT_EXECUTABLE: "not executable in the camera's current state "
    "(menu open, power off, one-push running, or a conflicting mode)",
}


def rejected(device_id: str, request: Request, reply: ErrorReply) -> CommandRejectedError:
    """The typed error for an error reply: code + readable message + operation."""
    text = ERROR_TEXT.get(reply.code, f"unknown error code {reply.code:02X}")
    return CommandRejectedError(
        device_id,
        f"camera rejected {request.name}: {text} (code {reply.code:02X}, socket {reply.socket})",
        code=reply.code,
        operation=request.name,
    )


def retrieve(future: asyncio.Future[object] | asyncio.Future[Reply] | asyncio.Future[None]) -> None:
    """Done-callback: mark an exception as retrieved (a waiter may have given up)."""
    if not future.cancelled():
        future.exception()


@dataclass(eq=False)
class Message:
    """One request on the wire: its first reply, and (commands) its completion."""

    address: int | None  # None: broadcast
    request: Request
    first: asyncio.Future[Reply]
    done: asyncio.Future[None]
    group: str | None = None  # drive group (pan_tilt, zoom, focus) of a drive command
    waited: bool = True  # someone awaits the completion
    socket: int | None = None
    # Commands: the axes it moves (pan_tilt, zoom, focus); a newer command claiming
    # one of them takes over, and this one ends as superseded, never as done.
    claims: frozenset[str] = frozenset()
    superseded_by: str | None = None
    # Inquiries: the caller's decoder; an answer it cannot decode is not this one's.
    accept: Callable[[bytes], object] | None = None
    misfit: str | None = None  # why the last answer taken for this inquiry did not fit


def new_message(
    address: int | None,
    request: Request,
    *,
    group: str | None = None,
    waited: bool = True,
    accept: Callable[[bytes], object] | None = None,
    claims: frozenset[str] | None = None,
) -> Message:
    loop = asyncio.get_running_loop()
    first: asyncio.Future[Reply] = loop.create_future()
    done: asyncio.Future[None] = loop.create_future()
    first.add_done_callback(retrieve)
    done.add_done_callback(retrieve)
    if claims is None:
        claims = frozenset((group,)) if group else frozenset()
    return Message(address, request, first, done, group, waited, accept=accept, claims=claims)


def superseded(device_id: str, message: Message) -> CommandSupersededError:
    """The error of a command another one took over (``message.superseded_by``)."""
    by = message.superseded_by or "another command"
    return CommandSupersededError(
        device_id,
        f"{message.request.name} superseded by {by} before it finished",
        superseded_by=by,
        operation=message.request.name,
    )


def finish(device_id: str, message: Message) -> None:
    """The camera says ``message`` ended (completion): done, or superseded."""
    if message.done.done():
        return
    if message.superseded_by is not None:
        message.done.set_exception(superseded(device_id, message))
    else:
        message.done.set_result(None)


def misfit(message: Message, data: bytes) -> str | None:
    """Why ``data`` cannot be the answer to the inquiry ``message`` (None: it fits).

    Shape first (the request's reply length), then the caller's decoder: zoom and
    power answers differ in length, a pan-tilt answer has nibbles where a version has
    bytes above ``0F``.
    """
    expected = message.request.reply_len
    if expected is not None and len(data) != expected:
        return f"answer has {len(data)} data bytes, expected {expected}: {to_hex(data)}"
    if message.accept is not None:
        try:
            message.accept(data)
        except ValueError as exc:
            return f"cannot decode answer {to_hex(data)}: {exc}"
    return None


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
        """The link was (re)opened or lost: nothing is owed any more."""
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


class SilenceTracker:
    """Counts unanswered messages per camera; ``limit`` in a row → unavailable.

    A camera marked unavailable gets one try per message (no retries) and its errors
    are ``DeviceUnavailableError``; the first packet heard from it clears the mark.
    """

    def __init__(self, limit: int, on_change: Callable[[int, bool], None]) -> None:
        self.limit = limit
        self._on_change = on_change
        self._missed: dict[int, int] = {}
        self._unavailable: set[int] = set()

    @property
    def unavailable(self) -> frozenset[int]:
        return frozenset(self._unavailable)

    def is_unavailable(self, address: int | None) -> bool:
        return address in self._unavailable

    def missed(self, address: int) -> int:
        """One more message without a reply; return the run length."""
        count = self._missed[address] = self._missed.get(address, 0) + 1
        if count >= self.limit and address not in self._unavailable:
            self._unavailable.add(address)
            self._on_change(address, False)
        return count

    def heard(self, address: int) -> None:
        self._missed.pop(address, None)
        if address in self._unavailable:
            self._unavailable.discard(address)
            self._on_change(address, True)

    def reset(self) -> None:
        self._missed.clear()
        self._unavailable.clear()


class Router(Protocol):
    """What the receive half (:func:`~drivers.visca.protocol_dispatch.dispatch`) needs of
    the port: implemented by ``PortCore``; a protocol so the two modules import one way."""

    device_id: str
    garbage_packets: int
    sockets: SocketTable
    on_notification: Callable[[Notification], None] | None

    @property
    def awaiting(self) -> Message | None: ...

    def heard(self, address: int) -> None: ...

    def completion_seen(self) -> None: ...

    def inquiry_answer(self, address: int, reply: Reply, data: bytes | None) -> None: ...

    def network_change(self, address: int) -> None: ...

    def name_of(self, address: int | None) -> str: ...
