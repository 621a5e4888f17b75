"""What the link server needs of the other hub replicas: a way to reach a room whose link
another replica holds (appliance/hub/cluster implements it; alone, nobody holds it).

Here and not in ``appliance.hub.cluster`` so that the link server does not import the
cluster, which imports the link server.
"""

from __future__ import annotations

from typing import Any, Protocol

from appliance.hub.errors import CommandError
from appliance.link.messages import Result


class Forwarder(Protocol):
    replica_id: str | None

    async def forward(
        self, replica: str, room_id: str, op: str, args: dict[str, Any], *, timeout_s: float
    ) -> Result: ...


class NoForwarder:
    """A hub run alone: a room not linked here is linked nowhere."""

    replica_id: str | None = None

    async def forward(
        self, replica: str, room_id: str, op: str, args: dict[str, Any], *, timeout_s: float
    ) -> Result:
        raise CommandError.of(room_id, op, "offline", f"room {room_id} has no link to the hub")
