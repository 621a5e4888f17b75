"""The readiness-check engine: plans the room's items, runs them, keeps the history.

    engine = install(service)                 # sets service.checks (the CheckRunner)
    run_id = await engine.start({"camera"})   # categories; None = everything
    engine.progress(run_id)                   # CheckRun while it runs
    run = await engine.wait(run_id)           # CheckRun when done
    engine.history(20), engine.health()
    await engine.close()                      # cancel what runs (service shutdown)
    async with engine.hold("camera:cam1"):    # the items' lock, for work beside the check

One run at a time: a second ``start`` with the same selection joins the queued or
running run; another selection queues behind it. Within a run every item is a task of
one ``asyncio.TaskGroup``; items that share hardware hold the same named lock (one per
camera head, audio device and display), the others run at the same time. Two cameras on
one daisy chain move at the same time; their messages take turns on the shared port
under the driver's own one-message-in-flight lock (``ViscaPort``). An item that raises
or overruns its timeout becomes that item's FAIL with the error and a hint — nothing
escapes the engine, and the run goes on. Cameras are put back where they were once the
run has ended (cleanups).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from appliance.agent.checks import items as families
from appliance.agent.checks.history import HistoryStore
from appliance.agent.checks.items.base import CheckItem, ItemContext
from appliance.agent.checks.model import (
    CheckResult,
    CheckRun,
    CheckStatus,
    Health,
    Outcome,
    RunStatus,
    failed,
    skipped,
    text,
    worst,
)
from appliance.agent.checks.rollup import rollup
from appliance.agent.checks.settings import CheckSettings
from appliance.agent.errors import CheckRunCancelledError
from drivers.errors import DeviceError
from drivers.supervision import DeviceState, cancel_and_wait

if TYPE_CHECKING:
    from appliance.agent.service import AgentService

log = logging.getLogger(__name__)

MAINTENANCE_FLAG: Final = "maintenance"  # <state.dir>/maintenance: the room is in maintenance
_RECENT_RUNS: Final = 20  # finished runs also kept in memory for progress(run_id)

Planner = Callable[["AgentService", CheckSettings], list[CheckItem]]
Listener = Callable[[str, dict[str, Any]], None]


class CheckEngine:
    """See the module docstring; implements the service's ``CheckRunner`` protocol."""

    def __init__(
        self,
        service: AgentService,
        settings: CheckSettings | None = None,
        *,
        planner: Planner = families.plan,
    ) -> None:
        self.service = service
        self.settings = settings or CheckSettings()
        self._planner = planner
        self.state_dir = service.config.state.dir
        self.store = HistoryStore(self.state_dir / "checks", self.settings.history_max_runs)
        self._history: list[CheckRun] = self.store.load()
        self._runs: dict[str, CheckRun] = {}
        self._tasks: dict[str, asyncio.Task[CheckRun]] = {}
        self._run_lock = asyncio.Lock()
        self._locks: dict[str, asyncio.Lock] = {}
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        """``listener("check.progress", {...})`` after each item, ``("check.result",
        run)`` when a run is done (the hub link's events, docs/LINK.md §3). Called on the
        loop; it must not block and its error is logged, never the run's."""
        self._listeners.append(listener)

    def _notify(self, kind: str, data: dict[str, Any]) -> None:
        for listener in self._listeners:
            try:
                listener(kind, data)
            except Exception:
                log.exception("check listener failed on %s", kind)

    # -- the CheckRunner protocol ---------------------------------------------------------

    async def start(self, only: set[str] | None = None) -> str:
        """Queue a run of ``only`` (categories) or of everything; return its id."""
        selection = families.categories(only)
        key = None if selection is None else sorted(selection)
        for run_id in self._tasks:
            run = self._runs[run_id]
            if not run.done and run.only == key:
                return run_id
        run = CheckRun(_new_run_id(), datetime.now(UTC), only=key)
        self._runs[run.run_id] = run
        task = asyncio.create_task(self._execute(run, selection), name=f"check-run:{run.run_id}")
        self._tasks[run.run_id] = task
        task.add_done_callback(functools.partial(self._forget_task, run.run_id))
        log.info("check run %s queued (%s)", run.run_id, ", ".join(key or ["all"]))
        return run.run_id

    def _forget_task(self, run_id: str, _task: asyncio.Task[CheckRun]) -> None:
        self._tasks.pop(run_id, None)

    def progress(self, run_id: str) -> CheckRun:
        """The run as it is now; ``KeyError`` for an unknown id."""
        run = self._runs.get(run_id)
        if run is not None:
            return run
        for old in self._history:
            if old.run_id == run_id:
                return old
        raise KeyError(run_id)

    async def wait(self, run_id: str) -> CheckRun:
        """The run once it is done; ``KeyError`` for an unknown id;
        ``CheckRunCancelledError`` when :meth:`close` cancelled it meanwhile."""
        task = self._tasks.get(run_id)
        if task is not None:
            try:
                return await asyncio.shield(task)
            except asyncio.CancelledError:
                waiter = asyncio.current_task()
                if task.cancelled() and (waiter is None or not waiter.cancelling()):
                    raise CheckRunCancelledError(run_id) from None
                raise  # the waiter itself is being cancelled
        return self.progress(run_id)

    def history(self, limit: int = 20) -> list[CheckRun]:
        """Finished runs, newest first (from disk at start, then as they finish)."""
        return list(reversed(self._history[-limit:])) if limit > 0 else []

    def health(self) -> str:
        """The room's rollup (see ``rollup.py``) from the latest result of each item."""
        return self.health_now().value

    def health_now(self) -> Health:
        results, age = self.latest_results()
        return rollup(
            results,
            maintenance=(self.state_dir / MAINTENANCE_FLAG).exists(),
            age_s=age,
            max_age_s=self.settings.health_max_age_s,
            broken_devices=_broken_devices(self.service),
        )

    def latest_results(self) -> tuple[list[CheckResult] | None, float | None]:
        """The newest result of every item (a run of some categories updates only those)
        back to the last full run, and the age of the newest run; (None, None) when the
        room was never checked."""
        now = datetime.now(UTC)
        latest: dict[str, CheckResult] = {}
        newest_age = None
        for run in reversed(self._history):
            age = (now - (run.finished_at or run.started_at)).total_seconds()
            if newest_age is None:
                newest_age = age
            elif age > self.settings.health_max_age_s:
                break
            for result in run.results:
                latest.setdefault(result.id, result)
            if run.only is None:
                break
        if newest_age is None:
            return None, None
        return list(latest.values()), newest_age

    async def close(self) -> None:
        """Cancel queued and running runs (the service is stopping)."""
        await cancel_and_wait(*self._tasks.values(), what="check runs")

    # -- running ------------------------------------------------------------------------

    def plan(self, selection: set[str] | None = None) -> list[CheckItem]:
        """The items a run of ``selection`` would run, with their prerequisites."""
        return families.select(self._planner(self.service, self.settings), selection)

    async def _execute(self, run: CheckRun, selection: set[str] | None) -> CheckRun:
        async with self._run_lock:
            run.status = RunStatus.RUNNING
            started = time.perf_counter()
            ctx = ItemContext(
                self.service, self.settings, run.run_id, self.store.evidence_dir(run.run_id)
            )
            try:
                items = self.plan(selection)
            except Exception as exc:  # a planning bug must not lose the run
                log.exception("check run %s: planning failed", run.run_id)
                items = []
                run.results.append(_internal_result("engine.plan", exc))
            run.progress.total = len(items)
            done: dict[str, asyncio.Future[CheckStatus]] = {
                item.id: asyncio.get_running_loop().create_future() for item in items
            }
            try:
                async with asyncio.TaskGroup() as group:
                    for item in items:
                        group.create_task(self._run_item(run, ctx, item, done), name=item.id)
            finally:
                await self._cleanup(ctx)
            order = {item.id: i for i, item in enumerate(items)}
            run.results.sort(key=lambda r: order.get(r.id, -1))
            run.finished_at = datetime.now(UTC)
            run.overall = worst(r.status for r in run.results)
            self._remember(run)
            run.health = self.health_now()
            run.status = RunStatus.DONE  # complete from here on: readers may see it
            await asyncio.to_thread(self._write, run)
            if self._listeners:
                self._notify("check.result", _run_json(run))
            log.info(
                "check run %s done in %.1f s: %s, health %s",
                run.run_id,
                time.perf_counter() - started,
                run.overall,
                run.health,
            )
            return run

    def _remember(self, run: CheckRun) -> None:
        self._history.append(run)
        del self._history[: -self.settings.history_max_runs]
        finished = [r for r in self._runs.values() if r.done]
        for old in finished[:-_RECENT_RUNS]:
            self._runs.pop(old.run_id, None)

    def _write(self, run: CheckRun) -> None:
        try:
            self.store.append(run)
        except OSError as exc:
            log.error("check run %s not written to the history: %s", run.run_id, exc)

    async def _run_item(
        self,
        run: CheckRun,
        ctx: ItemContext,
        item: CheckItem,
        done: dict[str, asyncio.Future[CheckStatus]],
    ) -> None:
        outcome: Outcome | None = None
        start = time.perf_counter()
        try:
            blocker = await _blocker(item, done)
            if blocker is not None:
                outcome = skipped(text("checks.blocked", item=blocker))
            else:
                async with contextlib.AsyncExitStack() as stack:
                    for name in sorted(set(item.resources)):
                        await stack.enter_async_context(self._lock(name))
                    start = time.perf_counter()
                    run.progress.current.append(item.id)
                    try:
                        outcome = await self._guarded(ctx, item)
                    finally:
                        run.progress.current.remove(item.id)
        finally:
            status = CheckStatus.FAIL if outcome is None else outcome.status
            if outcome is not None:
                run.results.append(_result(item, outcome, time.perf_counter() - start))
                run.progress.done += 1
                self._notify(
                    "check.progress",
                    {
                        "run_id": run.run_id,
                        "done": run.progress.done,
                        "total": run.progress.total,
                        "item": item.id,
                        "status": outcome.status.value,
                    },
                )
            future = done[item.id]
            if not future.done():
                future.set_result(status)

    async def _guarded(self, ctx: ItemContext, item: CheckItem) -> Outcome:
        timeout_s = item.timeout_s or self.settings.item_timeout_s
        hint = item.error_hint or text("checks.hint.device", device=item.device or item.id)
        try:
            async with asyncio.timeout(timeout_s):
                return await item.run(ctx)
        except DeviceError as exc:
            return failed(text("checks.error.device", error=str(exc)), hint)
        except TimeoutError:
            return failed(text("checks.error.timeout", seconds=f"{timeout_s:g}"), hint)
        except Exception as exc:  # an item's bug is that item's FAIL, never the run's end
            log.exception("check item %s crashed", item.id)
            return failed(
                text("checks.error.internal", error=f"{type(exc).__name__}: {exc}"),
                text("checks.hint.internal"),
            )

    async def _cleanup(self, ctx: ItemContext) -> None:
        for key, cleanup in ctx.cleanups.items():
            try:
                async with asyncio.timeout(self.settings.cleanup_timeout_s):
                    await cleanup()
            except (DeviceError, TimeoutError) as exc:
                log.warning("check cleanup %s failed: %s", key, exc)
            except Exception:
                log.exception("check cleanup %s crashed", key)

    @contextlib.asynccontextmanager
    async def hold(self, *resources: str) -> AsyncIterator[None]:
        """Hold the locks items take on these resources (e.g. ``camera:cam1``), so an
        operation outside the check (storing a preset reference) never moves a camera
        under a running item, nor the other way round."""
        async with contextlib.AsyncExitStack() as stack:
            for name in sorted(set(resources)):
                await stack.enter_async_context(self._lock(name))
            yield

    def _lock(self, name: str) -> asyncio.Lock:
        lock = self._locks.get(name)
        if lock is None:
            lock = self._locks[name] = asyncio.Lock()
        return lock


