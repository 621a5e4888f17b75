"""``/metrics`` for Prometheus: device up, command latency, check results.

One registry per app (no module-global state), filled at scrape time from the service:

    appliance_device_up{device,kind}                 1 when the device is ready
    appliance_command_duration_seconds{device,operation}   histogram of device commands
    appliance_check_result{item,device,status}       last run's result per item (1)
    appliance_check_runs                             runs in the engine's history
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from appliance.agent.service import AgentService
from drivers.supervision import DeviceState

# VISCA at 9600 baud: a command + ACK + completion takes ~15–60 ms; preset recalls that
# move the head take seconds (VISCA.md §1.3), so the buckets span both.
LATENCY_BUCKETS_S: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

router = APIRouter(tags=["metrics"])


_UP_STATES: Final = frozenset({DeviceState.READY, DeviceState.IDLE})


class _ServiceCollector(Collector):
    def __init__(self, service: AgentService) -> None:
        self._service = service

    def collect(self) -> Iterable[Metric]:
        return list(self._metrics())

    def _metrics(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "appliance_device_up",
            "1 when the device is ready, or idle (opened on use, closed now, no error)",
            labels=["device", "kind"],
        )
        state = GaugeMetricFamily(
            "appliance_device_state",
            "1 for the state each device is in",
            labels=["device", "kind", "state"],
        )
        for d in self._service.devices():
            up.add_metric([d.id, d.kind], 1.0 if d.state in _UP_STATES else 0.0)
            state.add_metric([d.id, d.kind, d.state.value], 1.0)
        yield up
        yield state
        engine = self._service.checks
        if engine is None:
            return
        history = engine.history(1)
        runs = GaugeMetricFamily("appliance_check_runs", "check runs kept in the history")
        runs.add_metric([], float(len(engine.history(1000))))
        yield runs
        result = GaugeMetricFamily(
            "appliance_check_result",
            "last check run: 1 for the status each item had",
            labels=["item", "device", "status"],
        )
        if history:
            for r in getattr(history[0], "results", []):
                status = getattr(r, "status", "")
                result.add_metric(
                    [
                        str(getattr(r, "id", "")),
                        str(getattr(r, "device", "") or ""),
                        str(getattr(status, "value", status)),
                    ],
                    1.0,
                )
        yield result


def install_metrics(service: AgentService) -> CollectorRegistry:
    """Make the app's registry and hook the command-latency histogram into the service."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_ServiceCollector(service))
    latency = Histogram(
        "appliance_command_duration_seconds",
        "Time a device command took through the agent",
        labelnames=["device", "operation"],
        buckets=LATENCY_BUCKETS_S,
        registry=registry,
    )

    def observe(device: str, operation: str, seconds: float) -> None:
        latency.labels(device, operation).observe(seconds)

    service.add_latency_observer(observe)
    return registry


@router.get(
    "/metrics",
    name="metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
