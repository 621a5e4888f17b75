"""What a readiness check produces: results, runs, health (docs/INTERFACES.md "Check engine").

    CheckStatus      pass / warn / fail / skip (severity order: skip < pass < warn < fail)
    Health           healthy / warning / error / offline / maintenance / unknown
    CheckResult      one item's outcome, JSON-able, texts in Vietnamese and English
    CheckRun         one run: progress while running, results and rollup when done
    Outcome, Text    what an item's code returns; the engine turns it into a CheckResult

Every text is an i18n key plus parameters (:class:`Text`); :func:`Text.render` fills both
languages at once, so a stored result reads the same in the history, the API, the CLI and
the hub without the catalogue of the agent that produced it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from appliance.i18n import LANGS, t

Scalar = str | int | float | bool
Category = str  # one of CATEGORIES

CATEGORIES: Final[tuple[str, ...]] = ("camera", "video", "audio", "display", "system", "hub")


class CheckStatus(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - a check status, not a password
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


_SEVERITY: Final = {
    CheckStatus.SKIP: 0,
    CheckStatus.PASS: 1,
    CheckStatus.WARN: 2,
    CheckStatus.FAIL: 3,
}


def worst(statuses: Iterable[CheckStatus]) -> CheckStatus:
    """The most severe status (FAIL > WARN > PASS > SKIP); SKIP when there is none."""
    return max(statuses, key=_SEVERITY.__getitem__, default=CheckStatus.SKIP)


class Health(enum.StrEnum):
    """The room's health rollup (DESIGN.md §3)."""

    HEALTHY = "healthy"
    WARNING = "warning"
    ERROR = "error"
    OFFLINE = "offline"
    MAINTENANCE = "maintenance"
    UNKNOWN = "unknown"


class RunStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for the run before it (one run at a time)
    RUNNING = "running"
    DONE = "done"
    # Ended before it finished (the agent stopped): kept with the results it had, never
    # counted in the health rollup, and waiting on it ends (issue 7 item 6).
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Text:
    """An i18n key with its parameters."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self) -> dict[str, str]:
        return {lang: t(self.key, lang, **self.params) for lang in LANGS}


def text(key: str, **params: object) -> Text:
    return Text(key, params)


@dataclass
class Outcome:
    """What one check item found; the engine adds id, timing and the texts."""

    status: CheckStatus
    message: Text
    hint: Text | None = None
    values: dict[str, Scalar] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)


def passed(message: Text, **values: Scalar) -> Outcome:
    return Outcome(CheckStatus.PASS, message, None, dict(values))


def skipped(message: Text, hint: Text | None = None, **values: Scalar) -> Outcome:
    return Outcome(CheckStatus.SKIP, message, hint, dict(values))


def warned(message: Text, hint: Text, **values: Scalar) -> Outcome:
    return Outcome(CheckStatus.WARN, message, hint, dict(values))


def failed(message: Text, hint: Text, **values: Scalar) -> Outcome:
    return Outcome(CheckStatus.FAIL, message, hint, dict(values))


@dataclass
class CheckResult:
    """One item's result; field names are the control API's (``CheckResultOut``)."""

    id: str
    item: str
    device: str | None
    status: CheckStatus
    values: dict[str, Scalar] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    message: dict[str, str] = field(default_factory=dict)
    remediation: dict[str, str] = field(default_factory=dict)
    duration_s: float = 0.0
    category: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "item": self.item,
            "device": self.device,
            "category": self.category,
            "status": self.status.value,
            "values": {k: _json_scalar(v) for k, v in self.values.items()},
            "evidence": dict(self.evidence),
            "message": dict(self.message),
            "remediation": dict(self.remediation),
            "duration_s": round(self.duration_s, 3),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, object]) -> CheckResult:
        values = raw.get("values")
        return cls(
            id=str(raw["id"]),
            item=str(raw["item"]),
            device=None if raw.get("device") is None else str(raw.get("device")),
            status=CheckStatus(str(raw["status"])),
            values={
                str(k): v
                for k, v in (values.items() if isinstance(values, Mapping) else ())
                if isinstance(v, str | int | float | bool)
            },
            evidence=_str_map(raw.get("evidence")),
            message=_str_map(raw.get("message")),
            remediation=_str_map(raw.get("remediation")),
            duration_s=float(str(raw.get("duration_s", 0.0))),
            category=str(raw.get("category", "")),
        )


@dataclass
class CheckProgress:
    done: int = 0
    total: int = 0
    current: list[str] = field(default_factory=list)


@dataclass
class CheckRun:
    """One run of the suite (``CheckRunOut`` in the control API)."""

    run_id: str
    started_at: datetime
    only: list[str] | None = None
    finished_at: datetime | None = None
    status: RunStatus = RunStatus.QUEUED
    progress: CheckProgress = field(default_factory=CheckProgress)
    results: list[CheckResult] = field(default_factory=list)
    overall: CheckStatus | None = None
    health: Health | None = None

    @property
    def done(self) -> bool:
        """Finished, or ended for good (nothing more will change)."""
        return self.status in (RunStatus.DONE, RunStatus.CANCELLED)

    def to_json(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "finished_at": None if self.finished_at is None else self.finished_at.isoformat(),
            "status": self.status.value,
            "only": self.only,
            "progress": {
                "done": self.progress.done,
                "total": self.progress.total,
                "current": list(self.progress.current),
            },
            "results": [r.to_json() for r in self.results],
            "overall": None if self.overall is None else self.overall.value,
            "health": None if self.health is None else self.health.value,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, object]) -> CheckRun:
        progress = raw.get("progress")
        prog = progress if isinstance(progress, Mapping) else {}
        results = raw.get("results")
        only = raw.get("only")
        finished = raw.get("finished_at")
        overall = raw.get("overall")
        health = raw.get("health")
        return cls(
            run_id=str(raw["run_id"]),
            started_at=datetime.fromisoformat(str(raw["started_at"])),
            only=[str(c) for c in only] if isinstance(only, list) else None,
            finished_at=None if finished is None else datetime.fromisoformat(str(finished)),
            status=RunStatus(str(raw.get("status", RunStatus.DONE.value))),
            progress=CheckProgress(
                int(str(prog.get("done", 0))),
                int(str(prog.get("total", 0))),
                [str(c) for c in prog.get("current", ()) or ()],
            ),
            results=[
                CheckResult.from_json(r)
                for r in (results if isinstance(results, list) else ())
                if isinstance(r, Mapping)
            ],
            overall=None if overall is None else CheckStatus(str(overall)),
            health=None if health is None else Health(str(health)),
        )


def _json_scalar(value: Scalar) -> Scalar:
    # JSON has no NaN/inf; a measurement that has none is reported as text.
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, float):
        return round(value, 4)
    return value


def _str_map(raw: object) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): str(v) for k, v in raw.items()}
