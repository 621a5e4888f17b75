"""Figures a benchmark hands to ``make bench`` (bench/run_all.py) besides printing them.

    from report import record
    record("visca.inquiry.median", 0.0123, "s", limit=0.0120, target_ratio=1.05,
           title="VISCA inquiry through the driver, median", series="visca")

Each call appends one JSON line to the file named by ``$BENCH_RESULTS`` (nothing when
it is unset: a benchmark run by hand just prints). ``ratio`` is measured / limit (or /
target) and ``met`` is whether the DESIGN.md §7 target holds — computed here, once, so
the report and the script's own print agree. A ``point`` (x value) lets run_all.py plot
a series, e.g. hub latency against the number of rooms.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

RESULTS_ENV = "BENCH_RESULTS"


def record(
    key: str,
    measured: float,
    unit: str,
    *,
    title: str,
    limit: float | None = None,
    target_ratio: float | None = None,
    target: float | None = None,
    higher_is_better: bool = False,
    series: str | None = None,
    point: float | None = None,
    note: str = "",
) -> dict[str, Any]:
    """One figure. Either ``limit`` + ``target_ratio`` (measured ≤ ratio × the physical
    limit or baseline measured in the same run) or an absolute ``target``."""
    ratio = None
    met = None
    target_text = ""
    if limit is not None and limit > 0:
        ratio = measured / limit
        if target_ratio is not None:
            met = ratio <= target_ratio
            target_text = f"≤ {target_ratio:g} × limit ({limit:.4g} {unit})"
    elif target is not None and target > 0:
        ratio = measured / target
        met = measured >= target if higher_is_better else measured <= target
        target_text = f"{'≥' if higher_is_better else '≤'} {target:g} {unit}"
    row = {
        "key": key,
        "title": title,
        "measured": measured,
        "unit": unit,
        "limit": limit,
        "target": target_text,
        "ratio": ratio,
        "met": met,
        "series": series,
        "point": point,
        "note": note,
        "at": time.time(),
    }
    path = os.environ.get(RESULTS_ENV)
    if path:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return row


def print_rows(rows: list[dict[str, Any]], width: int = 58) -> None:
    """The figures of ``record`` as a table: figure, measured, target, ratio, met."""
    print(f"\n{'figure':<{width}} {'measured':>10} {'target':>14} {'ratio':>7}  met")
    for row in rows:
        ratio = "—" if row["ratio"] is None else f"{row['ratio']:.3f}"
        met = {True: "yes", False: "NO", None: ""}[row["met"]]
        print(f"{row['title']:<{width}} {row['measured']:>8.3f} {row['unit']:<5} "
              f"{row['target'] or '—':>14} {ratio:>7}  {met}")  # fmt: skip
