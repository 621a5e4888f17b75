"""Check runs on disk: JSON lines under ``<state.dir>/checks/``, bounded, with their evidence.

    <state.dir>/checks/history.jsonl          one finished run per line, oldest first
    <state.dir>/checks/evidence/<run_id>/     snapshots and screenshots of that run

At most ``max_runs`` runs are kept; appending one more rewrites the file without the
oldest (through a temporary file, fsync, a rename and an fsync of the directory, so a
crash leaves the old or the new file, never half of one) and deletes the evidence of the
runs it dropped. Below the bound a run is appended as one line, fsynced before
``append`` returns. A power cut at any byte of an append leaves a torn last line: it is
skipped with a warning, and the next append starts on a fresh line so the torn bytes
never swallow the next run (issue 7 item 4). An append that fails (a full disk) is cut
back to the file's old length, so it leaves no torn line either. Evidence directories of
runs that never reached the file (the agent was killed mid-run) are removed at start.
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
        line = _line(run)
        runs = self.load()
        if len(runs) < self.max_runs:
            self._append_line(line)
            return []
        keep = runs[len(runs) - self.max_runs + 1 :]
        dropped = [r.run_id for r in runs[: len(runs) - len(keep)]]
        tmp = self.path.with_name(f".{HISTORY_FILE}.tmp")
        try:
            with tmp.open("wb") as f:
                f.write(b"".join(_line(r) for r in keep) + line)
                f.flush()
                os.fsync(f.fileno())
            tmp.replace(self.path)
        except OSError:
            tmp.unlink(missing_ok=True)  # a full disk: give the space back
            raise
        _fsync_dir(self.dir)
        for run_id in dropped:
            self.remove_evidence(run_id)
        return dropped

    def _append_line(self, line: bytes) -> None:
        created = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # the last append was torn: start on a fresh line
            try:
                _write_all(fd, line)
                os.fsync(fd)
            except OSError:
                # Cut back to the old length (frees blocks, works on a full disk) so a
                # failed append leaves no torn line behind.
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)
                raise
        finally:
            os.close(fd)
        if created:
            _fsync_dir(self.dir)

    def remove_orphan_evidence(self, keep: set[str]) -> list[str]:
        """Remove evidence directories of runs not in ``keep``; return their ids."""
        try:
            entries = list((self.dir / EVIDENCE_DIR).iterdir())
        except OSError:
            return []
        removed = [e.name for e in entries if e.name not in keep]
        for name in removed:
            log.info("removing evidence of unfinished check run %s", name)
            shutil.rmtree(self.dir / EVIDENCE_DIR / name, ignore_errors=True)
        return removed

    def remove_evidence(self, run_id: str) -> None:
        with contextlib.suppress(ValueError):
            shutil.rmtree(self.evidence_dir(run_id), ignore_errors=True)


def _line(run: CheckRun) -> bytes:
    text = json.dumps(run.to_json(), ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(directory: Path) -> None:
    """Make a new or renamed directory entry durable (POSIX: fsync the directory)."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
