"""``/api/v1/checks``: start a readiness check, follow it, read the result and history.

The engine is another module (``appliance/agent/checks/``) that sets ``service.checks``;
until it does, every route here answers 503 "check engine not available" — never a
made-up result.
"""

from __future__ import annotations

from fastapi import APIRouter, Query

from appliance.agent import operations as ops
from appliance.agent.api.deps import ServiceDep
from appliance.agent.api.models import CheckRunOut, CheckStartIn, CheckStartOut

router = APIRouter(prefix="/checks", tags=["checks"])


@router.post("", status_code=202, name="checks_start")
async def checks_start(service: ServiceDep, body: CheckStartIn | None = None) -> CheckStartOut:
    return await ops.check_start(service, body.only if body is not None else None)


@router.get("", name="checks_history")
async def checks_history(
    service: ServiceDep, limit: int = Query(20, ge=1, le=500)
) -> list[CheckRunOut]:
    return [ops.run_out(r) for r in ops.engine(service, "checks_history").history(limit)]


@router.get("/{run_id}", name="checks_progress")
async def checks_progress(run_id: str, service: ServiceDep) -> CheckRunOut:
    return ops.check_progress(service, run_id)


@router.get("/{run_id}/result", name="checks_result")
async def checks_result(run_id: str, service: ServiceDep) -> CheckRunOut:
    """Wait until the run is done and return it."""
    return await ops.check_result(service, run_id)
