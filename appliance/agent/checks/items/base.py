"""The shape of a check item and what it gets to work with.

A family module (``camera.py``, ``video.py`` …) has a ``plan(service, settings)`` that
returns :class:`CheckItem` s for the room's configured devices. The engine runs them:

- ``resources``: lock names; items sharing one never overlap (one camera, one audio
  device, one display), every other pair of items may run at the same time;
- ``requires``: ids of items that must end in pass or warn first, else this item is
  skipped with a pointer to the one that failed (one fault → one failing item);
- ``after``: ids that must only have finished (any status), e.g. to reuse their data;
- ``scratch``: what an item leaves for the items after it (the sampled frames of a
  camera, a microphone reading) — keyed by the producing item's id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from appliance.agent.checks.model import Outcome, Text
from appliance.agent.checks.settings import CheckSettings

if TYPE_CHECKING:
    from appliance.agent.service import AgentService

T = TypeVar("T")
Cleanup = Callable[[], Awaitable[None]]


@dataclass
class ItemContext:
    """Per run: the service (the only way to the devices), limits, evidence, scratch."""

    service: AgentService
    settings: CheckSettings
    run_id: str
    evidence_dir: Path
    scratch: dict[str, object] = field(default_factory=dict)
    cleanups: dict[str, Cleanup] = field(default_factory=dict)

    def evidence_path(self, name: str) -> Path:
        """A file for evidence of this run (the directory is made on first use)."""
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        return self.evidence_dir / name

    def stash(self, key: str, value: object) -> None:
        self.scratch[key] = value

    def get(self, key: str, kind: type[T]) -> T | None:
        value = self.scratch.get(key)
        return value if isinstance(value, kind) else None

    def on_cleanup(self, key: str, cleanup: Cleanup) -> None:
        """Run ``cleanup`` once after every item has ended (first registration wins)."""
        self.cleanups.setdefault(key, cleanup)


ItemRun = Callable[[ItemContext], Awaitable[Outcome]]


@dataclass(frozen=True)
class CheckItem:
    """One planned item (see the module docstring)."""

    id: str  # result id, e.g. "camera.cam1.link"
    item: str  # catalogue id, e.g. "camera.link"
    category: str  # camera / video / audio / display / system / hub
    device: str | None
    run: ItemRun
    resources: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    timeout_s: float | None = None  # None: CheckSettings.item_timeout_s
    error_hint: Text | None = None  # hint for a device error that escapes ``run``


async def in_thread(fn: Callable[[], T]) -> T:
    """Blocking work (file system, image encoding) off the event loop."""
    return await asyncio.to_thread(fn)
