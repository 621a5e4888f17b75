"""``until(predicate)``: wait for a real signal by polling it, bounded (never a bare sleep).

    until(lambda: room_online(), timeout_s=30, what="room online")

Raises AssertionError naming ``what`` (and the last exception the predicate raised, if
any) when the deadline passes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

POLL_S = 0.1


def until(
    predicate: Callable[[], object], *, timeout_s: float = 10.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout_s
    last: BaseException | None = None
    while True:
        try:
            if predicate():
                return
            last = None
        except Exception as exc:  # the predicate may fail while the thing comes up
            last = exc
        if time.monotonic() > deadline:
            detail = f" (last error: {last!r})" if last is not None else ""
            raise AssertionError(f"{what}: not reached within {timeout_s:g} s{detail}")
        time.sleep(POLL_S)
