"""What the service says about its devices: one row per device, and the one health rule.

    DeviceStatus     one row of ``GET /api/v1/devices`` (every device kind builds these)
    is_broken(d)     the single rule for "this device counts against the room's health"
    LatencyObserver  the hook the handles report each operation's duration to (metrics)

Its own module, below the handles (``devices``, ``audio``, ``media``) and the service, so
none of them imports another only for these types (no import circle, STYLE.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from drivers.supervision import DeviceState

Scalar = str | int | float | bool | None
DeviceKind = Literal["camera", "camera_port", "microphone", "speaker", "display", "video"]
LatencyObserver = Callable[[str, str, float], None]  # (device id, operation, seconds)


@dataclass(frozen=True)
class DeviceStatus:
    """One row of ``GET /api/v1/devices``."""

    id: str
    kind: DeviceKind
    state: DeviceState
    last_error: str | None = None
    details: Mapping[str, Scalar] = field(default_factory=dict)


def is_broken(device: DeviceStatus) -> bool:
    """Failed, or not ready with an error to show. A device opened on demand (a video
    source between uses) is idle, not broken: it has no error."""
    return device.state is DeviceState.FAILED or (
        device.state is not DeviceState.READY and device.last_error is not None
    )
