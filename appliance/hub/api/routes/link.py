"""``/api/v1/link``: the agents' WebSocket (the protocol is appliance/link, docs/LINK.md).

A missing or wrong room secret is refused at the upgrade with HTTP 401 — no WebSocket
is opened; :class:`appliance.hub.link_server.LinkServer` runs an accepted link.
``GET /api/v1/link/stats`` (admin) gives the link figures bench/hub.py reads.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, WebSocket
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from appliance.hub.api.deps import LinksDep, PresenceDep, get_links
from appliance.hub.gcwatch import GC_WATCH
from appliance.hub.security.deps import AdminDep

router = APIRouter()


@router.websocket("/link", name="link")
async def link(websocket: WebSocket) -> None:
    links = await get_links(websocket)
    room_id = await links.authenticate(websocket)
    if room_id is None:
        await websocket.send_denial_response(
            JSONResponse(
                {"error": "unauthorized", "message": "missing or unknown room secret"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        )
        return
    await links.serve(websocket, room_id)


class LinkStatsOut(BaseModel):
    links: int
    heartbeats: int
    lag_samples: int
    lag_p50_ms: float | None
    lag_p99_ms: float | None
    lag_max_ms: float | None
    protocol_errors: int
    # Garbage-collector passes of the hub process by generation ("0", "1", "2"):
    # collections, seconds in all, longest in ms (appliance/hub/gcwatch.py).
    gc: dict[str, dict[str, float]]
    gc_frozen: int
    gc_freezes: int


@router.get("/link/stats", name="link_stats", tags=["status"])
async def link_stats(
    who: AdminDep,
    links: LinksDep,
    presence: PresenceDep,
    last: Annotated[int | None, Query(ge=1)] = None,
) -> LinkStatsOut:
    """Link figures for capacity checks (bench/hub.py): open links, heartbeats handled,
    and the heartbeat handling lag (hub clock at handling − agent's ``sent_at``: on one
    host, the whole trip through the network and the hub's queue) over the ``last``
    newest samples (default: all kept, up to presence.LAG_SAMPLES)."""
    samples = list(presence.lag_s)
    lags = sorted(samples[-last:] if last is not None else samples)

    def pct(q: float) -> float | None:
        return round(lags[min(len(lags) - 1, int(q * len(lags)))] * 1000, 3) if lags else None

    return LinkStatsOut(
        links=links.link_count,
        heartbeats=presence.heartbeats,
        lag_samples=len(lags),
        lag_p50_ms=pct(0.50),
        lag_p99_ms=pct(0.99),
        lag_max_ms=round(lags[-1] * 1000, 3) if lags else None,
        protocol_errors=links.protocol_errors,
        gc=GC_WATCH.public(),
        gc_frozen=GC_WATCH.frozen,
        gc_freezes=GC_WATCH.freezes,
    )
