"""``GET /healthz``: liveness for systemd and load balancers (no login, says nothing else)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(tags=["status"])


class HealthOut(BaseModel):
    status: str


@router.get("/healthz", name="healthz")
async def healthz() -> HealthOut:
    return HealthOut(status="ok")
