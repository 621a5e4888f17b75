"""The delivery worker: drains the alert notifications outbox (``alert_deliveries``).

    worker = DeliveryWorker(store, config, metrics)
    worker.start(); worker.wake(); …; await worker.close()

Each pending delivery is claimed (a lease in the database, so a second hub replica does
not send it at the same time), sent, then marked delivered; a failure is retried with
exponential backoff (``retry.initial_s`` doubling to ``retry.max_s``) and never dropped:
the row stays pending across hub restarts until the receiver takes it. A receiver sees a
repeat only if the hub dies between the receiver's answer and the mark; the webhook's
``webhook-id`` is the same on every attempt, so it can drop that repeat (Standard
Webhooks §idempotency). A delivery to a channel no longer configured is abandoned, with
a warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from typing import Final

from appliance.hub.alerts.config import AlertsConfig, Email, Webhook
from appliance.hub.alerts.notify import DeliveryError, send_email, send_webhook
from appliance.hub.db.alerts import DeliveryRecord
from appliance.hub.metrics import HubMetrics
from appliance.hub.store import Store
from drivers.supervision import cancel_and_wait

log = logging.getLogger(__name__)

BATCH: Final = 50
IDLE_S: Final = 30.0  # look at the outbox at least this often (another replica's rows)
# A claimed delivery is not due again for this long: longer than a send can take (the
# webhook and SMTP timeouts), short enough that a replica's death delays it little.
LEASE_S: Final = 120.0
PARALLEL: Final = 8


class DeliveryWorker:
    def __init__(self, store: Store, config: AlertsConfig, metrics: HubMetrics | None) -> None:
        self._store = store
        self._config = config
        self._metrics = metrics
        self._channels: dict[str, Webhook | Email] = {w.name: w for w in config.webhooks}
        self._channels.update({e.name: e for e in config.emails})
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._gate = asyncio.Semaphore(PARALLEL)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="alert-delivery")

    async def close(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task, what="alert delivery")

    def wake(self) -> None:
        self._wake.set()

    def backoff_s(self, attempts: int) -> float:
        """The wait after the ``attempts``-th failure (1-based), with ±20 % jitter so
        that many deliveries to one receiver that comes back do not arrive at once."""
        base = min(
            self._config.retry_initial_s * 2 ** max(0, attempts - 1), self._config.retry_max_s
        )
        return float(base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not a secret

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            wait = IDLE_S
            try:
                due = await self._store.due_deliveries(BATCH)
                await asyncio.gather(*(self._deliver(d) for d in due))
                if len(due) == BATCH:
                    continue
                nxt = await self._store.next_delivery_at()
                if nxt is not None:
                    wait = min(IDLE_S, max(0.05, nxt - time.time()))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("alert delivery: the outbox could not be read; again shortly")
                wait = self._config.retry_initial_s
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    async def _deliver(self, d: DeliveryRecord) -> None:
        async with self._gate:
            if not await self._store.claim_delivery(d.id, d.next_at, LEASE_S):
                return  # another replica took it
            channel = self._channels.get(d.channel)
            if channel is None:
                log.warning(
                    "alert %d: channel %r is no longer configured; delivery abandoned",
                    d.alert.id,
                    d.channel,
                )
                await self._store.delivery_failed(d.id, "channel not configured", None)
                self._count(d.channel, "abandoned")
                return
            room = await self._store.get_room(d.alert.room_id)
            url = self._config.external_url
            try:
                if isinstance(channel, Webhook):
                    await send_webhook(channel, d.alert, d.event, room, external_url=url)
                else:
                    await send_email(channel, d.alert, d.event, room, external_url=url)
            except DeliveryError as exc:
                retry = self.backoff_s(d.attempts + 1)
                log.warning(
                    "alert %d (%s) to %s: attempt %d failed (%s); again in %.0f s",
                    d.alert.id,
                    d.event,
                    d.channel,
                    d.attempts + 1,
                    exc,
                    retry,
                )
                await self._store.delivery_failed(d.id, str(exc), retry)
                self._count(d.channel, "failed")
                return
            await self._store.delivery_done(d.id)
            self._count(d.channel, "delivered")
            log.info("alert %d (%s) delivered to %s", d.alert.id, d.event, d.channel)

    def _count(self, channel: str, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.delivery(channel, outcome)
