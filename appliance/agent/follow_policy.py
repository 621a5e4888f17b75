"""When the voice-follow camera switches: pure logic over the detector's frames, no I/O.

    policy = FollowPolicy(seats=8, params=PolicyParams(...))
    decision = policy.update(t, dominant)     # dominant: seat index or None, per VAD frame
    if decision: recall decision.target's shot (a seat index, or OVERVIEW)

Rules (issue 10), each a parameter of :class:`PolicyParams`:

- **minimum speech**: a seat is a candidate when it dominated at least ``switch_fraction``
  of the frames of the last ``min_speech_s`` — a cough (not voiced) never dominates; a
  one-word interjection is too short;
- **hold / hysteresis between two talkers**: while the seat on air was dominant within
  ``hold_s``, it keeps the camera — two delegates talking at once trade dominance frame by
  frame and the camera must not ping-pong. A new talker takes over anyway when over the
  last ``takeover_s`` it dominated ``switch_fraction`` of the frames and the seat on air
  under a quarter of it;
- **cap on moves**: at most one move per ``min_move_interval_s`` (a wanted switch waits);
- **overview**: after ``overview_after_s`` with no dominant seat, the overview shot (when
  the room has one);
- **operator lock** (:meth:`pin`) and **off** are handled by the caller: a pinned policy is
  simply not asked.

``update`` returns a :class:`Decision` with ``onset``: the first frame of the run of
dominance that caused it, the speech onset the reaction time is measured from.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Final

OVERVIEW: Final = -1  # target of the overview shot

MIN_SPEECH_S: Final = 0.3
SWITCH_FRACTION: Final = 0.5
HOLD_S: Final = 0.6
TAKEOVER_S: Final = 2.5
MIN_MOVE_INTERVAL_S: Final = 1.5
OVERVIEW_AFTER_S: Final = 8.0
ONSET_GAP_S: Final = 0.5  # dominance gaps shorter than this (between words) are one run


@dataclass(frozen=True)
class PolicyParams:
    min_speech_s: float = MIN_SPEECH_S
    switch_fraction: float = SWITCH_FRACTION
    hold_s: float = HOLD_S
    takeover_s: float = TAKEOVER_S
    min_move_interval_s: float = MIN_MOVE_INTERVAL_S
    overview_after_s: float | None = OVERVIEW_AFTER_S  # None: the room has no overview shot

    def __post_init__(self) -> None:
        if not 0.0 < self.switch_fraction <= 1.0:
            raise ValueError(f"switch_fraction={self.switch_fraction} outside (0, 1]")
        if self.min_speech_s <= 0 or self.takeover_s < self.min_speech_s:
            raise ValueError("min_speech_s must be > 0 and ≤ takeover_s")


@dataclass(frozen=True)
class Decision:
    target: int  # seat index, or OVERVIEW
    t: float  # frame time of the decision
    onset: float  # when the speech that caused it began (t for the overview)
    reason: str  # "speech", "takeover", "overview"


class FollowPolicy:
    """See the module docstring. Feed every frame in time order."""

    def __init__(self, seats: int, params: PolicyParams | None = None) -> None:
        if seats < 1:
            raise ValueError("at least one seat")
        self.seats = seats
        self.params = params or PolicyParams()
        self.on_air: int | None = None  # seat index, OVERVIEW, or None before the first move
        self.last_move: float | None = None
        self._frames: collections.deque[tuple[float, int | None]] = collections.deque()
        self._last_dominant: dict[int, float] = {}
        self._run_start: dict[int, float] = {}
        self._last_any: float | None = None
        self._first_t: float | None = None

    def reset(self, on_air: int | None = None) -> None:
        """Forget the history (after a pin, off/on, or a lost input); keep what is on air."""
        self._frames.clear()
        self._last_dominant.clear()
        self._run_start.clear()
        self._last_any = None
        self._first_t = None
        self.on_air = on_air

    def moved(self, target: int, t: float) -> None:
        """Tell the policy the camera went to ``target`` (also after an operator's pin)."""
        self.on_air = target
        self.last_move = t

    def update(self, t: float, dominant: int | None) -> Decision | None:
        p = self.params
        if self._first_t is None:
            self._first_t = t
        if dominant is not None:
            if not 0 <= dominant < self.seats:
                raise ValueError(f"dominant seat {dominant} outside 0…{self.seats - 1}")
            last = self._last_dominant.get(dominant)
            if last is None or t - last > ONSET_GAP_S:
                self._run_start[dominant] = t
            self._last_dominant[dominant] = t
            self._last_any = t
        self._frames.append((t, dominant))
        horizon = t - p.takeover_s
        while self._frames and self._frames[0][0] <= horizon:
            self._frames.popleft()
        if self.last_move is not None and t - self.last_move < p.min_move_interval_s:
            return None
        decision = self._speech(t)
        if decision is None:
            decision = self._overview(t)
        if decision is not None:
            self.moved(decision.target, t)
        return decision

    # -- internals -----------------------------------------------------------------------

    def _share(self, since: float) -> tuple[collections.Counter[int], int]:
        counts: collections.Counter[int] = collections.Counter()
        total = 0
        for ft, seat in self._frames:
            if ft > since:
                total += 1
                if seat is not None:
                    counts[seat] += 1
        return counts, total

    def _speech(self, t: float) -> Decision | None:
        p = self.params
        if self._first_t is None or t - self._first_t < p.min_speech_s:
            return None
        counts, total = self._share(t - p.min_speech_s)
        if not counts or total == 0:
            return None
        seat, n = counts.most_common(1)[0]
        if seat == self.on_air or n < p.switch_fraction * total:
            return None
        current = self.on_air
        reason = "speech"
        if current is not None and current != OVERVIEW:
            spoke = self._last_dominant.get(current)
            if spoke is not None and t - spoke < p.hold_s:
                long_counts, long_total = self._share(t - p.takeover_s)
                if not (
                    long_counts[seat] >= p.switch_fraction * long_total
                    and long_counts[current] * 4 < long_counts[seat]
                ):
                    return None
                reason = "takeover"
        return Decision(seat, t, self._run_start.get(seat, t), reason)

    def _overview(self, t: float) -> Decision | None:
        after = self.params.overview_after_s
        if after is None or self.on_air == OVERVIEW or self._first_t is None:
            return None
        quiet_since = self._last_any if self._last_any is not None else self._first_t
        if t - quiet_since < after:
            return None
        return Decision(OVERVIEW, t, t, "overview")
