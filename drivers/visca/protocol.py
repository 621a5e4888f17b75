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
import contextlib
import logging
from collections.abc import Callable
from typing import Final

from drivers.errors import (
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    NotSupportedError,
    ProtocolError,
)
from drivers.visca import messages as m
from drivers.visca.protocol_dispatch import dispatch
from drivers.visca.protocol_drive import DriveQueue
from drivers.visca.protocol_support import (
    Message,
    PortGate,
    SilenceTracker,
    SocketTable,
    new_message,
    rejected,
)
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
SILENT_LIMIT: Final = 3
BUFFER_FULL_RETRIES: Final = 3

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
            from drivers.visca.transport_serial import SerialTransport

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
        self.sockets = SocketTable()
        self._drives = DriveQueue()
        self._silence = SilenceTracker(silent_limit, self._availability)
        self._completion_seen = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._readdress: asyncio.Task[None] | None = None
        self._lost: DeviceUnavailableError | None = DeviceUnavailableError(
            self.device_id, "port not open"
        )
        self._lost_event = asyncio.Event()
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
        try:
            count = await self.address_set()
            await self.if_clear()
        except BaseException:
            await self.close()
            raise
        finally:
            self._opening = False
        return count

    async def close(self) -> None:
        """Close the link; everything pending fails with ``DeviceUnavailableError``."""
        self._fail_all(DeviceUnavailableError(self.device_id, "port closed"))
        for task in (self._readdress, self._reader):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._reader = self._readdress = None
        await self.transport.close()

    async def wait_closed(self) -> DeviceUnavailableError:
        """Return the reason once the link is lost or closed."""
        await self._lost_event.wait()
        return self._lost or DeviceUnavailableError(self.device_id, "port closed")

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
    ) -> None:
        """Send a command; wait for its ACK and (by default) its completion.

        ``group`` (``pan_tilt``, ``zoom``, ``focus``) tags what the command moves, so a
        Stop of that group can cancel it when both sockets are busy.
        """
        await self.run_command(
            address,
            lambda: request,
            request,
            wait_completion=wait_completion,
            completion_timeout_s=completion_timeout_s,
            resend_on_lost_completion=resend_on_lost_completion,
            urgent=urgent,
            group=group,
        )

    async def inquire(
        self, address: int, request: m.Request, *, timeout_s: float | None = None
    ) -> bytes:
        """Send an inquiry and return the reply data (without ``y0 50`` and ``FF``)."""
        reply = await self._ask(address, request, timeout_s=timeout_s or self.inquiry_timeout_s)
        if isinstance(reply, m.InquiryReply):
            data = reply.data
        elif isinstance(reply, m.Completion) and reply.socket == 0:
            data = b""  # addressed IF_Clear: z0 50 FF
        elif isinstance(reply, m.ErrorReply):
            raise rejected(self.name_of(address), request, reply)
        else:
            raise ProtocolError(
                self.name_of(address), f"unexpected answer {reply}", operation=request.name
            )
        if request.reply_len is not None and len(data) != request.reply_len:
            raise ProtocolError(
                self.name_of(address),
                f"answer has {len(data)} data bytes, expected {request.reply_len}: "
                f"{m.to_hex(data)}",
                operation=request.name,
            )
        return data

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
        try:
            await self.run_command(
                address,
                _always(request),
                request,
                wait_completion=True,
                urgent=True,
                resend_on_lost_completion=False,
                wait_when_full=False,  # never wait behind running drives
            )
        except DeviceError as exc:
            if getattr(exc, "code", None) != m.ErrorCode.BUFFER_FULL:
                raise
            sockets = self.sockets.sockets_of(address, group)
            if not sockets:
                raise
            for socket in sockets:
                await self.cancel(address, socket)

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
                await asyncio.wait_for(asyncio.shield(message.done), timeout_s)
                return
            except TimeoutError:
                self.sockets.forget(message)
            if not resend_on_lost_completion or lost >= self.retries:
                raise DeviceTimeoutError(
                    self.name_of(address),
                    f"accepted but not completed within {timeout_s:.2f} s",
                    operation=request.name,
                )
            lost += 1
            log.info("%s: no completion for %s; resending", self.name_of(address), request.name)

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
            message = new_message(address, request, group=group, waited=waited)
            self._awaiting = message
            packet = request.to_bytes(address or 1)
            attempts = 1 if self._silence.is_unavailable(address) else 1 + self.retries
            token = resend_token
            for _ in range(attempts):
                if token is None:
                    self._trace("tx", packet)
                    token = await self.transport.send(packet)
                else:
                    self._trace("tx-again", packet)
                    await self.transport.resend(token)
                try:
                    reply = await asyncio.wait_for(asyncio.shield(message.first), timeout_s)
                except TimeoutError:
                    continue
                return message, reply, token
            raise self._no_answer(address, request, attempts, timeout_s)
        except DeviceUnavailableError as exc:
            if self._lost is None and not self.transport.is_open:
                self._link_lost(exc)
            raise
        finally:
            self._awaiting = None
            self._gate.release()

    def _no_answer(
        self, address: int | None, request: m.Request, attempts: int, timeout_s: float
    ) -> DeviceError:
        what = f"no answer to {attempts} tries, {timeout_s:.2f} s each"
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
            await asyncio.wait_for(self._completion_seen.wait(), timeout_s)

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
                dispatch(self, m.decode_reply(packet))
            except Exception:
                log.exception("%s: failed to handle %s", self.device_id, m.to_hex(packet))

    def _link_lost(self, exc: DeviceUnavailableError) -> None:
        if self._lost is None:
            log.warning("%s: link lost: %s", self.device_id, exc.detail)
        self._fail_all(exc)

    def _fail_all(self, exc: DeviceUnavailableError) -> None:
        if self._lost is None:
            self._lost = exc
        self._lost_event.set()
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
