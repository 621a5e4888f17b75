"""The room's health from its latest check results (pure; DESIGN.md §3, the hub shows it).

The engine passes the newest result of every item (a run of some categories only updates
those items) and the age of the newest run.

In order of precedence:

- ``maintenance``: the room is in maintenance (``<state.dir>/maintenance`` exists — the
  technician or the hub set it); nothing else is reported, so no alarms go out;
- ``unknown``: no finished run yet, or the newest one is older than the age limit;
- ``offline``: the latest results reach none of the room's devices — every device item of
  two or more devices failed (a powered-off rack, an unplugged USB hub);
- ``error``: any item failed;
- ``warning``: any item warned, or a device broke since (live device states);
- ``healthy``: everything checked passed (skips are neutral).
"""

from __future__ import annotations

from collections.abc import Sequence

from appliance.agent.checks.model import CheckResult, CheckStatus, Health


def rollup(
    results: Sequence[CheckResult] | None,
    *,
    maintenance: bool = False,
    age_s: float | None = None,
    max_age_s: float | None = None,
    broken_devices: int = 0,
) -> Health:
    """See the module docstring; ``results`` is None when there was no finished run."""
    if maintenance:
        return Health.MAINTENANCE
    if results is None or (age_s is not None and max_age_s is not None and age_s > max_age_s):
        return Health.UNKNOWN
    statuses = [r.status for r in results]
    device_results = [
        r for r in results if r.device is not None and r.status is not CheckStatus.SKIP
    ]
    devices = {r.device for r in device_results}
    if len(devices) >= 2 and all(r.status is CheckStatus.FAIL for r in device_results):
        return Health.OFFLINE
    if CheckStatus.FAIL in statuses:
        return Health.ERROR
    if CheckStatus.WARN in statuses or broken_devices > 0:
        return Health.WARNING
    if not results:
        return Health.UNKNOWN
    return Health.HEALTHY
