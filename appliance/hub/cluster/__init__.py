"""More than one hub process on one PostgreSQL (issue 11; docs/SCALING.md).

    cluster = make_cluster(settings)        # LocalCluster (one hub) or PgCluster (replicas)
    await cluster.start(bus, presence, links, store, lead=…, unlead=…)
    result = await cluster.forward("hub-2", "r1", "camera.preset.recall", args, timeout_s=30)
    await cluster.close()

A hub run alone needs none of it: :class:`LocalCluster` makes this process the leader at
once and has nobody to forward to. With ``--replica-id`` on PostgreSQL,
:class:`appliance.hub.cluster.pg.PgCluster` bridges events, presence and commands between
the replicas through LISTEN/NOTIFY and elects one leader (an advisory lock) for the work
that must run once: alerts and their deliveries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from appliance.hub.forwarding import NoForwarder

if TYPE_CHECKING:
    from appliance.hub.events import EventBus
    from appliance.hub.link_server import LinkServer
    from appliance.hub.presence import Presence
    from appliance.hub.settings import HubSettings
    from appliance.hub.store import Store
    from appliance.link.messages import Result

Hook = Callable[[], Awaitable[None]]


class Cluster(Protocol):
    replica_id: str | None

    @property
    def is_leader(self) -> bool: ...

    async def start(
        self,
        bus: EventBus,
        presence: Presence,
        links: LinkServer,
        store: Store,
        *,
        lead: Hook,
        unlead: Hook,
    ) -> None: ...

    async def close(self) -> None: ...

    async def forward(
        self, replica: str, room_id: str, op: str, args: dict[str, Any], *, timeout_s: float
    ) -> Result: ...


class LocalCluster(NoForwarder):
    """One hub process: it leads, and every room it knows is linked here or nowhere."""

    def __init__(self) -> None:
        self._unlead: Hook | None = None

    @property
    def is_leader(self) -> bool:
        return True

    async def start(
        self,
        bus: EventBus,
        presence: Presence,
        links: LinkServer,
        store: Store,
        *,
        lead: Hook,
        unlead: Hook,
    ) -> None:
        self._unlead = unlead
        await lead()

    async def close(self) -> None:
        if self._unlead is not None:
            await self._unlead()
            self._unlead = None


def make_cluster(settings: HubSettings) -> Cluster:
    if settings.replica_id is None:
        return LocalCluster()
    from appliance.hub.cluster.pg import PgCluster

    return PgCluster(settings.database_url, settings.replica_id, grace_s=settings.command_grace_s)
