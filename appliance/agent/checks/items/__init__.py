"""The catalogue: one module per family plans the items for the room's configured devices.

Order matters only within a lock (first planned, first served): per camera the link,
power and pan/tilt items come before its picture and its presets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from appliance.agent.checks.items import audio, camera, display, system, video
from appliance.agent.checks.items.base import CheckItem
from appliance.agent.checks.settings import CheckSettings

if TYPE_CHECKING:
    from appliance.agent.service import AgentService

FAMILIES = (camera, video, audio, display, system)


def plan(service: AgentService, settings: CheckSettings) -> list[CheckItem]:
    """Every item for this room, in catalogue order (ids are unique)."""
    items: list[CheckItem] = []
    for family in FAMILIES:
        items += family.plan(service, settings)
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"two check items share the id {item.id!r}")
        seen.add(item.id)
    return items
