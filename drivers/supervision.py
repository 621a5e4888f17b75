"""Device supervision shared by every driver family.

A supervisor owns one device's connection: it connects, watches the link, and when the
link drops reconnects with capped exponential backoff (plus jitter, so 31 rooms or 7
cameras don't retry in lockstep). ``kick()`` skips the wait at once — the hotplug
monitor calls it when a matching device reappears, so a replugged adapter is back in
use within the 2 s target of DESIGN.md §8 instead of after a long backoff.

Subclasses implement :meth:`Supervisor._connect` (open the device, raise a
``DeviceError`` on failure) and :meth:`Supervisor._watch` (return or raise when the link
is lost), and may override :meth:`Supervisor._wait_retry` — the wait between failed
connects — to end it early when they can see the device come back themselves (the
VISCA supervisor polls the serial path, drivers/visca/supervisor.py); inside it,
:meth:`Supervisor._kicked_within` is the kick-aware sleep. The first failure is logged
at WARNING, repeats at DEBUG (aioesphomeapi's ReconnectLogic does the same).

Cancellation (the daemon never hangs): ``stop()`` returns within ``stop_timeout_s``. It
cancels the task, and cancels again every ``stop_grace_s`` while the task still runs —
on Python 3.11 ``asyncio.wait_for`` drops a cancel that lands as its inner awaitable
finishes (CPython gh-86296, fixed in 3.12), so drivers use ``asyncio.timeout`` instead,
and the re-cancel is the safety net for code we do not own. Two helpers serve every
driver: :func:`cancel_and_wait` (end a task without swallowing the *caller's* cancel,
which ``task.cancel(); with suppress(CancelledError): await task`` does) and
:func:`open_in_thread` (a blocking open whose result is closed, not leaked, when the
caller is cancelled mid-open).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from drivers.errors import DeviceError, DeviceTimeoutError, DeviceUnavailableError

log = logging.getLogger(__name__)

BACKOFF_INITIAL_S: Final = 0.25
BACKOFF_MAX_S: Final = 30.0
BACKOFF_FACTOR: Final = 2.0
BACKOFF_JITTER: Final = 0.2  # ± fraction of the delay
# stop() returns within this even if the task ignores cancels (the agent's whole stop
# budget is 4 s: appliance/agent/service.py STOP_TIMEOUT_S).
STOP_TIMEOUT_S: Final = 2.0
STOP_GRACE_S: Final = 0.25  # after a cancel, wait this long before cancelling again

_T = TypeVar("_T")


class DeviceState(enum.StrEnum):
    """Where a device's connection stands."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    READY = "ready"
    FAILED = "failed"
    # Opened on use and closed now with nothing wrong (a video source after its idle
    # close, a display showing nothing): not a fault, so not "disconnected".
    IDLE = "idle"


@dataclass
class Backoff:
    """Capped exponential backoff with jitter."""

    initial_s: float = BACKOFF_INITIAL_S
    max_s: float = BACKOFF_MAX_S
    factor: float = BACKOFF_FACTOR
    jitter: float = BACKOFF_JITTER
    attempts: int = field(default=0, init=False)

    def next_delay(self) -> float:
        """Return the next wait and advance."""
        base = min(self.max_s, self.initial_s * (self.factor**self.attempts))
        self.attempts += 1
        spread = base * self.jitter
        return max(0.0, base + random.uniform(-spread, spread))  # noqa: S311 - not crypto

    def reset(self) -> None:
        """Start again from the initial delay (after a successful connect)."""
        self.attempts = 0


StateCallback = Callable[["DeviceState", "DeviceState", str | None], None]


