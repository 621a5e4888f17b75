"""The pre-meeting readiness check (DESIGN.md §3, docs/INTERFACES.md "Check engine").

    from appliance.agent.checks import install
    engine = install(service)            # service.checks = engine (the CheckRunner)
    run_id = await engine.start({"camera", "audio"})
    run = await engine.wait(run_id)      # CheckRun: results, overall, health

Modules: ``model`` (statuses, results, runs), ``settings`` (thresholds and timeouts),
``engine`` (planning, concurrency, timeouts, history, health), ``history`` (JSON lines
on disk), ``rollup`` (health), ``items/`` (the catalogue, one module per family).
"""

from __future__ import annotations

from appliance.agent.checks.engine import CheckEngine, install
from appliance.agent.checks.model import (
    CATEGORIES,
    CheckProgress,
    CheckResult,
    CheckRun,
    CheckStatus,
    Health,
    RunStatus,
)
from appliance.agent.checks.settings import CheckSettings

__all__ = [
    "CATEGORIES",
    "CheckEngine",
    "CheckProgress",
    "CheckResult",
    "CheckRun",
    "CheckSettings",
    "CheckStatus",
    "Health",
    "RunStatus",
    "install",
]
