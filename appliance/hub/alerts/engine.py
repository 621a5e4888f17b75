"""From the hub's events to alerts: hold-downs, maintenance, open → resolved.

    engine = AlertEngine(store, bus, presence, config, wake=worker.wake)
    engine.start(); …; await engine.close()

Rules (``config.rules``):

==============  ===================================================  ===================
rule            raised when                                           resolved when
==============  ===================================================  ===================
offline         the room's link is down ``offline_hold_s`` (60 s)     the room links again
device_lost     a device is disconnected/failed ``device_hold_s``     the device is ready
check_failed    a readiness check ends ``fail`` (at once)             a later check passes
==============  ===================================================  ===================

A condition that ends within its hold-down raises nothing (one missed heartbeat, an agent
restart, a camera replugged). A room in maintenance raises nothing. At most one alert is
active per (room, rule, device) (appliance/hub/db/alerts.py). Rooms that were seen before
but have not linked since this hub started are raised as offline once the grace of a
link's own offline detection plus the hold-down has passed: a room that died with the old
hub process is not forgotten.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any, Final

from appliance.hub.alerts.config import AlertsConfig
from appliance.hub.db.alerts import AlertRecord
from appliance.hub.events import EventBus, HubEvent, Subscription
from appliance.hub.metrics import HubMetrics
from appliance.hub.presence import Presence
from appliance.hub.store import Store
from appliance.i18n import t
from drivers.supervision import cancel_and_wait

log = logging.getLogger(__name__)

Key = tuple[str, str, str]  # (room, rule, subject)
KINDS: Final = frozenset({"presence", "device", "check.result"})
# docs/LINK.md DeviceInfo.state: disconnected / connecting / ready / failed.
LOST_STATES: Final = frozenset({"disconnected", "failed"})
BACK_STATES: Final = frozenset({"ready"})
SEVERITY: Final = {"offline": "critical", "device_lost": "warning", "check_failed": "warning"}


def alert_public(alert: AlertRecord) -> dict[str, Any]:
    """The alert as SSE events carry it: every field but its free-form ``data``."""
    fields = dataclasses.asdict(alert)
    del fields["data"]
    return fields


class AlertEngine:
    def __init__(
        self,
        store: Store,
        bus: EventBus,
        presence: Presence,
        config: AlertsConfig,
        *,
        wake: Callable[[], None],
        metrics: HubMetrics | None = None,
        startup_grace_s: float,
    ) -> None:
        self._store = store
        self._bus = bus
        self._presence = presence
        self._config = config
        self._wake = wake
        self._metrics = metrics
        self._grace_s = startup_grace_s
        self._pending: dict[Key, asyncio.Task[None]] = {}
        self._active: set[Key] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._sub_cm: contextlib.AbstractContextManager[Subscription] | None = None

    def start(self) -> None:
        # Subscribed here, not in the task: no event published after start() is missed.
        self._sub_cm = self._bus.subscribe(lambda ev: ev.kind in KINDS and ev.room_id is not None)
        sub = self._sub_cm.__enter__()
        self._tasks = [
            asyncio.create_task(self._run(sub), name="alert-engine"),
            asyncio.create_task(self._sweep_after_start(), name="alert-startup-sweep"),
        ]

    async def close(self) -> None:
        await cancel_and_wait(*self._tasks, *self._pending.values(), what="alert engine")
        if self._sub_cm is not None:
            self._sub_cm.__exit__(None, None, None)
            self._sub_cm = None

    @property
    def pending(self) -> list[Key]:
        """Conditions inside their hold-down (tests and the dashboard read it)."""
        return list(self._pending)

    # -- events ----------------------------------------------------------------------------

    async def _run(self, sub: Subscription) -> None:
        try:
            self._active = set(await self._store.active_alert_keys())
        except Exception:
            log.exception("alerts: active alerts not loaded; a resolve may be missed")
        while True:
            ev = await sub.get()
            try:
                await self._on(ev)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("alerts: event %s of room %s not handled", ev.kind, ev.room_id)

    async def _on(self, ev: HubEvent) -> None:
        room = str(ev.room_id)
        rules = self._config.rules
        if ev.kind == "presence":
            key: Key = (room, "offline", "")
            if ev.data.get("online") is False:
                reason = str(ev.data.get("reason") or "")
                note = t("hub.alert.offline_reason", "vi", reason=reason) if reason else ""
                self._hold(key, rules.offline_hold_s, note, {"reason": reason})
            elif ev.data.get("online") is True:
                await self._end(key)
        elif ev.kind == "device":
            device, state = str(ev.data.get("id", "")), ev.data.get("state")
            if not device:
                return
            key = (room, "device_lost", device)
            if state in LOST_STATES:
                error = str(ev.data.get("last_error") or "")
                note = t("hub.alert.device_state", "vi", state=state, error=error).strip()
                self._hold(key, rules.device_hold_s, note, {"state": state, "error": error})
            elif state in BACK_STATES:
                await self._end(key)
        elif ev.kind == "check.result" and rules.check_failed:
            key = (room, "check_failed", "")
            overall = ev.data.get("overall")
            if overall == "fail":
                failed = [
                    str(item.get("id"))
                    for item in ev.data.get("results") or []
                    if isinstance(item, dict) and item.get("status") == "fail"
                ]
                note = t("hub.alert.failed_items", "vi", items=", ".join(failed)) if failed else ""
                data = {"run_id": ev.data.get("run_id"), "failed_items": failed}
                await self._raise(key, time.time(), note, data)
            elif overall in ("pass", "warn"):
                await self._end(key)

    def _hold(self, key: Key, hold_s: float, note: str, data: dict[str, Any]) -> None:
        if key in self._pending or key in self._active:
            return
        began = time.time()

        async def later() -> None:
            try:
                await asyncio.sleep(hold_s)
                await self._raise(key, began, note, data)
            finally:
                # Only its own entry: a cancelled hold ends after a new one took the key.
                if self._pending.get(key) is asyncio.current_task():
                    del self._pending[key]

        self._pending[key] = asyncio.create_task(later(), name=f"alert-hold-{key[0]}-{key[1]}")

    async def _end(self, key: Key) -> None:
        task = self._pending.pop(key, None)
        if task is not None:
            task.cancel()  # ended within its hold-down: nobody is paged
        if key not in self._active:
            return
        alert = await self._store.resolve_alert(*key, self._config.channels)
        self._active.discard(key)
        if alert is not None:
            self._published(alert, "resolved")

    async def _raise(self, key: Key, began: float, note: str, data: dict[str, Any]) -> None:
        room_id, rule, subject = key
        room = await self._store.get_room(room_id)
        if room is None:
            return
        if room.maintenance:
            log.info("room %s in maintenance: %s not raised", room_id, rule)
            return
        alert = await self._store.raise_alert(
            room_id, rule, subject, SEVERITY[rule], note, data, began, self._config.channels
        )
        self._active.add(key)
        if alert is not None:
            log.warning("alert %d: room %s %s %s", alert.id, room_id, rule, subject)
            self._published(alert, "firing")

    def _published(self, alert: AlertRecord, event: str) -> None:
        if self._metrics is not None:
            self._metrics.alert(alert.rule, event)
        self._wake()
        room = self._presence.get(alert.room_id)
        self._bus.publish(
            HubEvent(
                "alert",
                room_id=alert.room_id,
                district=room.district if room is not None else None,
                data={**alert_public(alert), "event": event},
            )
        )

    async def _sweep_after_start(self) -> None:
        await asyncio.sleep(self._grace_s)
        for room in await self._store.list_rooms():
            key: Key = (room.id, "offline", "")
            if (
                room.last_seen_at is None
                or room.maintenance
                or self._presence.is_online(room.id)
                or self._presence.get(room.id) is not None  # this process saw it: events
                or key in self._active
            ):
                continue
            await self._raise(key, room.last_seen_at, "", {"reason": "not linked since hub start"})