class Supervisor:
    """Keeps one device connected; see the module docstring."""

    def __init__(
        self,
        device_id: str,
        *,
        backoff: Backoff | None = None,
        max_failures: int | None = None,
        stop_timeout_s: float = STOP_TIMEOUT_S,
        stop_grace_s: float = STOP_GRACE_S,
    ) -> None:
        if not 0 < stop_grace_s < stop_timeout_s:
            raise ValueError(
                f"need 0 < stop_grace_s < stop_timeout_s, got {stop_grace_s} and {stop_timeout_s}"
            )
        self.device_id = device_id
        self.backoff = backoff or Backoff()
        self.stop_timeout_s = stop_timeout_s
        self.stop_grace_s = stop_grace_s
        # After this many consecutive failed connects the state becomes FAILED (it keeps
        # retrying at the capped delay; FAILED tells operators it is not a blip).
        self.max_failures = max_failures if max_failures is not None else 5
        self._state = DeviceState.DISCONNECTED
        self._last_error: str | None = None
        self._callbacks: list[StateCallback] = []
        self._task: asyncio.Task[None] | None = None
        self._kick = asyncio.Event()
        self._lost = asyncio.Event()
        self._ready = asyncio.Event()
        self._failures = 0

    # -- public API --------------------------------------------------------------------

    @property
    def state(self) -> DeviceState:
        return self._state

    @property
    def last_error(self) -> str | None:
        """The message of the last connection failure or link loss (no secrets)."""
        return self._last_error

    def on_state_change(self, callback: StateCallback) -> None:
        """Call ``callback(old, new, error)`` on each state change."""
        self._callbacks.append(callback)

    async def start(self) -> None:
        """Start the supervising task (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"supervisor:{self.device_id}")

    async def stop(self) -> None:
        """Stop supervising and close the device; returns within ``stop_timeout_s``.

        The task gets ``stop_timeout_s - stop_grace_s`` to end (cancelled again every
        ``stop_grace_s``; one that never ends is logged and left), ``_disconnect()`` the
        rest. A cancel of the caller is passed on, not swallowed.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.stop_timeout_s
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait(
                task,
                timeout_s=self.stop_timeout_s - self.stop_grace_s,
                grace_s=self.stop_grace_s,
                what=f"{self.device_id}: supervising task",
            )
        try:
            async with asyncio.timeout_at(max(deadline, loop.time() + self.stop_grace_s)):
                await self._disconnect()
        except TimeoutError:
            log.error("%s: closing the device took longer than the stop budget", self.device_id)
        except Exception as exc:
            log.warning("%s: closing the device failed: %s", self.device_id, exc)
        self._set_state(DeviceState.DISCONNECTED, None)

    def kick(self) -> None:
        """Retry now (hotplug saw the device come back); no-op while ready."""
        self.backoff.reset()
        self._kick.set()

    async def wait_ready(self, timeout_s: float) -> None:
        """Wait until ready; raise ``DeviceTimeoutError`` naming the last error."""
        try:
            async with asyncio.timeout(timeout_s):  # not wait_for: gh-86296 (module docstring)
                await self._ready.wait()
        except TimeoutError:
            raise DeviceTimeoutError(
                self.device_id,
                f"not ready after {timeout_s:.1f} s ({self._last_error or self._state.value})",
                operation="connect",
            ) from None

    def require_ready(self) -> None:
        """Raise ``DeviceUnavailableError`` unless the device is ready now."""
        if self._state is not DeviceState.READY:
            reason = self._last_error or self._state.value
            raise DeviceUnavailableError(self.device_id, f"not available: {reason}")

    def link_lost(self, reason: str) -> None:
        """Report from outside (e.g. a failed command) that the link is gone."""
        self._last_error = reason
        self._lost.set()

    # -- for subclasses ----------------------------------------------------------------

    async def _connect(self) -> None:
        raise NotImplementedError

    async def _watch(self) -> None:
        """Return (or raise) when the link is lost. Default: wait for ``link_lost``."""
        await self._lost.wait()

    async def _disconnect(self) -> None:
        """Release the device (close ports); must not raise."""

    async def _wait_retry(self, delay: float) -> None:
        """Wait before the next connect attempt: the extension point for retry triggers.

        The default waits ``delay`` (the backoff's) or until :meth:`kick`. Override it to
        return sooner when the subclass can tell the device is back (e.g. its path
        reappeared); use :meth:`_kicked_within` for the sleeps so a kick still ends the
        wait at once. Returning starts the next attempt; it must not raise.
        """
        await self._kicked_within(delay)

    async def _kicked_within(self, timeout_s: float) -> bool:
        """Sleep up to ``timeout_s``; return True as soon as :meth:`kick` is called.

        A kick that came since the current connect attempt began counts too, so one
        that arrives while a connect is failing is not lost.
        """
        if self._kick.is_set():
            return True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, timeout_s)):
                await self._kick.wait()
        return self._kick.is_set()

    # -- internals ---------------------------------------------------------------------

    def _set_state(self, new: DeviceState, error: str | None) -> None:
        old = self._state
        self._state = new
        if new is DeviceState.READY:
            self._ready.set()
        else:
            self._ready.clear()
        if old is not new:
            for cb in list(self._callbacks):
                try:
                    cb(old, new, error)
                except Exception:
                    log.exception("%s: state callback failed", self.device_id)

    async def _run(self) -> None:
        while True:
            self._set_state(
                DeviceState.CONNECTING
                if self._failures < self.max_failures
                else DeviceState.FAILED,
                self._last_error,
            )
            self._kick.clear()  # from here on, a kick cuts the wait after a failure short
            try:
                await self._connect()
            except (DeviceError, OSError) as exc:
                self._failures += 1
                self._last_error = str(exc)
                level = logging.WARNING if self._failures == 1 else logging.DEBUG
                log.log(level, "%s: connect failed: %s", self.device_id, exc)
                with contextlib.suppress(Exception):
                    await self._disconnect()
                state = (
                    DeviceState.FAILED
                    if self._failures >= self.max_failures
                    else DeviceState.DISCONNECTED
                )
                self._set_state(state, self._last_error)
                await self._wait_retry(self.backoff.next_delay())
                continue
            if self._failures:
                log.warning("%s: connected again after %d failures", self.device_id, self._failures)
            self._failures = 0
            self.backoff.reset()
            self._last_error = None
            self._lost.clear()
            self._set_state(DeviceState.READY, None)
            try:
                await self._watch()
            except (DeviceError, OSError) as exc:
                self._last_error = str(exc)
            log.warning("%s: link lost: %s", self.device_id, self._last_error or "unknown")
            with contextlib.suppress(Exception):
                await self._disconnect()
            self._set_state(DeviceState.DISCONNECTED, self._last_error)
            # Reconnect at once after a loss; backoff only applies to failed connects.