def install(
    service: AgentService,
    settings: CheckSettings | None = None,
    *,
    planner: Planner = families.plan,
) -> CheckEngine:
    """Build the engine for ``service`` and plug it in as ``service.checks``."""
    engine = CheckEngine(service, settings, planner=planner)
    service.checks = engine
    return engine


# -- helpers -------------------------------------------------------------------------------


def _run_json(run: CheckRun) -> dict[str, Any]:
    """The whole run as the API's CheckRunOut, in JSON types."""
    from appliance.agent.api.models import CheckRunOut

    return CheckRunOut.model_validate(run, from_attributes=True).model_dump(mode="json")


def _new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


async def _blocker(item: CheckItem, done: dict[str, asyncio.Future[CheckStatus]]) -> str | None:
    """Wait for the item's prerequisites; the id of the first that did not pass or warn."""
    blocker = None
    for dep in item.requires:
        future = done.get(dep)
        if future is None:
            continue
        status = await asyncio.shield(future)
        if blocker is None and status not in (CheckStatus.PASS, CheckStatus.WARN):
            blocker = dep
    for dep in item.after:
        future = done.get(dep)
        if future is not None:
            await asyncio.shield(future)
    return blocker


def _result(item: CheckItem, outcome: Outcome, duration_s: float) -> CheckResult:
    show_hint = outcome.hint is not None and outcome.status is not CheckStatus.PASS
    return CheckResult(
        id=item.id,
        item=item.item,
        device=item.device,
        status=outcome.status,
        values=dict(outcome.values),
        evidence=dict(outcome.evidence),
        message=outcome.message.render(),
        remediation=outcome.hint.render() if show_hint and outcome.hint else {},
        duration_s=duration_s,
        category=item.category,
    )


def _internal_result(item_id: str, exc: Exception) -> CheckResult:
    outcome = failed(
        text("checks.error.internal", error=f"{type(exc).__name__}: {exc}"),
        text("checks.hint.internal"),
    )
    return CheckResult(
        id=item_id,
        item=item_id,
        device=None,
        status=CheckStatus.FAIL,
        message=outcome.message.render(),
        remediation=outcome.hint.render() if outcome.hint else {},
        category="system",
    )


def _broken_devices(service: AgentService) -> int:
    """Devices that failed or report an error now (same rule as the service's own health)."""
    try:
        devices = service.devices()
    except Exception:  # health must answer even if a device's status breaks
        log.exception("reading device states for the health rollup")
        return 0
    return sum(
        1
        for d in devices
        if d.state is DeviceState.FAILED or (d.state is not DeviceState.READY and d.last_error)
    )
