"""``make bench``: run every benchmark, then write docs/BENCHMARKS.md and the plots.

    .venv/bin/python bench/run_all.py [--only visca_latency,frames] [--quick]

Each benchmark script runs as its own process with ``$BENCH_RESULTS`` pointing at a
JSON-lines file; its figures (bench/report.py ``record``) are gathered into one table —
figure, target, measured, ratio, met — with the machine and the date, and three plots
(matplotlib, PNG beside the report): hub latency against the number of rooms, VISCA
latency against the wire limit, readiness-check time per item. No absolute time is a
pass/fail criterion: a target is a ratio to the physical limit or to a baseline
measured in the same run, or DESIGN.md §7's figure reported beside the measurement.
A benchmark that fails is reported as such; the others still run. Each benchmark's
figures are kept in docs/bench-results.json: ``--only NAME`` runs NAME again and keeps the
others' figures from their last run (the report's "Runs" table says when each ran).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RESULTS = DOCS / "bench-results.json"
# Script → arguments for the report run (--quick: fewer samples, for a smoke run).
BENCHES: dict[str, tuple[list[str], list[str]]] = {
    "visca_latency": ([], ["--samples", "20", "--bursts", "1"]),
    "visca_link": ([], []),
    "frames": ([], ["--runs", "20"]),
    "check": ([], ["--runs", "2"]),
    "agent": ([], ["--seconds", "10"]),
    "hub": ([], ["--quick"]),
    "hub_replicas": ([], ["--rooms", "100", "--seconds", "3", "--reps", "10"]),
    "dashboard": ([], ["--quick"]),
    "follow": (["--sweep-minutes", "1", "--crosstalk=-20,-12,-6"], ["--quick"]),
    "display": ([], []),
    "audio": ([], ["--runs", "3"]),
    "hotplug_bench": ([], []),
    "offline": ([], []),
    # The demo province last: 31 agents load the machine for a few minutes.
    "fleet_check": ([], ["--rooms", "8", "--runs", "1"]),
    "demo": ([], ["--rooms", "4", "--idle-seconds", "10"]),
}


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def _run(name: str, args: list[str], results: Path) -> tuple[int, float, str]:
    script = ROOT / "bench" / f"{name}.py"
    if not script.exists():
        return -1, 0.0, "not present"
    env = dict(os.environ, BENCH_RESULTS=str(results), PYTHONPATH=str(ROOT / "bench"))
    started = time.monotonic()
    print(f"== {name} {' '.join(args)}", flush=True)
    proc = subprocess.run([sys.executable, str(script), *args], env=env, cwd=ROOT, check=False)
    return proc.returncode, time.monotonic() - started, ""


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.4g}"
    return f"{text} {unit}".strip()


def _plots(rows: list[dict[str, Any]]) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ["(matplotlib is not installed: `make venv` installs it)"]
    made: list[str] = []
    by_series: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("series"):
            by_series.setdefault(row["series"], []).append(row)
    specs = [
        (
            "hub",
            "bench-hub.png",
            "Hub: heartbeat lag p99 (ms) at 2,000/s against the number of rooms",
            "rooms",
        ),
        ("visca", "bench-visca.png", "VISCA latency ÷ wire limit (1.0 = the physical limit)", ""),
        ("check", "bench-check.png", "Readiness check: time per item (one room)", ""),
    ]
    for series, filename, title, xlabel in specs:
        data = by_series.get(series)
        if not data:
            continue
        fig, ax = plt.subplots(figsize=(8, 4.5))
        if series == "hub":
            groups: dict[str, list[tuple[float, float]]] = {}
            for row in data:
                if row.get("point") is not None:
                    groups.setdefault(row["title"], []).append((row["point"], row["measured"]))
            for label, points in groups.items():
                points.sort()
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=label)
            ax.set_xscale("log")
            ax.set_xlabel(xlabel)
            ax.legend(fontsize=7)
        elif series == "visca":
            labels = [row["title"] for row in data if row.get("ratio") is not None]
            ratios = [row["ratio"] for row in data if row.get("ratio") is not None]
            ax.barh(labels, ratios, color="#3b6ea5")
            ax.axvline(1.0, color="black", linewidth=1)
            ax.axvline(1.05, color="#b03030", linestyle="--", linewidth=1, label="target 1.05")
            ax.legend(fontsize=7)
            ax.tick_params(axis="y", labelsize=7)
        else:
            data = sorted(data, key=lambda r: r["measured"])[-20:]
            ax.barh([row["title"] for row in data], [row["measured"] for row in data])
            ax.set_xlabel("seconds")
            ax.tick_params(axis="y", labelsize=7)
        ax.set_title(title, fontsize=10)
        fig.tight_layout()
        fig.savefig(DOCS / filename, dpi=110)
        plt.close(fig)
        made.append(filename)
    return made


def write_report(rows: list[dict[str, Any]], runs: list[tuple[str, int, float, str, str]]) -> Path:
    DOCS.mkdir(exist_ok=True)
    plots = _plots(rows)
    load = os.getloadavg()
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (bench/run_all.py) on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        f"Machine: {_machine()}; load average at the end {load[0]:.2f} / {load[1]:.2f}.",
        "Each target is DESIGN.md §7's; a ratio is measured ÷ the physical limit or the",
        "baseline measured in the same run (or ÷ the absolute target where §7 gives one).",
        "",
        "| figure | target | measured | ratio | met |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        if row.get("series") == "check" and row.get("target") == "":
            continue  # per-item times: in the plot
        met = {True: "yes", False: "**no**", None: ""}[row.get("met")]
        ratio = f"{row['ratio']:.3f}" if row.get("ratio") is not None else "—"
        note = f" ({row['note']})" if row.get("note") else ""
        lines.append(
            f"| {row['title']}{note} | {row.get('target') or '—'} | "
            f"{_fmt(row['measured'], row['unit'])} | {ratio} | {met} |"
        )
    lines += ["", "## Runs", "", "| benchmark | exit | seconds | run at |", "|---|---|---|---|"]
    for name, code, seconds, why, at in runs:
        status = why or ("ok" if code == 0 else f"failed ({code})")
        lines.append(f"| {name} | {status} | {seconds:.0f} | {at} |")
    if plots:
        lines += ["", "## Plots", ""]
        lines += [f"![{p}]({p})" if p.endswith(".png") else p for p in plots]
    out = DOCS / "BENCHMARKS.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _now() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"


def _load_kept() -> dict[str, Any]:
    try:
        kept = json.loads(RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {name: entry for name, entry in kept.items() if name in BENCHES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(BENCHES)
    unknown = sorted(set(names) - set(BENCHES))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; one of {', '.join(BENCHES)}")
    # Every figure is also kept, with the benchmark that gave it, in docs/bench-results.json:
    # ``--only NAME`` runs those benchmarks again and keeps the other benchmarks' figures
    # from the last run (the report says when each ran).
    kept = _load_kept() if args.only else {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for name in names:
            results = Path(tmp) / f"{name}.jsonl"
            results.touch()
            full, quick = BENCHES[name]
            code, seconds, why = _run(name, quick if args.quick else full, results)
            figures = [json.loads(x) for x in results.read_text().splitlines() if x.strip()]
            kept[name] = {"run": [name, code, seconds, why], "rows": figures, "at": _now()}
    ordered = [kept[name] for name in BENCHES if name in kept]
    rows = [row for entry in ordered for row in entry["rows"]]
    runs = [(*entry["run"][:3], entry["run"][3] or "", entry["at"]) for entry in ordered]
    RESULTS.write_text(json.dumps(kept, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    out = write_report(rows, runs)
    met = [r for r in rows if r.get("met") is not None]
    print(
        f"\nwrote {out.relative_to(ROOT)}: {len(rows)} figures, "
        f"{sum(1 for r in met if r['met'])}/{len(met)} targets met"
    )
    failed = [run[0] for run in runs if run[1] not in (0,) and not run[3] and run[0] in names]
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
