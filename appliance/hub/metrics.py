"""The hub's ``/metrics`` for Prometheus (issue 11), one registry per app.

Per-room series are read from the live presence table at scrape time (a deleted or
never-linked room leaves no stale series); the rest are counters the link server feeds:

    appliance_hub_room_up{room,district}                 1 while the room's link is up
    appliance_hub_room_health{room,district,health}      1 for the room's health
    appliance_hub_links                                  links held by this hub process
    appliance_hub_link_reconnects_total{room}            links after the first (this process)
    appliance_hub_check_items_total{item,status}         check items stored, by their status
    appliance_hub_command_seconds{operation}             hub → room command latency (histogram)
    appliance_hub_commands_total{operation,outcome}      commands by outcome (ok or error kind)
    appliance_hub_room_in_meeting{room,district}         1 while a meeting of the room is under way
    appliance_hub_alerts_total{rule,event}               alerts raised (firing) and resolved
    appliance_hub_alert_deliveries_total{channel,outcome}  notifications delivered / failed
                                                         attempts / abandoned, per channel
    appliance_hub_gc_collections_total{generation}       garbage-collector passes (gcwatch.py)
    appliance_hub_gc_pause_seconds_total{generation}     the event loop stopped by them
    appliance_hub_gc_pause_max_seconds{generation}       the longest pass since the start
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from appliance.hub.gcwatch import GC_WATCH
from appliance.hub.presence import Presence

# A hub command is a link round trip (ms) plus what the room does: a VISCA inquiry
# (~50 ms at 9600 baud), a preset recall that moves the head (seconds, VISCA.md §1.3),
# a readiness check (tens of seconds).
COMMAND_BUCKETS_S: Final = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
HEALTH_VALUES: Final = ("healthy", "warning", "error", "unknown")


class _PresenceCollector(Collector):
    def __init__(self, presence: Presence, links: Any) -> None:
        self._presence = presence
        self._links = links  # LinkServer (typed loosely: no import of the link server here)

    def collect(self) -> Iterable[Metric]:
        return list(self._metrics())

    def _metrics(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "appliance_hub_room_up", "1 while the room's link is up", labels=["room", "district"]
        )
        health = GaugeMetricFamily(
            "appliance_hub_room_health",
            "1 for the health the room reports (offline rooms keep their last value)",
            labels=["room", "district", "health"],
        )
        for room in self._presence.rooms():
            district = room.district or ""
            up.add_metric([room.room_id, district], 1.0 if room.online else 0.0)
            values = (
                HEALTH_VALUES if room.health in HEALTH_VALUES else (*HEALTH_VALUES, room.health)
            )
            for value in values:
                health.add_metric(
                    [room.room_id, district, value], 1.0 if value == room.health else 0.0
                )
        yield up
        yield health
        links = GaugeMetricFamily("appliance_hub_links", "links held by this hub process")
        links.add_metric([], float(self._links.link_count))
        yield links


class _MeetingCollector(Collector):
    """Every room the presence table knows at 0 or 1, and a room in meeting that never
    linked since the hub started at 1 (its meeting is under way all the same)."""

    def __init__(self, presence: Presence, in_meeting: Callable[[], Mapping[str, Any]]) -> None:
        self._presence = presence
        self._in_meeting = in_meeting

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(
            "appliance_hub_room_in_meeting",
            "1 while a meeting of the room is under way (the hub's schedule)",
            labels=["room", "district"],
        )
        busy = dict(self._in_meeting())
        for room in self._presence.rooms():
            gauge.add_metric(
                [room.room_id, room.district or ""], 1.0 if busy.pop(room.room_id, None) else 0.0
            )
        for room_id in busy:
            gauge.add_metric([room_id, ""], 1.0)
        return [gauge]


class _GcCollector(Collector):
    """The garbage collector's passes of this process (appliance/hub/gcwatch.py)."""

    def collect(self) -> Iterable[Metric]:
        count = CounterMetricFamily(
            "appliance_hub_gc_collections",
            "garbage-collector passes of the hub process, by generation",
            labels=["generation"],
        )
        pause = CounterMetricFamily(
            "appliance_hub_gc_pause_seconds",
            "time the hub's event loop stood still in garbage-collector passes",
            labels=["generation"],
        )
        longest = GaugeMetricFamily(
            "appliance_hub_gc_pause_max_seconds",
            "the longest garbage-collector pass since the hub started, by generation",
            labels=["generation"],
        )
        for gen, fig in GC_WATCH.figures.items():
            count.add_metric([str(gen)], float(fig.collections))
            pause.add_metric([str(gen)], fig.seconds)
            longest.add_metric([str(gen)], fig.max_s)
        return [count, pause, longest]


class HubMetrics:
    """The registry of one hub app and the hooks the link server calls."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._linked: set[str] = set()
        self._reconnects = Counter(
            "appliance_hub_link_reconnects_total",
            "links of a room after its first one since this hub process started",
            labelnames=["room"],
            registry=self.registry,
        )
        self._items = Counter(
            "appliance_hub_check_items_total",
            "check items stored at the hub, by status",
            labelnames=["item", "status"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "appliance_hub_command_seconds",
            "time from the hub sending a command to the room's result",
            labelnames=["operation"],
            buckets=COMMAND_BUCKETS_S,
            registry=self.registry,
        )
        self._commands = Counter(
            "appliance_hub_commands_total",
            "commands sent to rooms, by outcome (ok, or the error kind)",
            labelnames=["operation", "outcome"],
            registry=self.registry,
        )

        self._alerts = Counter(
            "appliance_hub_alerts_total",
            "alerts raised (event firing) and resolved (event resolved), by rule",
            labelnames=["rule", "event"],
            registry=self.registry,
        )
        self._deliveries = Counter(
            "appliance_hub_alert_deliveries_total",
            "alert notifications: delivered, failed attempts (retried), abandoned",
            labelnames=["channel", "outcome"],
            registry=self.registry,
        )

    def channels(self, names: Iterable[str]) -> None:
        """Every configured channel's series exist at 0 from the start (rate() works)."""
        for name in names:
            for outcome in ("delivered", "failed"):
                self._deliveries.labels(name, outcome)

    def alert(self, rule: str, event: str) -> None:
        self._alerts.labels(rule, event).inc()

    def delivery(self, channel: str, outcome: str) -> None:
        self._deliveries.labels(channel, outcome).inc()

    def watch(self, presence: Presence, links: Any) -> None:
        self.registry.register(_PresenceCollector(presence, links))
        self.registry.register(_GcCollector())

    def watch_schedule(
        self, presence: Presence, in_meeting: Callable[[], Mapping[str, Any]]
    ) -> None:
        """``in_meeting()``: room id → the meeting under way (Scheduler.rooms_in_meeting)."""
        self.registry.register(_MeetingCollector(presence, in_meeting))

    def linked(self, room_id: str) -> None:
        if room_id in self._linked:
            self._reconnects.labels(room_id).inc()
        else:
            self._linked.add(room_id)
            self._reconnects.labels(room_id)  # the series exists at 0 from the first link

    def command(self, operation: str, outcome: str, seconds: float | None) -> None:
        """One command's end; ``seconds`` is None when it never reached the room."""
        self._commands.labels(operation, outcome).inc()
        if seconds is not None:
            self._latency.labels(operation).observe(seconds)

    def check_result(self, data: dict[str, Any]) -> None:
        """Count the items of a stored ``check.result`` event (docs/LINK.md)."""
        items = data.get("results")
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                status = item.get("status")
                self._items.labels(str(item.get("id", "?")), str(status)).inc()
