"""The core of :class:`~drivers.visca.protocol.ViscaPort`: state, the gate, the receive loop.

``PortCore`` holds one port's state and the two halves every request goes through:
``_transact`` (take the gate, send, await the first reply with resends) and the receive
loop (decode each packet, route it: :mod:`drivers.visca.protocol_dispatch`). The
request API on top — commands, inquiries, drives, stops, AddressSet — is ``ViscaPort``.
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
    LineNoiseError,
    ProtocolError,
)
from drivers.supervision import cancel_and_wait
from drivers.visca import messages as m
from drivers.visca.protocol_dispatch import dispatch
from drivers.visca.protocol_drive import DriveQueue, MoveQueue
from drivers.visca.protocol_support import (
    InquiryLedger,
    Message,
    PortGate,
    SilenceTracker,
    SocketTable,
    misfit,
    new_message,
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
# An inquiry answer later than this many inquiry timeouts counts as lost: 4 × 0.5 s =
# 2 s, twice the longest 1V a camera may take (slow shutter: 1 s, VISCA.md §1.3). Until
# then the camera is in quarantine: it gets no new inquiry (protocol_support.InquiryLedger).
QUARANTINE_TIMEOUTS: Final = 4
SILENT_LIMIT: Final = 3
BUFFER_FULL_RETRIES: Final = 3
TASK_END_TIMEOUT_S: Final = 1.0  # close(): the receive loop ends at its first cancel

TraceHook = Callable[[str, bytes], None]
NotificationHook = Callable[[m.Notification], None]
AvailabilityHook = Callable[[int, bool], None]


class PortCore:
    """State and plumbing of one port; see :class:`~drivers.visca.protocol.ViscaPort`."""

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
                dispatch(self, m.decode_reply(packet))
            except Exception:
                log.exception("%s: failed to handle %s", self.device_id, m.to_hex(packet))

    def _link_lost(self, exc: DeviceUnavailableError) -> None:
        if self._lost is None:
            log.info("%s: link lost: %s", self.device_id, exc.detail)
        self._fail_all(exc)

    def _fail_all(self, exc: DeviceUnavailableError) -> None:
        if self._lost is None:
            self._lost = exc
        self._lost_event.set()
        self.inquiries.clear()
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
        """``z0 38 FF`` from a camera: overridden by ``ViscaPort`` (re-addressing)."""

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
