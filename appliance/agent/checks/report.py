"""A check run for people: the results table, the live progress view, the exit code.

Works on the run's JSON form (``CheckRun.to_json()`` or the control API's answer, the
same keys), so ``appliance check`` renders a run from the agent and a run it made
itself the same way. Vietnamese by default; ``lang="en"`` for English.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Final

from rich.console import Console, Group, RenderableType
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
NEEDS_ACTION: Final = ("fail", "warn")  # worst first: the order of the fixes list
SCREEN_LINES: Final = 24  # a technician's terminal: the fixes must fit on the last screen
ITEM_COLUMN_MAX: Final = 28  # e.g. "camera.cam1.preset.toan-canh"; longer ids fold
VALUE_COLUMN_MAX: Final = 18
VALUES_FROM_WIDTH: Final = 100  # narrower terminals: no values column (message first)
RESULT_COLUMN_MIN: Final = 16

JsonRun = Mapping[str, object]


def exit_code(overall: object) -> int:
    """0 pass (or nothing to check), 1 warn, 2 fail."""
    return {"warn": EXIT_WARN, "fail": EXIT_FAIL}.get(str(overall), EXIT_PASS)


def status_text(status: str, lang: str) -> Text:
    return Text(t(f"status.{status}", lang), style=STYLES.get(status, ""))


def results_table(run: JsonRun, lang: str, *, width: int | None = None) -> Table:
    """One line per result: item, status (coloured), main values, message.

    Each row keeps to one line (the sentence shortened with "…"), so 150 items do not
    push the failures off the screen: :func:`fixes_view` under the table gives every
    failing sentence whole with its fix. Long item ids (a 64-character preset name) fold
    inside their column instead of squeezing the status and message columns to nothing;
    below :data:`VALUES_FROM_WIDTH` columns the values column is left out (``--json``
    has them all).
    """
    table = Table(title=t("checks.cli.title", lang, run_id=str(run.get("run_id", ""))), expand=True)
    with_values = width is None or width >= VALUES_FROM_WIDTH
    table.add_column(t("checks.cli.col.item", lang), overflow="fold", max_width=ITEM_COLUMN_MAX)
    table.add_column(t("checks.cli.col.status", lang), no_wrap=True)
    if with_values:
        table.add_column(t("checks.cli.col.value", lang), max_width=VALUE_COLUMN_MAX)
    table.add_column(t("checks.cli.col.result", lang), ratio=1, min_width=RESULT_COLUMN_MIN)
    for result in _results(run):
        status = str(result.get("status", ""))
        style = STYLES[status] if status in NEEDS_ACTION else ""
        cells: list[RenderableType] = [str(result.get("id", "")), status_text(status, lang)]
        if with_values:
            values = summarise_values(result.get("values")).replace("\n", " ")
            cells.append(Text(values, no_wrap=True, overflow="ellipsis"))
        message = _lang_text(result.get("message"), lang)
        cells.append(Text(message, style=style, no_wrap=True, overflow="ellipsis"))
        table.add_row(*cells)
    return table


def fixes_view(run: JsonRun, lang: str, *, width: int, max_lines: int) -> RenderableType | None:
    """Every failure and warning with what to do, worst first — the last thing on the
    screen. Whole sentences when they fit in ``max_lines`` at ``width`` columns, else
    one entry per distinct fix naming all the items it fixes (still every failure)."""
    needing = [r for r in _results(run) if r.get("status") in NEEDS_ACTION]
    if not needing:
        return None
    needing.sort(key=lambda r: NEEDS_ACTION.index(str(r.get("status"))))
    title = Text(t("checks.cli.fixes.title", lang, count=len(needing)), style="bold")
    full = Group(title, *(_fix_entry(r, lang) for r in needing))
    if _height(full, width) <= max_lines:
        return full
    by_fix: dict[str, list[Mapping[str, object]]] = {}
    for result in needing:
        hint = _lang_text(result.get("remediation"), lang) or _lang_text(
            result.get("message"), lang
        )
        by_fix.setdefault(hint, []).append(result)
    entries = []
    for hint, results in by_fix.items():
        worst = str(results[0].get("status"))
        entry = status_text(worst, lang)
        entry.append(" " + ", ".join(str(r.get("id", "")) for r in results))
        entry.append("\n  → " + hint, style=STYLES[worst])
        entries.append(entry)
    return Group(title, *entries)


def _fix_entry(result: Mapping[str, object], lang: str) -> Text:
    status = str(result.get("status"))
    entry = status_text(status, lang)
    entry.append(f" {result.get('id', '')}: {_lang_text(result.get('message'), lang)}")
    hint = _lang_text(result.get("remediation"), lang)
    if hint:
        entry.append("\n  → " + hint, style=STYLES[status])
    return entry


def _height(renderable: RenderableType, width: int) -> int:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    return len(console.render_lines(renderable, console.options.update(width=width), pad=False))


def run_view(run: JsonRun, lang: str, *, width: int, height: int = SCREEN_LINES) -> Group:
    """The whole end of ``appliance check``: the table, then every failure with its fix,
    then the summary line — so the last ``height`` lines show what to do."""
    summary = summary_line(run, lang)
    budget = height - _height(summary, width) - 1  # the shell prompt takes a line
    fixes = fixes_view(run, lang, width=width, max_lines=budget)
    parts: list[RenderableType] = [results_table(run, lang, width=width)]
    if fixes is not None:
        parts.append(fixes)
    parts.append(summary)
    return Group(*parts)


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
