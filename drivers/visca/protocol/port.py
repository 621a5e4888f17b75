"""VISCA request/reply matching on one physical port (a daisy chain shares one port).

Rules (VISCA.md §1.3, §1.4, §5):

- **One message awaiting its first reply per port** (ACK, inquiry answer or error):
  the :class:`~drivers.visca.protocol.gate.PortGate`. After its ACK a command sits in
  its socket (1 or 2) and the next message may go; the completion is matched by
  (address, socket). Inquiry answers carry no socket, so inquiries hold the gate until
  answered — which keeps them in order.
- **Stop and Cancel jump the queue** (§5 #4). **Drive commands are coalesced**: a drive
  still waiting for the port is replaced by the latest one of its group (OBS-PTZ).
- A completion without an ACK before it is accepted (§1.3, OBS-PTZ 7b90aa7).
- No first reply within ``ack_timeout_s`` → resend (same bytes; Sony IP: same sequence
  number) up to ``retries`` times. An ACK but no completion → resend once more per retry
  (Sony IP answers ``0F 01`` and the transport renumbers: §3.1), unless the caller says
  not to (moves: never resent once acknowledged). Inquiries are resent only once the
  previous send drained (``InquiryLedger``), or at once after noise. ``silent_limit`` unanswered messages mark the camera unavailable until
  it is heard again. Buffer full → wait for a completion, then retry.
- AddressSet + IF_Clear (broadcast) at open on serial chains only (IF_Clear on IP
  reset some cameras' settings: §5 #9); a Network Change ``z0 38 FF`` re-runs AddressSet.
- Every wait has a timeout; nothing here can hang.

Replies are routed to the message they answer by these matching rules (VISCA.md §1.2, §1.3):

- ACK ``z0 4y``: the first reply of the command awaiting one; it now occupies socket y.
  Running commands of that camera moving one of its axes are superseded by it: their
  completion (or "canceled") ends them with ``CommandSupersededError``, never as done.
- Completion ``z0 5y`` (y ≠ 0): finishes the oldest command in (address, y). With no
  command there, it answers the awaiting command (a camera that skips the ACK).
- Inquiry answer ``z0 50 …`` (and ``z0 50 FF``, the addressed IF_Clear's): pays the
  oldest inquiry that camera owes (they stay in order, §1.3); taken only if that is the
  inquiry waiting now and the answer fits its length and decoder, else dropped
  (:class:`~drivers.visca.protocol.ledger.InquiryLedger`).
- Error ``z0 6y cc``: "canceled" (04) ends the command in socket y and answers the
  awaiting Cancel; any other code is the first reply of the awaiting message of that
  address (an inquiry's through the ledger), else (a command failing while it runs)
  ends the command in socket y.
- Network Change ``z0 38``: re-address the chain. Notifications go to the hook.
- Anything else is counted as garbage and dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Final

from drivers.errors import (
    CommandSupersededError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    LineNoiseError,
    NotSupportedError,
    ProtocolError,
)
from drivers.supervision import cancel_and_wait
from drivers.visca import messages as m
from drivers.visca.protocol.drives import DriveQueue, MoveQueue
from drivers.visca.protocol.gate import PortGate
from drivers.visca.protocol.ledger import InquiryLedger
from drivers.visca.protocol.records import (
    Message,
    finish,
    misfit,
    new_message,
    rejected,
    superseded,
)
from drivers.visca.protocol.silence import SilenceTracker
from drivers.visca.protocol.sockets import SocketTable
from drivers.visca.transport import Transport

log = logging.getLogger(__name__)

# A camera ACKs within 1V (≤ 42 ms) plus wire time; Sony BRC-300 on RS-232: 22 ms
# (VISCA.md §1.3). 0.5 s leaves room for a slow 1V (slow shutter) and USB adapters.
ACK_TIMEOUT_S: Final = 0.5
INQUIRY_TIMEOUT_S: Final = 0.5
# ACK → Completion of a quick command (power, modes, zoom/focus drive).
COMPLETION_TIMEOUT_S: Final = 3.0
# Preset recall / absolute moves / home run for seconds (PTZOptics: 3.1 s, §1.3).
MOVE_COMPLETION_TIMEOUT_S: Final = 15.0
RETRIES: Final = 2
# An inquiry answer later than this many inquiry timeouts counts as lost: 4 × 0.5 s =
# 2 s, twice the longest 1V a camera may take (slow shutter: 1 s, VISCA.md §1.3). Until
# then the camera is in quarantine: it gets no new inquiry (protocol.ledger.InquiryLedger).
QUARANTINE_TIMEOUTS: Final = 4
SILENT_LIMIT: Final = 3
BUFFER_FULL_RETRIES: Final = 3
TASK_END_TIMEOUT_S: Final = 1.0  # close(): the receive loop ends at its first cancel

TraceHook = Callable[[str, bytes], None]
NotificationHook = Callable[[m.Notification], None]
AvailabilityHook = Callable[[int, bool], None]


class ViscaPort:
    """Request/reply matching over one :class:`~drivers.visca.transport.Transport`."""

    def __init__(
        self,
        transport: Transport,
        *,
        device_id: str | None = None,
        ack_timeout_s: float = ACK_TIMEOUT_S,
        inquiry_timeout_s: float = INQUIRY_TIMEOUT_S,
        completion_timeout_s: float = COMPLETION_TIMEOUT_S,
        move_completion_timeout_s: float = MOVE_COMPLETION_TIMEOUT_S,
        retries: int = RETRIES,
        silent_limit: int = SILENT_LIMIT,
        buffer_full_retries: int = BUFFER_FULL_RETRIES,
        init_chain: bool | None = None,
        quarantine_s: float | None = None,
        on_trace: TraceHook | None = None,
        on_notification: NotificationHook | None = None,
        on_availability: AvailabilityHook | None = None,
    ) -> None:
        self.transport = transport
        self.device_id = device_id or transport.description
        self.ack_timeout_s = ack_timeout_s
        self.inquiry_timeout_s = inquiry_timeout_s
        self.completion_timeout_s = completion_timeout_s
        self.move_completion_timeout_s = move_completion_timeout_s
        self.retries = retries
        self.buffer_full_retries = buffer_full_retries
        if init_chain is None:
            from drivers.visca.transport import SerialTransport

            init_chain = isinstance(transport, SerialTransport)
        self.init_chain = init_chain
        self.on_trace = on_trace
        self.on_notification = on_notification
        self.on_availability = on_availability
        self.camera_count: int | None = None
        self.garbage_packets = 0
        self.network_changes = 0
        self._names: dict[int, str] = {}
        self._gate = PortGate()
        self._awaiting: Message | None = None
        self.inquiries = InquiryLedger(
            quarantine_s if quarantine_s is not None else QUARANTINE_TIMEOUTS * inquiry_timeout_s
        )
        self.sockets = SocketTable()
        self._drives = DriveQueue()
        self._moves = MoveQueue()
        self._silence = SilenceTracker(silent_limit, self._availability)
        self._completion_seen = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._readdress: asyncio.Task[None] | None = None
        self._lost: DeviceUnavailableError | None = DeviceUnavailableError(
            self.device_id, "port not open"
        )
        self._lost_event = asyncio.Event()
        self._lost_event.set()  # not open yet: wait_closed() returns at once
        self._opening = False

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._lost is None

    @property
    def unavailable(self) -> frozenset[int]:
        """Addresses marked unavailable after ``silent_limit`` unanswered messages."""
        return self._silence.unavailable

    def name_address(self, address: int, device_id: str) -> None:
        """Name the camera at ``address`` in errors (the camera's own device id)."""
        self._names[address] = device_id

    async def close(self) -> None:
        """Close the link; everything pending fails with ``DeviceUnavailableError``."""
        self._fail_all(DeviceUnavailableError(self.device_id, "port closed"))
        tasks = [t for t in (self._readdress, self._reader) if t is not None]
        # Never ``suppress(CancelledError)`` around ``await task``: the cancel of a stop()
        # arriving meanwhile would be swallowed (tests/test_cancellation.py).
        await cancel_and_wait(
            *(t for t in tasks if t is not asyncio.current_task()), timeout_s=TASK_END_TIMEOUT_S
        )
        self._reader = self._readdress = None
        await self.transport.close()

    async def wait_closed(self) -> DeviceUnavailableError:
        """Return the reason once the link is lost or closed."""
        await self._lost_event.wait()
        return self._lost or DeviceUnavailableError(self.device_id, "port closed")

    # What the last open() found missing but got past (None: nothing), for status texts.
    open_note: str | None = None

    async def open(self) -> int | None:
        """(Re)open the link; on serial chains run AddressSet + IF_Clear → camera count."""
        await self.close()
        await self.transport.open()
        self._lost = None
        self._lost_event.clear()
        self._silence.reset()
        self._reader = asyncio.create_task(self._read_loop(), name=f"visca-rx:{self.device_id}")
        if not self.init_chain:
            return None
        # No camera message may slip between AddressSet and IF_Clear (it would be cleared).
        self._opening = True
        self.open_note = None
        try:
            count = await self.address_set()
            try:
                await self.if_clear()
            except (DeviceTimeoutError, ProtocolError) as exc:
                # Some cameras and converters answer AddressSet but never echo the
                # IF_Clear broadcast (issue #7 item 10): the chain answered, so open
                # anyway and say what was missing.
                self.open_note = (
                    f"no echo of the IF_Clear broadcast (88 01 00 01 FF): {exc.detail}; "
                    "opened anyway, command buffers may hold old commands"
                )
                log.warning("%s: %s", self.device_id, self.open_note)
        except BaseException:
            await self.close()
            raise
        finally:
            self._opening = False
        return count

    # -- requests ----------------------------------------------------------------------

    async def command(
        self,
        address: int,
        request: m.Request,
        *,
        wait_completion: bool = True,
        completion_timeout_s: float | None = None,
        resend_on_lost_completion: bool = True,
        urgent: bool = False,
        group: str | None = None,
        claims: frozenset[str] | None = None,
    ) -> None:
        """Send a command; wait for its ACK and (by default) its completion.

        ``group`` (``pan_tilt``, ``zoom``, ``focus``) tags what the command moves, so a
        Stop of that group can cancel it when both sockets are busy; ``claims`` (default
        ``{group}``) are all the axes it moves (a preset recall: all three). A newer
        command claiming one of them, accepted before this one finished or sent before
        this one was, supersedes it: ``CommandSupersededError`` instead of success.
        """
        if claims is None:
            claims = frozenset((group,)) if group else frozenset()
        entry = self._moves.enqueue(address, claims, request.name) if claims else None
        try:
            await self.run_command(
                address,
                self._moves.pick(entry, request) if entry else _always(request),
                request,
                wait_completion=wait_completion,
                completion_timeout_s=completion_timeout_s,
                resend_on_lost_completion=resend_on_lost_completion,
                urgent=urgent,
                group=group,
                claims=claims,
            )
        finally:
            if entry is not None:
                self._moves.discard(entry)
        if entry is not None and entry.superseded_by is not None and not entry.sent:
            raise CommandSupersededError(
                self.name_of(address),
                f"{request.name} superseded by {entry.superseded_by} before it was sent",
                superseded_by=entry.superseded_by,
                operation=request.name,
            )

    async def inquire(
        self,
        address: int,
        request: m.Request,
        *,
        timeout_s: float | None = None,
        accept: Callable[[bytes], object] | None = None,
    ) -> bytes:
        """Send an inquiry and return the reply data (without ``y0 50`` and ``FF``).

        Only an answer of the request's reply length that ``accept`` (the caller's
        decoder; ``ValueError`` = not this answer) takes is returned: anything else is
        a late answer to an earlier inquiry and is dropped (VISCA has no request ids).
        """
        reply = await self._inquiry(
            address, request, timeout_s=timeout_s or self.inquiry_timeout_s, accept=accept
        )
        if isinstance(reply, m.InquiryReply):
            return reply.data
        if isinstance(reply, m.Completion) and reply.socket == 0:
            return b""  # addressed IF_Clear: z0 50 FF
        if isinstance(reply, m.ErrorReply):
            raise rejected(self.name_of(address), request, reply)
        raise ProtocolError(
            self.name_of(address), f"unexpected answer {reply}", operation=request.name
        )

    async def drive(self, address: int, request: m.Request, *, group: str = "pan_tilt") -> None:
        """A continuous drive (pan-tilt, zoom, focus): returns once ACKed.

        A drive still waiting for the port is replaced by a newer one of its ``group``
        (:mod:`drivers.visca.protocol.drives`).
        """

        async def send(pick: Callable[[], m.Request | None]) -> None:
            await self.run_command(
                address,
                pick,
                request,
                wait_completion=False,
                resend_on_lost_completion=False,
                group=group,
            )

        await self._drives.drive(address, group, request, send, self.name_of(address))

    async def stop(self, address: int, request: m.Request, *, group: str = "pan_tilt") -> None:
        """Stop a drive: jumps the queue and supersedes a queued drive of ``group``.

        If both sockets are busy (e.g. a pan-tilt move and a zoom move running), the stop
        gets "buffer full"; then the socket running a command of ``group`` is cancelled.
        """
        self._drives.supersede(address, group)
        self._moves.supersede(address, frozenset((group,)), request.name)
        try:
            await self.run_command(
                address,
                _always(request),
                request,
                wait_completion=True,
                urgent=True,
                resend_on_lost_completion=False,
                wait_when_full=False,  # never wait behind running drives
                claims=frozenset((group,)),  # its ACK ends a move of the group as superseded
            )
        except DeviceError as exc:
            if getattr(exc, "code", None) != m.ErrorCode.BUFFER_FULL:
                raise
            sockets = self.sockets.sockets_of(address, group)
            if not sockets:
                raise
            for socket in sockets:
                try:
                    await self.cancel(address, socket)
                except DeviceError as cancel_exc:
                    # 05 "no socket": the command ended meanwhile, which is what we wanted.
                    if getattr(cancel_exc, "code", None) != m.ErrorCode.NO_SOCKET:
                        raise

    async def cancel(self, address: int, socket: int) -> None:
        """Cancel the command in ``socket``; jumps the queue. Nothing to cancel → error 05."""
        request = m.cancel(socket)
        reply = await self._ask(address, request, urgent=True)
        if isinstance(reply, m.ErrorReply) and reply.code != m.ErrorCode.CANCELED:
            raise rejected(self.name_of(address), request, reply)

    async def address_set(self) -> int:
        """AddressSet broadcast ``88 30 01 FF`` → number of cameras on the chain."""
        if not self.transport.supports_broadcast:
            raise NotSupportedError(
                self.device_id, "no broadcast on this link", operation="AddressSet"
            )
        request = m.address_set()
        reply = await self._ask(None, request, urgent=True)
        if not isinstance(reply, m.AddressReply) or reply.camera_count < 1:
            raise ProtocolError(
                self.device_id, f"unexpected answer {reply}", operation="AddressSet"
            )
        self.camera_count = reply.camera_count
        return reply.camera_count

    async def if_clear(self, address: int | None = None) -> None:
        """IF_Clear: broadcast (default) or to one camera; clears command buffers."""
        if address is None:
            reply = await self._ask(None, m.if_clear(), urgent=True)
            if not isinstance(reply, m.IfClearEcho):
                raise ProtocolError(
                    self.device_id, f"unexpected answer {reply}", operation="IF_Clear"
                )
        else:
            await self.inquire(address, m.if_clear(broadcast=False))
        for message in self.sockets.drain(address):
            if not message.done.done():
                message.done.set_exception(
                    DeviceUnavailableError(self.name_of(message.address), "cleared by IF_Clear")
                )

    # -- internals: sending ------------------------------------------------------------

    async def run_command(
        self,
        address: int,
        pick: Callable[[], m.Request | None],
        request: m.Request,
        *,
        wait_completion: bool,
        completion_timeout_s: float | None = None,
        resend_on_lost_completion: bool = True,
        urgent: bool = False,
        group: str | None = None,
        wait_when_full: bool = True,
        claims: frozenset[str] | None = None,
    ) -> None:
        """``command`` with the request picked once the port is ours (for drives)."""
        timeout_s = completion_timeout_s or self.completion_timeout_s
        buffer_full = lost = 0
        token: int | None = None
        while True:
            transacted = await self._transact(
                address,
                pick,
                urgent=urgent,
                timeout_s=self.ack_timeout_s,
                group=group,
                claims=claims,
                waited=wait_completion,
                resend_token=token,
            )
            if transacted is None:
                return  # superseded before it was sent
            message, reply, token = transacted
            request = message.request
            pick = _always(request)  # retries send what was picked
            if isinstance(reply, m.ErrorReply):
                if (
                    reply.code == m.ErrorCode.BUFFER_FULL
                    and wait_when_full
                    and buffer_full < self.buffer_full_retries
                ):
                    buffer_full += 1
                    token = None
                    await self._wait_for_a_completion(self.completion_timeout_s)
                    continue
                raise rejected(self.name_of(address), request, reply)
            if isinstance(reply, m.Completion) or not wait_completion:
                return
            try:
                async with asyncio.timeout(timeout_s):  # not wait_for: gh-86296
                    await asyncio.shield(message.done)
                return
            except TimeoutError:
                self.sockets.forget(message)
            if not resend_on_lost_completion or lost >= self.retries:
                # The real wait: every resend waited the whole timeout again.
                waited = f"{(lost + 1) * timeout_s:.1f} s"
                if lost:
                    waited += f" ({lost + 1} sends, {timeout_s:.1f} s each)"
                raise DeviceTimeoutError(
                    self.name_of(address),
                    f"accepted but not completed within {waited}",
                    operation=request.name,
                )
            lost += 1
            log.info("%s: no completion for %s; resending", self.name_of(address), request.name)

    def network_change(self, address: int) -> None:
        """``z0 38 FF``: a camera powered up or the chain changed → AddressSet again."""
        self.network_changes += 1
        if not (self.init_chain and self.transport.supports_broadcast):
            log.info("%s: network change from %d ignored on this link", self.device_id, address)
            return
        if self._readdress is None or self._readdress.done():
            self._readdress = asyncio.create_task(
                self._readdress_chain(), name=f"visca-readdress:{self.device_id}"
            )

    async def _readdress_chain(self) -> None:
        try:
            count = await self.address_set()
            log.info("%s: re-addressed after a network change: %d cameras", self.device_id, count)
        except DeviceError as exc:
            log.warning("%s: AddressSet after a network change failed: %s", self.device_id, exc)

    async def _ask(
        self,
        address: int | None,
        request: m.Request,
        *,
        timeout_s: float | None = None,
        urgent: bool = False,
    ) -> m.Reply:
        transacted = await self._transact(
            address, lambda: request, urgent=urgent, timeout_s=timeout_s or self.ack_timeout_s
        )
        if transacted is None:  # cannot happen: the pick always returns the request
            raise ProtocolError(self.name_of(address), "nothing sent", operation=request.name)
        return transacted[1]

    async def _transact(
        self,
        address: int | None,
        pick: Callable[[], m.Request | None],
        *,
        timeout_s: float,
        urgent: bool = False,
        group: str | None = None,
        claims: frozenset[str] | None = None,
        waited: bool = True,
        resend_token: int | None = None,
    ) -> tuple[Message, m.Reply, int] | None:
        """Hold the gate while one message gets its first reply; None if nothing to send."""
        self._raise_if_lost(address)
        await self._gate.acquire(urgent=urgent)
        try:
            self._raise_if_lost(address)
            request = pick()
            if request is None:
                return None
            message = new_message(address, request, group=group, waited=waited, claims=claims)
            self._awaiting = message
            packet = request.to_bytes(address or 1)
            attempts = 1 if self._silence.is_unavailable(address) else 1 + self.retries
            token = resend_token
            noise_at_start = self._noise()
            for _ in range(attempts):
                if token is None:
                    self._trace("tx", packet)
                    token = await self.transport.send(packet)
                else:
                    self._trace("tx-again", packet)
                    await self.transport.resend(token)
                try:
                    # asyncio.timeout, not wait_for (gh-86296, drivers/supervision.py);
                    # the shield keeps ``first`` alive for the reader when we give up.
                    async with asyncio.timeout(timeout_s):
                        reply = await asyncio.shield(message.first)
                except TimeoutError:
                    continue
                return message, reply, token
            what = f"no answer to {attempts} tries, {timeout_s:.2f} s each"
            raise self._no_answer(address, request, what, self._noise() - noise_at_start)
        except DeviceUnavailableError as exc:
            if self._lost is None and not self.transport.is_open:
                self._link_lost(exc)
            raise
        finally:
            self._awaiting = None
            self._gate.release()

    async def _inquiry(
        self,
        address: int,
        request: m.Request,
        *,
        timeout_s: float,
        accept: Callable[[bytes], object] | None = None,
    ) -> m.Reply:
        """One inquiry: drained camera, send, accept only an answer that fits it.

        The answer to any send of this inquiry is taken until ``(1 + retries) ×
        timeout_s`` have passed. No answer within ``timeout_s`` on a clean line: the
        camera may just be late, so it is resent only once that send has drained (its
        quarantine ended). Noise since the send (dropped bytes, garbage, a misfit): the
        answer was likely mangled, so it is resent at once; should the first answer come
        after all, the ledger still expects it and the second one is dropped.
        """
        loop = asyncio.get_running_loop()
        while True:
            self._raise_if_lost(address)
            await self.inquiries.drained(address)
            await self._gate.acquire()
            if not self.inquiries.owes(address):
                break
            self._gate.release()  # another inquiry to it went out meanwhile
        message = new_message(address, request, accept=accept)
        try:
            self._raise_if_lost(address)
            self._awaiting = message
            packet = request.to_bytes(address)
            tries = 1 if self._silence.is_unavailable(address) else 1 + self.retries
            budget_s = tries * timeout_s
            give_up_at = loop.time() + budget_s
            token: int | None = None
            sends = 0
            noise_at_start = self._noise()
            while True:
                if token is None:
                    self._trace("tx", packet)
                    token = await self.transport.send(packet)
                else:
                    self._trace("tx-again", packet)
                    await self.transport.resend(token)
                sends += 1
                self.inquiries.sent(address, message)
                sent_at, noise = loop.time(), self._noise()
                try:
                    async with asyncio.timeout_at(min(give_up_at, sent_at + timeout_s)):
                        return await asyncio.shield(message.first)
                except TimeoutError:
                    pass
                if loop.time() < give_up_at and self._noise() == noise:
                    # A clean line and no answer yet: the camera may just be late. Its
                    # answer may still come, so no resend before this send has drained.
                    drained_at = sent_at + self.inquiries.quarantine_s
                    try:
                        async with asyncio.timeout_at(min(give_up_at, drained_at)):
                            return await asyncio.shield(message.first)
                    except TimeoutError:
                        pass
                # Noise since the send (the answer was likely mangled) or drained: resend.
                if loop.time() >= give_up_at:
                    break
            if message.misfit is not None:
                raise ProtocolError(self.name_of(address), message.misfit, operation=request.name)
            what = f"no answer within {budget_s:.2f} s" + (f" ({sends} sends)" if sends > 1 else "")
            raise self._no_answer(address, request, what, self._noise() - noise_at_start)
        except DeviceUnavailableError as exc:
            if self._lost is None and not self.transport.is_open:
                self._link_lost(exc)
            raise
        finally:
            self._awaiting = None
            if not message.first.done():
                message.first.cancel()  # given up: a late answer pays its entry, dropped
                self.inquiries.given_up()
            self._gate.release()

    def inquiry_answer(self, address: int, reply: m.Reply, data: bytes | None) -> None:
        """An inquiry answer (``data``) or socket-0 error (``None``) from ``address``."""
        owner = self.inquiries.oldest(address)
        if owner is None or owner is not self._awaiting or owner.first.done():
            if owner is not None:
                self.inquiries.paid(address)
            self.inquiries.dropped += 1
            log.info(
                "%s: late answer %s dropped (%s)",
                self.name_of(address),
                reply,
                "its inquiry was given up" if owner else "no inquiry waits for it",
            )
            return
        problem = None if data is None else misfit(owner, data)
        if problem is not None:
            # Not this inquiry's answer (one to an inquiry whose quarantine ended, or a
            # camera that answers something else): the entry stays owed.
            owner.misfit = problem
            self.inquiries.misfits += 1
            log.info("%s: %s: %s", self.name_of(address), owner.request.name, problem)
            return
        self.inquiries.paid(address)
        owner.first.set_result(reply)

    def _noise(self) -> int:
        """Garbage heard so far: bytes the framer dropped, undecodable and misfit answers."""
        dropped = getattr(self.transport, "dropped_bytes", 0)
        return self.garbage_packets + self.inquiries.misfits + int(dropped)

    def _no_answer(
        self, address: int | None, request: m.Request, what: str, noise: int
    ) -> DeviceError:
        """The error for a message that got no (fitting) answer.

        Garbage heard meanwhile means something does answer, at the wrong baud rate or
        over a bad cable: say so (issue #7 item 8), and do not count it as silence."""
        if noise > 0:
            return LineNoiseError(
                self.name_of(address),
                f"the camera answers with noise: check baud rate and cable ({what}; "
                f"{noise} garbage bytes or packets instead)",
                operation=request.name,
            )
        if address is None:
            return DeviceTimeoutError(self.device_id, what, operation=request.name)
        count = self._silence.missed(address)
        if self._silence.is_unavailable(address):
            return DeviceUnavailableError(
                self.name_of(address),
                f"camera does not answer ({count} messages without a reply)",
                operation=request.name,
            )
        return DeviceTimeoutError(self.name_of(address), what, operation=request.name)

    async def _wait_for_a_completion(self, timeout_s: float) -> None:
        self._completion_seen.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._completion_seen.wait()

    # -- internals: receiving ----------------------------------------------------------

    async def _read_loop(self) -> None:
        while True:
            try:
                packet = await self.transport.receive()
            except ProtocolError as exc:
                awaiting = self._awaiting
                if awaiting is not None and not awaiting.first.done():
                    awaiting.first.set_exception(exc)
                continue
            except DeviceUnavailableError as exc:
                self._link_lost(exc)
                return
            try:
                self._trace("rx", packet)
                self._dispatch(m.decode_reply(packet))
            except Exception:
                log.exception("%s: failed to handle %s", self.device_id, m.to_hex(packet))

    # -- internals: routing replies ----------------------------------------------------

    def _dispatch(self, reply: m.Reply) -> None:
        """Route one decoded reply to the message it answers (rules: module docstring)."""
        address = getattr(reply, "address", None)
        if isinstance(address, int) and address >= 1:
            self.heard(address)
        awaiting = self.awaiting
        if awaiting is not None and awaiting.first.done():
            awaiting = None
        if isinstance(reply, m.Ack):
            if (
                awaiting is not None
                and awaiting.address == reply.address
                and awaiting.request.kind is m.RequestKind.COMMAND
            ):
                self.sockets.take_over(awaiting)
                self.sockets.register(awaiting, reply.address, reply.socket)
                awaiting.first.set_result(reply)
                return
        elif isinstance(reply, m.Completion):
            self.completion_seen()
            if reply.socket != 0:
                message = self.sockets.pop(reply.address, reply.socket)
                if message is not None:
                    finish(self.name_of(reply.address), message)
                    return
            else:  # z0 50 FF: the answer to an addressed IF_Clear (an inquiry without data)
                self.inquiry_answer(reply.address, reply, b"")
                return
            # No command in that socket: the awaiting command's completion without an ACK.
            if (
                awaiting is not None
                and awaiting.address == reply.address
                and awaiting.request.kind is m.RequestKind.COMMAND
            ):
                self.sockets.take_over(awaiting)
                awaiting.first.set_result(reply)
                if not awaiting.done.done():
                    awaiting.done.set_result(None)
                return
        elif isinstance(reply, m.InquiryReply):
            # In order per camera, checked against the inquiry it would answer (ledger).
            self.inquiry_answer(reply.address, reply, reply.data)
            return
        elif isinstance(reply, m.ErrorReply):
            if self._error_reply(awaiting, reply):
                return
        elif isinstance(reply, m.NetworkChange):
            self.network_change(reply.address)
            return
        elif isinstance(reply, m.AddressReply):
            if awaiting is not None and awaiting.request.body[:1] == b"\x30":
                awaiting.first.set_result(reply)
                return
        elif isinstance(reply, m.IfClearEcho):
            if awaiting is not None and awaiting.request.kind is m.RequestKind.BROADCAST:
                awaiting.first.set_result(reply)
                return
        elif isinstance(reply, m.Notification):
            if self.on_notification is not None:
                try:
                    self.on_notification(reply)
                except Exception:
                    log.exception("%s: notification hook failed", self.device_id)
            return
        else:
            self.garbage_packets += 1
            log.debug("%s: garbage %s", self.device_id, reply)
            return
        log.debug("%s: stray reply %s", self.device_id, reply)

    def _error_reply(self, awaiting: Message | None, reply: m.ErrorReply) -> bool:
        if reply.code == m.ErrorCode.CANCELED:
            target = self.sockets.pop(reply.address, reply.socket)
            if target is not None and not target.done.done():
                name = self.name_of(reply.address)
                target.done.set_exception(
                    superseded(name, target)
                    if target.superseded_by is not None
                    else rejected(name, target.request, reply)
                )
            if (
                awaiting is not None
                and awaiting.address == reply.address
                and awaiting.request.kind is m.RequestKind.CANCEL
            ):
                awaiting.first.set_result(reply)
            return True
        if awaiting is not None and awaiting.address == reply.address:
            if awaiting.request.kind is m.RequestKind.INQUIRY:
                # Pays the oldest inquiry this camera owes: an error for a given-up one
                # must not fail the inquiry waiting now.
                self.inquiry_answer(reply.address, reply, None)
            else:
                awaiting.first.set_result(reply)
            return True
        if reply.socket != 0:
            target = self.sockets.pop(reply.address, reply.socket)
            if target is not None:
                if not target.done.done():
                    target.done.set_exception(
                        rejected(self.name_of(reply.address), target.request, reply)
                    )
                return True
        return False

    def _link_lost(self, exc: DeviceUnavailableError) -> None:
        if self._lost is None:
            log.info("%s: link lost: %s", self.device_id, exc.detail)
        # The line itself is gone (unplugged adapter, dropped socket): nothing sent on
        # it can still be answered. A close() of a live line (the supervisor reopening
        # a silent chain) keeps the ledger: the camera may still answer what it owes.
        self.inquiries.clear()
        self._fail_all(exc)

    def _fail_all(self, exc: DeviceUnavailableError) -> None:
        if self._lost is None:
            self._lost = exc
        self._lost_event.set()
        self.inquiries.given_up()  # waiters re-check: what they waited for failed
        pending = [self._awaiting] if self._awaiting else []
        for message in pending + self.sockets.drain():
            for future in (message.first, message.done):
                if not future.done():
                    future.set_exception(exc)
        self._drives.fail_all(exc)

    def _raise_if_lost(self, address: int | None) -> None:
        if self._lost is not None:
            raise self._lost
        if self._opening and address is not None:
            raise DeviceUnavailableError(
                self.name_of(address), "port is opening (AddressSet, IF_Clear)"
            )

    def heard(self, address: int) -> None:
        """Any packet from ``address``: it answers again."""
        self._silence.heard(address)

    def completion_seen(self) -> None:
        self._completion_seen.set()

    @property
    def awaiting(self) -> Message | None:
        return self._awaiting

    def name_of(self, address: int | None) -> str:
        """The name errors use for ``address`` (its camera's device id when named)."""
        if address is None:
            return self.device_id
        return self._names.get(address, f"{self.device_id} camera {address}")

    def _trace(self, direction: str, packet: bytes) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s %s", self.device_id, direction, m.to_hex(packet))
        if self.on_trace is not None:
            try:
                self.on_trace(direction, packet)
            except Exception:
                log.exception("%s: trace hook failed", self.device_id)

    def _availability(self, address: int, available: bool) -> None:
        if available:
            log.warning("%s: answering again", self.name_of(address))
        else:
            log.warning("%s: silent; marked unavailable", self.name_of(address))
        if self.on_availability is not None:
            try:
                self.on_availability(address, available)
            except Exception:
                log.exception("%s: availability hook failed", self.device_id)


def _always(request: m.Request) -> Callable[[], m.Request | None]:
    return lambda: request


__all__ = [
    "ACK_TIMEOUT_S",
    "BUFFER_FULL_RETRIES",
    "COMPLETION_TIMEOUT_S",
    "INQUIRY_TIMEOUT_S",
    "MOVE_COMPLETION_TIMEOUT_S",
    "RETRIES",
    "SILENT_LIMIT",
    "AvailabilityHook",
    "NotificationHook",
    "TraceHook",
    "ViscaPort",
]
