"""Motion of one simulated camera axis (pan, tilt, zoom or focus) over time.

Pure arithmetic, no I/O and no clock of its own: every method takes ``now`` (seconds
on any monotonic clock). An axis is one linear segment — it starts at ``pos0`` at time
``t0`` and moves at ``velocity`` units/s until it reaches ``target`` (an absolute or
relative move, a preset recall) or, with no target, the end of its range (a drive
keeps moving until Stop or a limit, VISCA.md §7). Positions are floats internally so
slow speeds accumulate correctly; the camera reports them rounded.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Axis:
    """One axis; ``low``/``high`` are the reachable range in the axis' own units."""

    low: float
    high: float
    pos0: float = 0.0
    t0: float = 0.0
    velocity: float = 0.0
    target: float | None = None

    def position(self, now: float) -> float:
        """Where the axis is at ``now``."""
        if self.velocity == 0.0:
            return self.pos0
        moved = self.pos0 + self.velocity * max(0.0, now - self.t0)
        end = self._end()
        return min(moved, end) if self.velocity > 0 else max(moved, end)

    def end_time(self) -> float:
        """When the current segment ends (``t0`` when standing still)."""
        if self.velocity == 0.0:
            return self.t0
        return self.t0 + abs(self._end() - self.pos0) / abs(self.velocity)

    def moving(self, now: float) -> bool:
        return self.velocity != 0.0 and now < self.end_time()

    def direction(self, now: float) -> int:
        """+1 / -1 while moving, 0 when still."""
        if not self.moving(now):
            return 0
        return 1 if self.velocity > 0 else -1

    def at_limit(self, now: float) -> int:
        """+1 at the high end, -1 at the low end, 0 elsewhere."""
        pos = self.position(now)
        if pos >= self.high:
            return 1
        if pos <= self.low:
            return -1
        return 0

    def move_to(self, now: float, target: float, speed: float) -> None:
        """Start a move to ``target`` (clamped to the range) at ``speed`` units/s."""
        here = self.position(now)
        goal = min(self.high, max(self.low, target))
        self.pos0, self.t0, self.target = here, now, goal
        if goal == here or speed <= 0:
            self.velocity, self.pos0 = 0.0, goal
        else:
            self.velocity = speed if goal > here else -speed

    def drive(self, now: float, direction: int, speed: float) -> None:
        """Move continuously in ``direction`` (+1/-1) until stopped or at a limit."""
        if direction == 0 or speed <= 0:
            self.stop(now)
            return
        self.pos0, self.t0, self.target = self.position(now), now, None
        self.velocity = speed if direction > 0 else -speed

    def stop(self, now: float) -> None:
        self.pos0, self.t0 = self.position(now), now
        self.velocity, self.target = 0.0, None

    def set_range(self, now: float, low: float, high: float) -> None:
        """Narrow or widen the range (pan-tilt limit set/clear); keeps motion going."""
        here = self.position(now)
        self.pos0, self.t0 = here, now
        self.low, self.high = low, high
        if self.target is not None:
            self.target = min(high, max(low, self.target))

    def _end(self) -> float:
        if self.target is not None:
            return self.target
        return self.high if self.velocity > 0 else self.low
