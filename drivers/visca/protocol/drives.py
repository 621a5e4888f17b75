"""Drive coalescing and queued-move supersession for :class:`~drivers.visca.protocol.ViscaPort`.

A joystick sends drive commands faster than a 9600-baud line and a 1V-per-message
camera take them (VISCA.md §1.3). While a drive of one group (pan-tilt, zoom, focus) of
one camera waits for the port, a newer drive of the same group replaces its request, so
only the latest state goes out (OBS-PTZ's policy); every caller returns when it is sent.
A Stop supersedes a waiting drive of its group outright.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from drivers.errors import DeviceUnavailableError
from drivers.visca import messages as m
from drivers.visca.protocol.records import retrieve

SendDrive = Callable[[Callable[[], m.Request | None]], Awaitable[None]]


@dataclass(eq=False)
class DriveSlot:
    """A drive waiting for the port; ``request`` None means superseded by a stop."""

    request: m.Request | None
    result: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def __post_init__(self) -> None:
        self.result.add_done_callback(retrieve)


class DriveQueue:
    """The waiting drive per (address, group)."""

    def __init__(self) -> None:
        self._slots: dict[tuple[int, str], DriveSlot] = {}

    async def drive(
        self, address: int, group: str, request: m.Request, send: SendDrive, name: str
    ) -> None:
        """Send ``request`` via ``send(pick)``, or merge it into the drive already waiting."""
        key = (address, group)
        slot = self._slots.get(key)
        if slot is not None:
            slot.request = request
            await asyncio.shield(slot.result)
            return
        slot = DriveSlot(request)
        self._slots[key] = slot

        def pick() -> m.Request | None:
            # Called once the port is ours: from now on, newer drives queue anew.
            if self._slots.get(key) is slot:
                del self._slots[key]
            return slot.request

        try:
            await send(pick)
        except Exception as exc:
            if not slot.result.done():
                slot.result.set_exception(exc)
            raise
        except BaseException:
            if not slot.result.done():
                slot.result.set_exception(DeviceUnavailableError(name, "drive abandoned"))
            raise
        finally:
            if self._slots.get(key) is slot:
                del self._slots[key]
        if not slot.result.done():
            slot.result.set_result(None)

    def supersede(self, address: int, group: str) -> None:
        """A stop is coming: the waiting drive of ``group`` sends nothing."""
        slot = self._slots.pop((address, group), None)
        if slot is not None:
            slot.request = None

    def fail_all(self, exc: Exception) -> None:
        for slot in self._slots.values():
            if not slot.result.done():
                slot.result.set_exception(exc)
        self._slots.clear()


@dataclass(eq=False)
class QueuedMove:
    """A move (preset recall, absolute move, lens direct…) waiting for the port."""

    address: int
    claims: frozenset[str]
    superseded_by: str | None = None
    sent: bool = False


class MoveQueue:
    """Moves waiting for the port. A newer move or stop of the same camera that claims
    one of their axes supersedes them before they are sent: an operator's rapid clicks
    end with the latest at once, without the earlier ones running first."""

    def __init__(self) -> None:
        self._waiting: list[QueuedMove] = []

    def enqueue(self, address: int, claims: frozenset[str], name: str) -> QueuedMove:
        self.supersede(address, claims, name)
        entry = QueuedMove(address, claims)
        self._waiting.append(entry)
        return entry

    def supersede(self, address: int, claims: frozenset[str], name: str) -> None:
        for entry in self._waiting:
            if entry.address == address and entry.claims & claims and not entry.superseded_by:
                entry.superseded_by = name

    def pick(self, entry: QueuedMove, request: m.Request) -> Callable[[], m.Request | None]:
        """The port is ours: send ``request`` unless it was superseded meanwhile."""

        def pick() -> m.Request | None:
            self.discard(entry)
            if entry.superseded_by is not None:
                return None
            entry.sent = True
            return request

        return pick

    def discard(self, entry: QueuedMove) -> None:
        if entry in self._waiting:
            self._waiting.remove(entry)
