"""Sony VISCA-over-IP: VISCA packets in UDP datagrams with an 8-byte header (port 52381).

Header (VISCA.md §3.1, SRG-300H-IP): payload type (2 bytes), payload length (2),
sequence number (4), all big-endian, then the VISCA packet or a control payload.

- We send commands as ``01 00`` and inquiries as ``01 10``; the camera answers ``01 11``
  with the request's sequence number.
- ``open`` sends RESET (``02 00``, payload ``01``) and waits for its ``02 01`` ACK.
- A lost datagram is recovered by resending with the **same** sequence number
  (:meth:`SonyIPTransport.resend`, driven by the protocol's ACK timeout).
- Control reply ``0F 01`` ("abnormality in the sequence number"): if we had resent that
  message, the camera had already executed it and only its reply was lost — resend with
  a *new* sequence number to get a fresh reply (BRC-X400-IP p.13, AVIPAS-IP). If we had
  not, our numbering is out of step with the camera (camera rebooted, another
  controller; VISCA.md §5 #5) — RESET, then resend with a new number.
- Control reply ``0F 02`` ("abnormality in the message") → ``ProtocolError`` from
  ``receive``, which fails the message awaiting its first reply.
- The socket is not connected, so replies arriving from another source port of the
  camera are accepted; ``local_port`` pins our port (some cameras answer to 52381 only:
  VISCA.md §3.1, VISCA-IP-Controller#35).
"""

from __future__ import annotations

import asyncio
import collections
import ipaddress
import logging
import socket
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Final

from drivers.errors import DeviceUnavailableError, ProtocolError
from drivers.supervision import cancel_and_wait
from drivers.visca.messages import BROADCAST_HEADER
from drivers.visca.sony_header import (
    CONTROL_MSG_ERROR,
    CONTROL_RESET,
    CONTROL_SEQ_ERROR,
    DEFAULT_PORT,
    SEQ_MASK,
    TYPE_COMMAND,
    TYPE_CONTROL,
    TYPE_CONTROL_REPLY,
    TYPE_INQUIRY,
    TYPE_REPLY,
    pack,
    unpack,
)
from drivers.visca.transport.base import PacketTransport, check_packet

log = logging.getLogger(__name__)

RESET_TIMEOUT_S: Final = 0.5
RESET_RETRIES: Final = 3
CLOSE_TIMEOUT_S: Final = 1.0  # close(): a recovery task ends at its first cancel
# How often one message may be renumbered after `0F 01` before we give up on it.
RENUMBER_LIMIT: Final = 2
MESSAGE_MEMORY: Final = 64


@dataclass
class _Message:
    packet: bytes
    payload_type: int
    seq: int
    resent: bool = False
    renumbered: int = 0


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, owner: SonyIPTransport) -> None:
        self._owner = owner

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self._owner._on_datagram(data, str(addr[0]))

    def error_received(self, exc: Exception) -> None:
        log.debug("%s: UDP error: %s", self._owner.device_id, exc)


