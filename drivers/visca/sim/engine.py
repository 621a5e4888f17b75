"""Timing and routing of a simulated camera chain (pure: every call takes ``now``).

A VISCA port carries a daisy chain of 1–7 cameras (VISCA.md §1.1). The engine routes
each packet to the camera it addresses, schedules its processing — every camera
handles one message per video frame, and "the next command will not be received
until the ACK/inquiry packet is sent" (VISCA.md §1.3, EVI-HD7V) — and collects the
replies and completions in time order. Broadcasts (§1.4): AddressSet numbers the
cameras and comes back as ``88 30 0w FF`` after passing every camera (one frame per
hop); IF_Clear clears every camera and is echoed unchanged. Packets for an address no
camera holds travel to the end of the chain and are never answered.

Faults applied here (per camera, ``CameraSimulator.faults``): silent, slow, dropped
ACKs/completions. Link-level faults (garbage, unplug) belong to the servers.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from drivers.visca.messages import BROADCAST_HEADER, MAX_ADDRESS, TERMINATOR
from drivers.visca.sim.camera import CameraSimulator

log = logging.getLogger(__name__)

BROADCAST: Final = BROADCAST_HEADER
ADDRESS_SET: Final = 0x30
IF_CLEAR_BROADCAST: Final = b"\x88\x01\x00\x01\xff"
MAX_CAMERAS: Final = MAX_ADDRESS  # 1–7 cameras per chain


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One packet the chain sends, at ``at``, to ``client`` (None = whoever is on the link)."""

    at: float
    packet: bytes
    client: object = None


@dataclass(order=True)
class _Event:
    at: float
    seq: int
    camera: CameraSimulator | None = field(compare=False)
    packet: bytes = field(compare=False)
    client: object = field(compare=False)


