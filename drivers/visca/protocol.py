"""VISCA request/reply matching on one physical port (a daisy chain shares one port).

Rules (VISCA.md §1.3, §1.4, §5):

- **One message awaiting its first reply per port** (ACK, inquiry answer or error):
  the :class:`~drivers.visca.protocol_support.PortGate`. After its ACK a command sits in
  its socket (1 or 2) and the next message may go; the completion is matched by
  (address, socket). Inquiry answers carry no socket, so inquiries hold the gate until
  answered — which keeps them in order.
- **Stop and Cancel jump the queue** (§5 #4). **Drive commands are coalesced**: a drive
  still waiting for the port is replaced by the latest one of its group (OBS-PTZ).
- A completion without an ACK before it is accepted (§1.3, OBS-PTZ 7b90aa7).
- No first reply within ``ack_timeout_s`` → resend (same bytes; Sony IP: same sequence
  number) up to ``retries`` times. An ACK but no completion → resend once more per retry
  (Sony IP answers ``0F 01`` and the transport renumbers: §3.1), unless the command is
  not idempotent. ``silent_limit`` unanswered messages mark the camera unavailable until
  it is heard again. Buffer full → wait for a completion, then retry.
- AddressSet + IF_Clear (broadcast) at open on serial chains only (IF_Clear on IP
  reset some cameras' settings: §5 #9); a Network Change ``z0 38 FF`` re-runs AddressSet.
- Every wait has a timeout; nothing here can hang.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from drivers.errors import (
    CommandSupersededError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    NotSupportedError,
    ProtocolError,
)
from drivers.visca import messages as m
from drivers.visca.protocol_core import (
    ACK_TIMEOUT_S,
    BUFFER_FULL_RETRIES,
    COMPLETION_TIMEOUT_S,
    INQUIRY_TIMEOUT_S,
    MOVE_COMPLETION_TIMEOUT_S,
    RETRIES,
    SILENT_LIMIT,
    AvailabilityHook,
    NotificationHook,
    PortCore,
    TraceHook,
)
from drivers.visca.protocol_support import rejected

log = logging.getLogger(__name__)


class ViscaPort(PortCore):
    """Request/reply matching over one :class:`~drivers.visca.transport.Transport`."""

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
        (:mod:`drivers.visca.protocol_drive`).
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
