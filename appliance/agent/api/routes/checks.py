"""``/api/v1/checks``: start a readiness check, follow it, read the result and history.

The engine is another module (``appliance/agent/checks/``) that sets ``service.checks``;
until it does, every route here answers 503 "check engine not available" — never a
made-up result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Query

from appliance.agent.api.deps import ServiceDep
from appliance.agent.api.models import CheckRunOut, CheckStartIn, CheckStartOut
from appliance.agent.errors import CheckEngineUnavailableError, UnknownCheckRunError
from appliance.agent.service import AgentService, CheckRunner

if TYPE_CHECKING:
    from appliance.agent.checks.model import CheckRun

router = APIRouter(prefix="/checks", tags=["checks"])


def _engine(service: AgentService, operation: str) -> CheckRunner:
    if service.checks is None:
        raise CheckEngineUnavailableError(operation)
    return service.checks


def _run(run: CheckRun) -> CheckRunOut:
    return CheckRunOut.model_validate(run, from_attributes=True)


@router.post("", status_code=202, name="checks_start")
async def checks_start(service: ServiceDep, body: CheckStartIn | None = None) -> CheckStartOut:
    engine = _engine(service, "checks_start")
    only = set(body.only) if body is not None and body.only is not None else None
    return CheckStartOut(run_id=await engine.start(only))


@router.get("", name="checks_history")
async def checks_history(
    service: ServiceDep, limit: int = Query(20, ge=1, le=500)
) -> list[CheckRunOut]:
    return [_run(r) for r in _engine(service, "checks_history").history(limit)]


@router.get("/{run_id}", name="checks_progress")
async def checks_progress(run_id: str, service: ServiceDep) -> CheckRunOut:
    engine = _engine(service, "checks_progress")
    try:
        run = engine.progress(run_id)
    except KeyError:
        raise UnknownCheckRunError(run_id) from None
    return _run(run)


@router.get("/{run_id}/result", name="checks_result")
async def checks_result(run_id: str, service: ServiceDep) -> CheckRunOut:
    """Wait until the run is done and return it."""
    engine = _engine(service, "checks_result")
    try:
        run = await engine.wait(run_id)
    except KeyError:
        raise UnknownCheckRunError(run_id) from None
    return _run(run)