class SonyIPTransport(PacketTransport):
    """One Sony VISCA-over-IP camera at ``host:port`` (camera address is always 1)."""

    supports_broadcast = False

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        local_port: int | None = None,
        device_id: str | None = None,
        reset_timeout_s: float = RESET_TIMEOUT_S,
        reset_retries: int = RESET_RETRIES,
    ) -> None:
        super().__init__(device_id or f"visca-ip://{host}:{port}")
        self.host = host
        self.port = port
        self.local_port = local_port
        self.reset_timeout_s = reset_timeout_s
        self.reset_retries = reset_retries
        self.resets_sent = 0
        self.renumbered = 0
        self.dropped_bytes = 0  # noise inside reply datagrams (noise vs silence, port)
        self._udp: asyncio.DatagramTransport | None = None
        self._peer: tuple[str, int] | None = None
        self._seq = 0
        self._messages: collections.OrderedDict[int, _Message] = collections.OrderedDict()
        self._token_by_seq: dict[int, int] = {}
        self._next_token = 0
        self._reset_acked = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def is_open(self) -> bool:
        return self._udp is not None and self._inbox.error is None

    @property
    def description(self) -> str:
        return f"visca-ip://{self.host}:{self.port}"

    @property
    def bound_port(self) -> int | None:
        if self._udp is None:
            return None
        return int(self._udp.get_extra_info("sockname")[1])

    async def open(self) -> None:
        await self.close()
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)
            family, _, _, _, sockaddr = infos[0]
            peer_ip = str(sockaddr[0])
            self._peer = (peer_ip, self.port)
            udp, _ = await loop.create_datagram_endpoint(
                lambda: _Datagrams(self),
                local_addr=(_bind_host(peer_ip, family), self.local_port or 0),
                family=family,
            )
        except OSError as exc:
            raise DeviceUnavailableError(
                self.device_id, f"cannot open UDP socket: {exc}", operation="open"
            ) from None
        self._udp = udp
        self._inbox.reset()
        self._messages.clear()
        self._token_by_seq.clear()
        try:
            await self._reset()
        except DeviceUnavailableError:
            await self.close()
            raise

    async def close(self) -> None:
        # Not ``suppress(CancelledError)`` around ``await task``: a cancel of our caller
        # would be swallowed (drivers/supervision.py cancel_and_wait).
        await cancel_and_wait(*self._tasks, timeout_s=CLOSE_TIMEOUT_S)
        udp, self._udp = self._udp, None
        if udp is not None:
            udp.close()
        self._inbox.fail("socket closed")

    async def send(self, packet: bytes) -> int:
        check_packet(packet, self.device_id)
        if packet[0] == BROADCAST_HEADER:
            # VISCA.md §3.1: broadcast and AddressSet must not be used over IP.
            raise ProtocolError(
                self.device_id, "broadcast not allowed over VISCA-over-IP", operation="send"
            )
        self._inbox.raise_if_failed()
        payload_type = TYPE_INQUIRY if packet[1] == 0x09 else TYPE_COMMAND
        self._next_token += 1
        token = self._next_token
        message = _Message(packet, payload_type, self._new_seq())
        self._messages[token] = message
        self._token_by_seq[message.seq] = token
        while len(self._messages) > MESSAGE_MEMORY:
            _, old = self._messages.popitem(last=False)
            self._token_by_seq.pop(old.seq, None)
        self._transmit(message)
        return token

    async def resend(self, token: int) -> None:
        self._inbox.raise_if_failed()
        message = self._messages.get(token)
        if message is not None:
            message.resent = True
            self._transmit(message)

    # -- internals ---------------------------------------------------------------------

    def _new_seq(self) -> int:
        self._seq = (self._seq + 1) & SEQ_MASK
        return self._seq

    def _transmit(self, message: _Message) -> None:
        self._sendto(pack(message.payload_type, message.packet, message.seq))

    def _sendto(self, datagram: bytes) -> None:
        udp = self._udp
        if udp is None or self._peer is None:
            raise DeviceUnavailableError(self.device_id, "socket not open", operation="send")
        try:
            udp.sendto(datagram, self._peer)
        except OSError as exc:
            raise self._inbox.fail(f"send failed: {exc}", operation="send") from None

    async def _reset(self) -> None:
        for _ in range(self.reset_retries):
            self._reset_acked.clear()
            self.resets_sent += 1
            # The sequence field of a RESET is ignored by the camera (SRG-300H-IP).
            self._sendto(pack(TYPE_CONTROL, CONTROL_RESET, 0))
            try:
                async with asyncio.timeout(self.reset_timeout_s):  # not wait_for: gh-86296
                    await self._reset_acked.wait()
            except TimeoutError:
                continue
            self._seq = 0
            return
        raise DeviceUnavailableError(
            self.device_id,
            f"no answer to RESET from {self.host}:{self.port} "
            f"({self.reset_retries} tries, {self.reset_timeout_s:.2f} s each)",
            operation="open",
        )

    def _on_datagram(self, data: bytes, source: str) -> None:
        if self._peer is None or source != self._peer[0]:
            log.debug("%s: datagram from %s ignored", self.device_id, source)
            return
        parts = unpack(data)
        if parts is None:
            log.debug("%s: short datagram ignored: %s", self.device_id, data.hex(" "))
            return
        payload_type, length, seq, payload = parts
        payload = payload[:length]
        if payload_type == TYPE_REPLY:
            self.dropped_bytes += self._put_datagram(payload)
        elif payload_type == TYPE_CONTROL_REPLY:
            self._on_control_reply(payload, seq)
        else:
            log.debug("%s: payload type %04x ignored", self.device_id, payload_type)

    def _on_control_reply(self, payload: bytes, seq: int) -> None:
        if payload == CONTROL_RESET:
            self._reset_acked.set()
            return
        token = self._token_by_seq.get(seq)
        message = self._messages.get(token) if token is not None else None
        if payload == CONTROL_SEQ_ERROR:
            if message is None or token is None:
                log.info("%s: sequence error for unknown seq %d; RESET", self.device_id, seq)
                self._spawn(self._recover(None, None, reset=True))
            elif message.renumbered >= RENUMBER_LIMIT:
                self._inbox.put(
                    ProtocolError(
                        self.device_id,
                        "camera keeps reporting a sequence-number error",
                        operation="send",
                    )
                )
            else:
                # Resent message → it was executed, its reply lost: renumber only.
                # First transmission → numbering out of step: RESET first.
                self._spawn(self._recover(token, message, reset=not message.resent))
        elif payload == CONTROL_MSG_ERROR:
            self._inbox.put(
                ProtocolError(
                    self.device_id, "camera reports an abnormal message (0F 02)", operation="send"
                )
            )
        else:
            log.debug("%s: control reply %s ignored", self.device_id, payload.hex(" "))

    async def _recover(self, token: int | None, message: _Message | None, *, reset: bool) -> None:
        try:
            if reset:
                await self._reset()
            if token is not None and message is not None:
                self._token_by_seq.pop(message.seq, None)
                message.seq = self._new_seq()
                message.resent = False
                message.renumbered += 1
                self._token_by_seq[message.seq] = token
                self.renumbered += 1
                log.debug("%s: resending as seq %d", self.device_id, message.seq)
                self._transmit(message)
        except DeviceUnavailableError as exc:
            self._inbox.fail(exc.detail)

    def _spawn(self, coro: Coroutine[None, None, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=f"visca-ip-recover:{self.host}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _bind_host(peer_ip: str, family: int) -> str:
    """Loopback peers get a loopback bind (tests never listen on the LAN)."""
    if ipaddress.ip_address(peer_ip.split("%")[0]).is_loopback:
        return "::1" if family == socket.AF_INET6 else "127.0.0.1"
    return "::" if family == socket.AF_INET6 else "0.0.0.0"  # noqa: S104 - camera on the LAN