# -- cancellation helpers (for every driver) ---------------------------------------------


async def cancel_and_wait(
    *tasks: asyncio.Task[Any],
    timeout_s: float = STOP_TIMEOUT_S,
    grace_s: float = STOP_GRACE_S,
    what: str | None = None,
) -> bool:
    """Cancel ``tasks`` and wait until they are done; False if one still runs after ``timeout_s``.

    A task still running ``grace_s`` after a cancel (one swallowed somewhere, e.g. by
    3.11's ``wait_for``) is cancelled again, logged. The wait uses ``asyncio.wait``,
    which does not forward a cancel of the caller into the tasks: such a cancel raises
    ``CancelledError`` here, as it must, instead of ending a task with a
    ``CancelledError`` that the caller would then take for the task's and suppress.
    The tasks are awaited together (one loop turn, not one per task). An exception a task ended with is retrieved and logged.
    The current task cannot wait for itself: it is only cancelled (False).
    """
    current = asyncio.current_task()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    ended = True
    pending: set[asyncio.Task[Any]] = set()
    for task in tasks:
        if task is current:
            task.cancel()
            ended = False
        elif not task.done():
            pending.add(task)
    cancels = 0
    while pending:
        remaining = deadline - loop.time()
        if remaining <= 0:
            log.error(
                "%s did not end within %.2f s of %d cancel(s); left running",
                what or ", ".join(sorted(t.get_name() for t in pending)),
                timeout_s,
                cancels,
            )
            ended = False
            break
        if cancels:
            log.warning(
                "%s still running %.2f s after a cancel; cancelling again",
                what or ", ".join(sorted(t.get_name() for t in pending)),
                grace_s,
            )
        for task in pending:
            task.cancel()
        cancels += 1
        # One loop turn lets a task that ends at its cancel do so — no later than
        # ``await task`` would see it (asyncio.wait alone takes two turns, and a link
        # loss must show as quickly as before: tests/visca/test_faults.py).
        await asyncio.sleep(0)
        pending = {t for t in pending if not t.done()}
        if pending:
            _, pending = await asyncio.wait(pending, timeout=min(grace_s, remaining))
    for task in tasks:
        if task.done() and not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("%s ended with an error: %r", what or task.get_name(), exc, exc_info=exc)
    return ended


async def open_in_thread(open_: Callable[[], _T], close: Callable[[_T], object]) -> _T:
    """``open_()`` in a worker thread; if the caller is cancelled meanwhile, ``close`` its result.

    A thread cannot be interrupted: a cancelled ``await asyncio.to_thread(open_)`` lets
    the open finish and drops what it opened — a serial port keeping its ``flock``
    (the next open fails "in use"), a PortAudio stream counted open for ever
    (``drivers/audio/_sd.py`` then refuses to re-scan). Here the result is handed to
    ``close`` (in a worker thread too) once the open completes.
    """
    loop = asyncio.get_running_loop()
    # A plain executor future, not a task: the loop's shutdown cancels tasks, and a
    # cancelled one would drop the result again.
    future = loop.run_in_executor(None, open_)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        future.add_done_callback(functools.partial(_close_abandoned, close))
        raise


def _close_abandoned(close: Callable[[_T], object], future: asyncio.Future[_T]) -> None:
    if future.cancelled():
        return
    if (exc := future.exception()) is not None:
        log.debug("an open abandoned by a cancel failed anyway: %s", exc)
        return
    result = future.result()
    log.debug("closing %r: its opener was cancelled", result)
    try:
        closing = future.get_loop().run_in_executor(None, close, result)
    except RuntimeError:  # the loop is shutting its executor down: close here, blocking
        try:
            close(result)
        except Exception as exc:
            log.warning("closing what a cancelled open left failed: %s", exc)
        return
    closing.add_done_callback(_log_close_failure)


def _log_close_failure(future: asyncio.Future[object]) -> None:
    if not future.cancelled() and (exc := future.exception()) is not None:
        log.warning("closing what a cancelled open left failed: %s", exc)