class ChainEngine:
    """Routes packets to the cameras of one port and orders everything they send.

    ``ip_mode``: Sony VISCA-over-IP rules — the camera address is treated as 1 and
    broadcasts are not used (VISCA.md §3.1). ``addressed``: cameras already hold
    addresses 1…n at start; when False they answer only after AddressSet (until then
    only the first camera answers address 1, sony-visca#31).
    """

    def __init__(
        self,
        cameras: Sequence[CameraSimulator],
        *,
        ip_mode: bool = False,
        addressed: bool = True,
    ) -> None:
        if not 1 <= len(cameras) <= MAX_CAMERAS:
            raise ValueError(f"a VISCA chain holds 1–{MAX_CAMERAS} cameras, got {len(cameras)}")
        self.cameras = list(cameras)
        self.ip_mode = ip_mode
        self.addressed = addressed
        for index, camera in enumerate(self.cameras, start=1):
            camera.address = index if addressed else 1
        self._events: list[_Event] = []
        self._seq = itertools.count()
        self._busy_until: dict[int, float] = {}
        self._broadcast_busy = 0.0

    def camera(self, address: int) -> CameraSimulator:
        """The camera at chain position ``address`` (1-based)."""
        if not 1 <= address <= len(self.cameras):
            raise ValueError(f"no camera {address}: the chain has {len(self.cameras)}")
        return self.cameras[address - 1]

    def network_change(self, now: float) -> Outgoing:
        """``z0 38 FF`` from the first camera (sent at power-up / connect, VISCA.md §1.2)."""
        return Outgoing(now, bytes((self.cameras[0].header, 0x38, TERMINATOR)))

    def receive(self, packet: bytes, arrival: float, client: object = None) -> None:
        """A whole packet has arrived at ``arrival``; schedule its processing."""
        if len(packet) < 2:
            return
        header = packet[0]
        if header == BROADCAST:
            if self.ip_mode:
                log.debug("broadcast over VISCA-over-IP ignored: %s", packet.hex(" "))
                return
            self._broadcast(packet, arrival, client)
            return
        if header & 0xF0 != 0x80 or not 1 <= header & 0x07 <= MAX_CAMERAS or header & 0x08:
            log.debug("not a controller packet, ignored: %s", packet.hex(" "))
            return
        camera = self._route(header & 0x07)
        if camera is None or camera.faults.silent:
            log.debug("no camera answers %s", packet.hex(" "))
            return
        # One message per frame per camera; a slow camera takes longer (fault).
        start = max(arrival, self._busy_until.get(id(camera), 0.0))
        at = start + camera.frame_s + camera.faults.delay()
        self._busy_until[id(camera)] = at
        self._push(at, camera, packet, client)

    def next_due(self) -> float | None:
        """When :meth:`step` has something to do next (None = idle)."""
        times = [self._events[0].at] if self._events else []
        times += [t for t in (cam.next_due() for cam in self.cameras) if t is not None]
        return min(times) if times else None

    def step(self, now: float) -> list[Outgoing]:
        """Process everything due by ``now``; return what the chain sends, in order."""
        out: list[Outgoing] = []
        while True:
            event_at = self._events[0].at if self._events else None
            cam_due = [(t, cam) for cam in self.cameras if (t := cam.next_due()) is not None]
            first_cam = min(cam_due, key=lambda item: item[0], default=None)
            if (
                first_cam is not None
                and first_cam[0] <= now
                and (event_at is None or first_cam[0] <= event_at)
            ):
                at, camera = first_cam  # at = 0.0: completions already collected
                out += self._filtered(camera, camera.poll(at), at)
                continue
            if event_at is None or event_at > now:
                return out
            event = heapq.heappop(self._events)
            if event.camera is None:
                out.append(Outgoing(event.at, event.packet, event.client))
                continue
            camera = event.camera
            out += self._filtered(camera, camera.poll(event.at), event.at)
            if camera.faults.silent:
                continue
            replies = camera.handle(event.packet, event.at, event.client)
            out += self._filtered(camera, [(r, event.client) for r in replies], event.at)

    # -- internals ---------------------------------------------------------------------

    def _route(self, address: int) -> CameraSimulator | None:
        if self.ip_mode:
            return self.cameras[0]  # camera address locked to 1 (VISCA.md §3.1)
        for camera in self.cameras:
            if camera.address == address:
                return camera
        return None

    def _broadcast(self, packet: bytes, arrival: float, client: object) -> None:
        hops = len(self.cameras)
        at = max(arrival, self._broadcast_busy) + hops * self.cameras[0].frame_s
        self._broadcast_busy = at
        body = packet[1:-1]
        if len(body) == 2 and body[0] == ADDRESS_SET and 1 <= body[1] <= MAX_CAMERAS:
            first = body[1]
            for index, camera in enumerate(self.cameras):
                camera.address = min(MAX_CAMERAS, first + index)
            self.addressed = True
            reply = bytes((BROADCAST, ADDRESS_SET, min(first + hops, 0x0F), TERMINATOR))
            self._push(at, None, reply, client)
            return
        if packet == IF_CLEAR_BROADCAST:
            for camera in self.cameras:
                camera.clear(arrival)
            self._push(at, None, packet, client)  # echoed through the chain
            return
        log.debug("unknown broadcast ignored: %s", packet.hex(" "))

    def _push(
        self, at: float, camera: CameraSimulator | None, packet: bytes, client: object
    ) -> None:
        heapq.heappush(self._events, _Event(at, next(self._seq), camera, packet, client))

    def _filtered(
        self, camera: CameraSimulator, replies: list[tuple[bytes, object]], at: float
    ) -> list[Outgoing]:
        faults = camera.faults
        out: list[Outgoing] = []
        for packet, client in replies:
            if faults.silent:
                continue
            kind = packet[1] & 0xF0
            if kind == 0x40 and faults.drop_acks:
                faults.drop_acks -= 1
                log.debug("fault: ACK dropped %s", packet.hex(" "))
                continue
            if kind == 0x50 and len(packet) == 3 and packet[1] & 0x0F and faults.drop_completions:
                faults.drop_completions -= 1
                log.debug("fault: completion dropped %s", packet.hex(" "))
                continue
            out.append(Outgoing(at, packet, client))
        return out
