"""Garbage-collector pauses of the hub process.

CPython's cyclic collector runs inside whatever code allocated the object that crossed a
threshold, so a collection stops the hub's one event loop for its whole length: a
generation-0 pass walks the young objects (well under a millisecond), a generation-2 pass
walks every tracked object in the process — a hub holding 10,000 links holds millions —
and can take hundreds of milliseconds (CPython ``Modules/gcmodule.c``; the 3.11 rule is a
full pass once the objects that survived since the last one exceed a quarter of the
long-lived ones). Every heartbeat that arrives meanwhile waits, which is what the p99
handling lag of ``bench/hub.py`` sees at 10,000 rooms.

``GC_WATCH`` times each collection through ``gc.callbacks`` and keeps, per generation,
the number of collections, their total time and the longest one; the hub shows them in
``/metrics`` (``appliance_hub_gc_*``) and in ``GET /api/v1/link/stats``.

``freeze()`` moves every object alive now into the collector's permanent generation
(``gc.freeze``, Python 3.7+): later passes no longer walk them. ``keep_frozen`` calls it
once the hub has started, again whenever its links have grown by a quarter and settled,
and every REFREEZE_S (HubSettings.gc_freeze, on for ``appliance hub serve``): the imported
modules, the rooms' presence and the links' state live as long as the process. A frozen
object that becomes garbage is still freed by reference counting; only a reference cycle
among frozen objects (a closed link's connection objects, say) waits for the next
freeze, which first unfreezes and collects everything: one full pass, at a time the hub
chooses, instead of full passes whenever the allocation counts say so.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

log = logging.getLogger(__name__)

GENERATIONS: Final = (0, 1, 2)
# keep_frozen freezes again once the links have grown by this share and at least
# FREEZE_MIN_NEW links since the last freeze, and held still for one FREEZE_CHECK_S.
FREEZE_GROWTH: Final = 0.25
FREEZE_MIN_NEW: Final = 100
FREEZE_CHECK_S: Final = 10.0
REFREEZE_S: Final = 3600.0
# Collector thresholds while keep_frozen runs (gc.set_threshold; CPython's are 700, 10, 10).
# A generation-0 pass starts every 700 net allocations and walks every young object still
# alive — at 10,000 links that is the heartbeats in flight, their timers and tasks — so at
# 2,700 heartbeats/s the young passes took half the hub's CPU and their survivors tipped a
# full pass into each 8-s phase (bench/hub.py at 10,000 rooms: p99 543 ms, 5,300
# heartbeats/s per core). At 50,000 the same phase ran with no pass of generation 1 or 2:
# p99 12 ms, 8,600 heartbeats/s per core; at 4,700/s p99 11 ms (was 778). A young pass then
# walks at most ~50,000 objects: a few milliseconds.
GC_THRESHOLDS: Final = (50_000, 20, 10)


@dataclass
class GenerationFigures:
    collections: int = 0
    seconds: float = 0.0
    max_s: float = 0.0


@dataclass
class GcWatch:
    """Process-wide (the collector is): installed while at least one hub app runs."""

    figures: dict[int, GenerationFigures] = field(
        default_factory=lambda: {g: GenerationFigures() for g in GENERATIONS}
    )
    frozen: int = 0  # objects moved to the permanent generation by the last freeze()
    freezes: int = 0
    _users: int = 0
    _started: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self) -> None:
        with self._lock:
            self._users += 1
            if self._users == 1:
                gc.callbacks.append(self._callback)

    def uninstall(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._callback in gc.callbacks:
                gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        # Called by the collector itself: no allocation-heavy work, no logging here.
        if phase == "start":
            self._started = time.perf_counter()
            return
        if self._started is None:
            return
        took = time.perf_counter() - self._started
        self._started = None
        fig = self.figures.get(int(info.get("generation", 2)))
        if fig is not None:
            fig.collections += 1
            fig.seconds += took
            fig.max_s = max(fig.max_s, took)

    def freeze(self) -> int:
        """Give back what an earlier freeze held (``gc.unfreeze``), collect once, then
        move every surviving object out of the collector's reach; the number frozen."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.frozen = gc.get_freeze_count()
        self.freezes += 1
        log.info("%d long-lived objects moved out of the garbage collector's passes", self.frozen)
        return self.frozen

    def public(self) -> dict[str, dict[str, float]]:
        return {
            str(g): {
                "collections": fig.collections,
                "seconds": round(fig.seconds, 6),
                "max_ms": round(fig.max_s * 1000, 3),
            }
            for g, fig in self.figures.items()
        }


GC_WATCH: Final = GcWatch()


async def keep_frozen(
    links: Callable[[], int], check_s: float = FREEZE_CHECK_S, refreeze_s: float = REFREEZE_S
) -> None:
    """Freeze what the started hub holds; again whenever the number of ``links()`` has
    grown by FREEZE_GROWTH (and FREEZE_MIN_NEW) and stood still for ``check_s``, and every
    ``refreeze_s``; runs until cancelled. Each freeze is one full pass (gc.collect): at
    start, after the fleet grew or came back after a hub restart, and once an hour. While
    it runs the collector's thresholds are GC_THRESHOLDS (restored when it ends)."""
    loop = asyncio.get_running_loop()
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        GC_WATCH.freeze()
        frozen_at, frozen_t, last = links(), loop.time(), -1
        while True:
            await asyncio.sleep(check_s)
            now = links()
            grown = now - frozen_at
            settled = now == last and grown >= max(FREEZE_MIN_NEW, FREEZE_GROWTH * frozen_at)
            if settled or loop.time() - frozen_t >= refreeze_s:
                GC_WATCH.freeze()
                frozen_at, frozen_t = now, loop.time()
            last = now
    finally:
        gc.set_threshold(*before)
