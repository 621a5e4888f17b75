"""``GET /metrics``: the hub's Prometheus exposition (appliance/hub/metrics.py).

Not open like ``/healthz``: it names every room and its health, so the scraper logs in
with an operator's API token (Prometheus ``authorization: {credentials: …}``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from appliance.hub.security.deps import OperatorDep

router = APIRouter(tags=["status"])


@router.get(
    "/metrics",
    name="metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics(request: Request, _: OperatorDep) -> Response:
    registry = request.app.state.links.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
