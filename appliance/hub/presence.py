"""Who is online, in memory: the link server writes it on every frame, the API reads it.

    presence.online(room_id, district, hello)      a link said hello
    presence.heartbeat(room_id, hb)                 health + devices; publishes changes
    presence.offline(room_id, reason)               the link closed / went silent
    presence.take_dirty() -> [PresenceUpdate]       what changed since the last flush

A heartbeat costs no database write (hub_shared: ≥ 2,000 heartbeats/s on one core): the
lifespan's flush task hands ``take_dirty()`` (PresenceUpdate rows) to ``store.flush_presence`` in one batch
every ``presence_flush_s``. Changes of online/health/device state are published on the
event bus at once (the operator's screen must show them within 1 s, DESIGN.md §7).
"""

from __future__ import annotations

import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final

from appliance.hub.db.records import PresenceUpdate
from appliance.hub.events import EventBus, HubEvent
from appliance.link.messages import DeviceInfo, Heartbeat, Hello

# Heartbeat lag samples kept for /api/v1/link/stats (bench/hub.py reads p50/p99 there).
LAG_SAMPLES: Final = 20_000


@dataclass
class RoomPresence:
    """One room as the hub sees it right now."""

    room_id: str
    district: str | None = None
    online: bool = False
    since: float = field(default_factory=time.time)  # wall clock of the last on/off change
    last_seen: float = 0.0  # wall clock of the last frame
    health: str = "unknown"
    devices: list[DeviceInfo] = field(default_factory=list)
    presets: dict[str, list[str]] = field(default_factory=dict)
    capabilities: list[str] = field(default_factory=list)
    agent_version: str | None = None
    boot_id: str | None = None
    room_name: str = ""
    clock_offset_s: float | None = None  # agent clock − hub clock (incl. the trip)
    offline_reason: str | None = None
    # The hub replica holding the room's link (appliance/hub/cluster); None: this process.
    replica: str | None = None
    # What the next flush must write: state (health, online), devices, hello facts; and
    # "seen" (only last_seen moved), written less often (PRESENCE_SEEN_FLUSH_S).
    dirty: bool = False
    devices_dirty: bool = False
    hello_dirty: bool = False
    seen_dirty: bool = False

    def public(self) -> dict[str, Any]:
        return {
            "online": self.online,
            "since": self.since,
            "last_seen": self.last_seen or None,
            "health": self.health,
            "agent_version": self.agent_version,
            "clock_offset_s": self.clock_offset_s,
            "offline_reason": self.offline_reason,
        }


