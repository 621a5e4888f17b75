"""Silence tracking: unanswered messages per camera mark it unavailable."""

from __future__ import annotations

from collections.abc import Callable


class SilenceTracker:
    """Counts unanswered messages per camera; ``limit`` in a row → unavailable.

    A camera marked unavailable gets one try per message (no retries) and its errors
    are ``DeviceUnavailableError``; the first packet heard from it clears the mark.
    """

    def __init__(self, limit: int, on_change: Callable[[int, bool], None]) -> None:
        self.limit = limit
        self._on_change = on_change
        self._missed: dict[int, int] = {}
        self._unavailable: set[int] = set()

    @property
    def unavailable(self) -> frozenset[int]:
        return frozenset(self._unavailable)

    def is_unavailable(self, address: int | None) -> bool:
        return address in self._unavailable

    def missed(self, address: int) -> int:
        """One more message without a reply; return the run length."""
        count = self._missed[address] = self._missed.get(address, 0) + 1
        if count >= self.limit and address not in self._unavailable:
            self._unavailable.add(address)
            self._on_change(address, False)
        return count

    def heard(self, address: int) -> None:
        self._missed.pop(address, None)
        if address in self._unavailable:
            self._unavailable.discard(address)
            self._on_change(address, True)

    def reset(self) -> None:
        self._missed.clear()
        self._unavailable.clear()
