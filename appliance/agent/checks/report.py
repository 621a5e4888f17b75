"""A check run for people: the results table, the live progress view, the exit code.

Works on the run's JSON form (``CheckRun.to_json()`` or the control API's answer, the
same keys), so ``appliance check`` renders a run from the agent and a run it made
itself the same way. Vietnamese by default; ``lang="en"`` for English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from appliance.i18n import t

EXIT_PASS: Final = 0
EXIT_WARN: Final = 1
EXIT_FAIL: Final = 2
EXIT_NOT_RUN: Final = 3  # the check could not run (no agent, bad config, no token)

STYLES: Final = {"pass": "bold green", "warn": "bold yellow", "fail": "bold red", "skip": "dim"}
_VALUE_SKIP_PREFIXES: Final = ("limit_", "configured_", "clipping_ratio_", "path", "url")
_VALUES_SHOWN: Final = 2

JsonRun = Mapping[str, object]


def exit_code(overall: object) -> int:
    """0 pass (or nothing to check), 1 warn, 2 fail."""
    return {"warn": EXIT_WARN, "fail": EXIT_FAIL}.get(str(overall), EXIT_PASS)


def status_text(status: str, lang: str) -> Text:
    return Text(t(f"status.{status}", lang), style=STYLES.get(status, ""))


def results_table(run: JsonRun, lang: str) -> Table:
    """One row per result: item, status (coloured), main values, message and what to do."""
    table = Table(
        title=t("checks.cli.title", lang, run_id=str(run.get("run_id", ""))), expand=False
    )
    table.add_column(t("checks.cli.col.item", lang), no_wrap=True)
    table.add_column(t("checks.cli.col.status", lang), no_wrap=True)
    table.add_column(t("checks.cli.col.value", lang))
    table.add_column(t("checks.cli.col.result", lang), ratio=1)
    for result in _results(run):
        status = str(result.get("status", ""))
        message = _lang_text(result.get("message"), lang)
        hint = _lang_text(result.get("remediation"), lang)
        cell = Text(message)
        if hint:
            cell.append("\n→ " + hint, style=STYLES.get(status, ""))
        table.add_row(
            str(result.get("id", "")),
            status_text(status, lang),
            summarise_values(result.get("values")),
            cell,
        )
    return table


def summary_line(run: JsonRun, lang: str) -> Text:
    results = _results(run)
    counts = {s: sum(1 for r in results if r.get("status") == s) for s in STYLES}
    overall = str(run.get("overall") or "skip")
    health = str(run.get("health") or "unknown")
    line = Text(t("checks.cli.summary.overall", lang))
    line.append_text(status_text(overall, lang))
    line.append(
        " · "
        + t(
            "checks.cli.summary.counts",
            lang,
            total=len(results),
            fail=counts["fail"],
            warn=counts["warn"],
            skip=counts["skip"],
        )
        + " · "
        + t("checks.cli.summary.health", lang, health=t(f"checks.health.{health}", lang))
    )
    return line


def progress_view(run: JsonRun, lang: str) -> RenderableType:
    """What the live display shows while a run goes on."""
    progress = run.get("progress")
    prog = progress if isinstance(progress, Mapping) else {}
    current = prog.get("current")
    names = ", ".join(str(c) for c in current) if isinstance(current, list) and current else "…"
    status = str(run.get("status", ""))
    head = t(
        "checks.cli.queued" if status == "queued" else "checks.cli.progress",
        lang,
        done=prog.get("done", 0),
        total=prog.get("total", 0),
        items=names,
    )
    return Group(Text(head, style="bold"), results_table(run, lang))


def summarise_values(values: object) -> str:
    """The first measured values of a result, short (the message has the full sentence)."""
    if not isinstance(values, Mapping):
        return ""
    shown = []
    for key, value in values.items():
        if str(key).startswith(_VALUE_SKIP_PREFIXES):
            continue
        shown.append(f"{key}={_short(value)}")
        if len(shown) == _VALUES_SHOWN:
            break
    return "\n".join(shown)


def _short(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"
    return str(value)


def _results(run: JsonRun) -> list[Mapping[str, object]]:
    results = run.get("results")
    if not isinstance(results, list):
        return []
    return [r for r in results if isinstance(r, Mapping)]


def _lang_text(texts: object, lang: str) -> str:
    if not isinstance(texts, Mapping):
        return ""
    return str(texts.get(lang) or texts.get("vi") or "")