class Presence:
    """The in-memory presence table; one per hub process."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._rooms: dict[str, RoomPresence] = {}
        self.heartbeats = 0
        self.lag_s: deque[float] = deque(maxlen=LAG_SAMPLES)

    def get(self, room_id: str) -> RoomPresence | None:
        return self._rooms.get(room_id)

    def is_online(self, room_id: str) -> bool:
        room = self._rooms.get(room_id)
        return room is not None and room.online

    def rooms(self) -> list[RoomPresence]:
        return list(self._rooms.values())

    def online(self, room_id: str, district: str | None, hello: Hello) -> RoomPresence:
        now = time.time()
        room = self._rooms.setdefault(room_id, RoomPresence(room_id))
        was_online = room.online
        room.district = district
        room.online = True
        room.last_seen = now
        room.health = hello.health
        room.devices = list(hello.devices)
        room.presets = {cam: list(names) for cam, names in hello.presets.items()}
        room.capabilities = list(hello.capabilities)
        room.agent_version = hello.agent_version
        room.boot_id = hello.boot_id
        room.room_name = hello.room_name
        room.offline_reason = None
        room.replica = None
        room.dirty = room.devices_dirty = room.hello_dirty = True
        if not was_online:
            room.since = now
        self._publish("presence", room, self.online_data(room))
        return room

    @staticmethod
    def online_data(room: RoomPresence) -> dict[str, Any]:
        """A ``presence`` online event's data: enough for another hub replica to show and
        command the room (its mirror) without asking."""
        return {
            "online": True,
            "health": room.health,
            "agent_version": room.agent_version,
            "room_name": room.room_name,
            "presets": room.presets,
            "capabilities": room.capabilities,
            "devices": [d.model_dump() for d in room.devices],
            "since": room.since,
        }

    def seen(self, room_id: str) -> None:
        room = self._rooms.get(room_id)
        if room is not None:
            room.last_seen = time.time()

    def heartbeat(self, room_id: str, hb: Heartbeat) -> None:
        room = self._rooms.get(room_id)
        if room is None or not room.online:
            return
        now = time.time()
        self.heartbeats += 1
        # Same host in tests and benches: the lag is the handling latency; across hosts it
        # also holds the clock offset (the hub.clock check item compares welcome.hub_time).
        lag = now - hb.sent_at
        self.lag_s.append(lag)
        room.clock_offset_s = -lag
        room.last_seen = now
        room.seen_dirty = True
        if hb.health != room.health:
            room.health = hb.health
            room.dirty = True
            self._publish("health", room, {"health": hb.health})
        if hb.devices != room.devices:
            before = {d.id: d for d in room.devices}
            room.devices = list(hb.devices)
            room.dirty = room.devices_dirty = True
            for dev in hb.devices:
                if before.get(dev.id) != dev:
                    self._publish("device", room, dev.model_dump())

    def device_event(self, room_id: str, data: dict[str, Any]) -> None:
        """A ``device`` event from the link: keep the table in step with it."""
        room = self._rooms.get(room_id)
        if room is None:
            return
        try:
            dev = DeviceInfo.model_validate(data)
        except ValueError:
            return
        room.devices = [d for d in room.devices if d.id != dev.id] + [dev]
        room.dirty = room.devices_dirty = True

    def set_health(self, room_id: str, health: str) -> None:
        room = self._rooms.get(room_id)
        if room is not None and room.health != health:
            room.health = health
            room.dirty = True

    def offline(self, room_id: str, reason: str) -> None:
        room = self._rooms.get(room_id)
        if room is None or not room.online or room.replica is not None:
            return  # not online here, or held by another replica (its own event says)
        room.online = False
        room.since = time.time()
        room.offline_reason = reason
        room.dirty = True
        self._publish("presence", room, {"online": False, "reason": reason})

    # -- other hub replicas (appliance/hub/cluster) -----------------------------------------

    def holder(self, room_id: str) -> str | None:
        """The other replica that holds the room's link, or None (here, or nowhere)."""
        room = self._rooms.get(room_id)
        return room.replica if room is not None and room.online else None

    def mirror(
        self, origin: str, kind: str, room_id: str, district: str | None, data: dict[str, Any]
    ) -> bool:
        """Apply another replica's presence/health/device event. True when the room was
        linked HERE and has now linked to ``origin``: the caller closes the stale link."""
        room = self._rooms.setdefault(room_id, RoomPresence(room_id))
        if kind == "presence" and data.get("online") is True:
            displaced = room.online and room.replica is None
            room.replica, room.online, room.district = origin, True, district
            room.health = str(data.get("health", room.health))
            room.agent_version = data.get("agent_version") or room.agent_version
            room.room_name = str(data.get("room_name") or room.room_name)
            presets = data.get("presets")
            if isinstance(presets, dict):
                room.presets = {str(c): [str(p) for p in names] for c, names in presets.items()}
            caps = data.get("capabilities")
            if isinstance(caps, list):
                room.capabilities = [str(c) for c in caps]
            devices = data.get("devices")
            if isinstance(devices, list):
                room.devices = _devices(devices)
            room.since = float(data.get("since") or time.time())
            room.last_seen = time.time()
            room.offline_reason = None
            return displaced
        if room.replica != origin:
            return False  # a stale word from a replica that no longer holds the room
        if kind == "presence" and data.get("online") is False:
            room.online = False
            room.since = time.time()
            room.offline_reason = str(data.get("reason") or "offline")
        elif kind == "health" and isinstance(data.get("health"), str):
            room.health = data["health"]
        elif kind == "device":
            found = _devices([data])
            if found:
                room.devices = [d for d in room.devices if d.id != found[0].id] + found
        room.last_seen = time.time()
        return False

    def snapshot(self) -> list[dict[str, Any]]:
        """The rooms linked to this process, as ``presence`` online data (for a replica
        that starts: it learns who is where)."""
        return [
            {"room_id": r.room_id, "district": r.district, **self.online_data(r)}
            for r in self._rooms.values()
            if r.online and r.replica is None
        ]

    def drop_replica(self, origin: str, reason: str = "hub replica gone") -> list[str]:
        """A replica died: its rooms are offline here until they link again (to us or
        another replica). The events carry ``origin`` so the bridge does not resend them."""
        dropped = []
        for room in self._rooms.values():
            if room.replica == origin and room.online:
                room.online = False
                room.since = time.time()
                room.offline_reason = reason
                dropped.append(room.room_id)
                self._bus.publish(
                    HubEvent(
                        "presence",
                        room_id=room.room_id,
                        district=room.district,
                        data={"online": False, "reason": reason},
                        origin=origin,
                    )
                )
        return dropped

    def take_dirty(self, *, seen: bool | tuple[int, int] = True) -> list[PresenceUpdate]:
        """Rooms whose state changed since the last flush, and with ``seen`` those whose
        last_seen only moved (a room beating every 15 s need not cost a row write every
        flush). ``seen=(slot, slots)``: only the rooms of that slot (a stable hash of the
        id), so a flush task writing slot k of n every flush writes each room's last_seen
        once per n flushes in batches of 1/n of the fleet — 10,000 rows at once held the
        GIL in the database thread long enough to stall the link's event loop for
        hundreds of ms (bench/hub.py at 10,000 rooms). Devices and hello facts go in only
        when they changed."""
        out = []
        for room in self._rooms.values():
            if room.replica is not None:
                continue  # its holder writes it
            if isinstance(seen, tuple):
                slot, slots = seen
                seen_now = room.seen_dirty and zlib.crc32(room.room_id.encode()) % slots == slot
            else:
                seen_now = seen and room.seen_dirty
            if not room.last_seen or not (room.dirty or seen_now):
                continue
            hello = room.hello_dirty
            out.append(
                PresenceUpdate(
                    room_id=room.room_id,
                    last_seen_at=room.last_seen,
                    health=room.health,
                    devices=[d.model_dump() for d in room.devices] if room.devices_dirty else None,
                    presets=room.presets if hello else None,
                    agent_version=room.agent_version if hello else None,
                    boot_id=room.boot_id if hello else None,
                    clock_offset_s=room.clock_offset_s,
                )
            )
            room.dirty = room.devices_dirty = room.hello_dirty = room.seen_dirty = False
        return out

    def put_back(self, records: list[PresenceUpdate]) -> None:
        """A failed flush: mark these rooms dirty again so the next flush retries them."""
        for rec in records:
            room = self._rooms.get(rec.room_id)
            if room is not None:
                room.dirty = room.seen_dirty = True
                room.devices_dirty |= rec.devices is not None
                room.hello_dirty |= rec.agent_version is not None

    def _publish(self, kind: str, room: RoomPresence, data: dict[str, Any]) -> None:
        self._bus.publish(HubEvent(kind, room_id=room.room_id, district=room.district, data=data))


def _devices(rows: list[Any]) -> list[DeviceInfo]:
    out = []
    for row in rows:
        try:
            out.append(DeviceInfo.model_validate(row))
        except ValueError:
            continue
    return out
