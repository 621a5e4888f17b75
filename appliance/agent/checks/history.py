"""Check runs on disk: JSON lines under ``<state.dir>/checks/``, bounded, with their evidence.

    <state.dir>/checks/history.jsonl          one finished run per line, oldest first
    <state.dir>/checks/evidence/<run_id>/     snapshots and screenshots of that run

At most ``max_runs`` runs are kept; appending one more rewrites the file without the
oldest (through a temporary file and a rename, so a crash leaves the old or the new file,
never half of one) and deletes the evidence of the runs it dropped. A damaged line (a
power cut in the middle of an append) is skipped with a warning, never fatal.
Blocking file I/O: the engine calls these from a worker thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Final

from appliance.agent.checks.model import CheckRun

log = logging.getLogger(__name__)

HISTORY_FILE: Final = "history.jsonl"
EVIDENCE_DIR: Final = "evidence"
_RUN_ID: Final = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


class HistoryStore:
    """The bounded run history of one room (see the module docstring)."""

    def __init__(self, directory: Path, max_runs: int) -> None:
        if max_runs < 1:
            raise ValueError(f"max_runs must be at least 1, not {max_runs}")
        self.dir = directory
        self.max_runs = max_runs
        self.path = directory / HISTORY_FILE

    def evidence_dir(self, run_id: str) -> Path:
        if not _RUN_ID.match(run_id):
            raise ValueError(f"bad run id {run_id!r}")
        return self.dir / EVIDENCE_DIR / run_id

    def load(self) -> list[CheckRun]:
        """Every kept run, oldest first (damaged lines skipped)."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        except OSError as exc:
            log.warning("cannot read check history %s: %s", self.path, exc)
            return []
        runs: list[CheckRun] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                runs.append(CheckRun.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("check history %s line %d skipped: %s", self.path, number, exc)
        return runs[-self.max_runs :]

    def append(self, run: CheckRun) -> list[str]:
        """Add a finished run; return the ids of runs dropped to stay within ``max_runs``."""
        self.dir.mkdir(parents=True, exist_ok=True)
        line = json.dumps(run.to_json(), ensure_ascii=False, separators=(",", ":"))
        runs = self.load()
        if len(runs) < self.max_runs:
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
                f.flush()
                os.fsync(f.fileno())
            return []
        keep = runs[len(runs) - self.max_runs + 1 :]
        dropped = [r.run_id for r in runs[: len(runs) - len(keep)]]
        body = "".join(
            json.dumps(r.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n" for r in keep
        )
        tmp = self.path.with_name(f".{HISTORY_FILE}.tmp")
        with tmp.open("w", encoding="utf-8") as f:
            f.write(body + line + "\n")
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.path)
        for run_id in dropped:
            self.remove_evidence(run_id)
        return dropped

    def remove_evidence(self, run_id: str) -> None:
        with contextlib.suppress(ValueError):
            shutil.rmtree(self.evidence_dir(run_id), ignore_errors=True)
