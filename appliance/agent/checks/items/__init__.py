"""The catalogue: one module per family plans the items for the room's configured devices.

Order matters only within a lock (first planned, first served): per camera the link,
power and pan/tilt items come before its picture and its presets.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from appliance.agent.checks.items import audio, camera, display, follow, system, video
from appliance.agent.checks.items.base import CheckItem
from appliance.agent.checks.model import CATEGORIES
from appliance.agent.checks.settings import CheckSettings
from appliance.agent.errors import InvalidRequestError

if TYPE_CHECKING:
    from appliance.agent.service import AgentService

FAMILIES = (camera, video, audio, follow, display, system)


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


def categories(only: Iterable[str] | None) -> set[str] | None:
    if only is None:
        return None
    wanted = {c.strip().lower() for c in only if c.strip()}
    unknown = sorted(wanted - set(CATEGORIES))
    if unknown:
        raise InvalidRequestError(
            "checks",
            f"unknown check categories {', '.join(unknown)} (known: {', '.join(CATEGORIES)})",
            operation="checks_start",
        )
    return wanted or None


def select(items: list[CheckItem], selection: set[str] | None) -> list[CheckItem]:
    """Items of the chosen categories plus, transitively, what they require."""
    if selection is None:
        return items
    by_id = {item.id: item for item in items}
    chosen = {item.id for item in items if item.category in selection}
    pending = list(chosen)
    while pending:
        for dep in by_id[pending.pop()].requires:
            if dep in by_id and dep not in chosen:
                chosen.add(dep)
                pending.append(dep)
    return [item for item in items if item.id in chosen]
