"""The check history on disk (issue 7 item 4): a power cut at any byte of an append, a
failed append on a really full disk (a small tmpfs), evidence of runs killed mid-run; and
the engine naming a full disk instead of "internal error OSError 28" (item 5)."""

from __future__ import annotations

import errno
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.agent.checks import CheckEngine, CheckStatus, install
from appliance.agent.checks.history import HistoryStore
from appliance.agent.checks.items.base import CheckItem, ItemContext
from appliance.agent.checks.model import CheckResult, CheckRun, Outcome, RunStatus, passed, text
from appliance.agent.service import AgentService
from appliance.config import parse_config
from tests.support.disk import small_disk


def _run(n: int, results: int = 1) -> CheckRun:
    run = CheckRun(f"run-{n:04d}", datetime.now(UTC), status=RunStatus.DONE)
    run.finished_at = datetime.now(UTC)
    run.results = [
        CheckResult(f"system.item{i}", "system.item", None, CheckStatus.PASS, {"n": n})
        for i in range(results)
    ]
    run.overall = CheckStatus.PASS
    return run


def _ids(store: HistoryStore) -> list[str]:
    return [r.run_id for r in store.load()]


def test_a_power_cut_at_any_byte_of_an_append_loses_no_other_run(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "checks", max_runs=50)
    store.append(_run(0))
    before = store.path.read_bytes()
    store.append(_run(1))
    line = store.path.read_bytes()[len(before) :]
    for cut in range(len(line) + 1):
        store.path.write_bytes(before + line[:cut])  # the power went at byte `cut`
        store.append(_run(2))
        # Only the run being written may be lost; the one before and after stay. (The
        # line without its newline is still whole JSON, so run 1 is kept from there on.)
        whole = cut >= len(line) - 1
        expected = ["run-0000", "run-0001", "run-0002"] if whole else ["run-0000", "run-0002"]
        assert _ids(store) == expected, f"cut at byte {cut} of {len(line)}"


def test_a_failed_append_on_a_full_disk_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        store = HistoryStore(disk.root / "checks", max_runs=50)
        store.append(_run(0))
        before = store.path.read_bytes()
        disk.fill()
        with pytest.raises(OSError) as raised:
            store.append(_run(1, results=200))  # a line of several blocks
        assert raised.value.errno == errno.ENOSPC
        assert store.path.read_bytes() == before  # no torn line left behind
        disk.free()
        store.append(_run(2))
        assert _ids(store) == ["run-0000", "run-0002"]


def test_evidence_of_runs_killed_mid_run_is_removed_at_start(tmp_path: Path) -> None:
    state = tmp_path / "state"
    store = HistoryStore(state / "checks", max_runs=50)
    store.append(_run(0))
    kept, orphan = store.evidence_dir("run-0000"), store.evidence_dir("run-0009")
    for directory in (kept, orphan):
        directory.mkdir(parents=True)
        (directory / "snapshot.jpg").write_bytes(b"\xff\xd8")
    CheckEngine(_service(state))  # the agent starts
    assert (kept / "snapshot.jpg").exists()
    assert not orphan.exists()


def _service(state: Path) -> AgentService:
    raw = {"room": {"id": "r1", "name": "Phòng họp thử"}, "state": {"dir": str(state)}}
    return AgentService(parse_config(raw), hotplug=False)


async def test_a_full_disk_is_named_in_the_items_and_the_run(tmp_path: Path) -> None:
    """An item writing evidence on a full disk says "the disk is full" and what to free;
    the run that could not be written says it will not survive a restart."""
    with small_disk(tmp_path / "disk") as disk:
        state = disk.root / "state"

        async def snapshot(ctx: ItemContext) -> Outcome:
            ctx.evidence_path("frame.bin").write_bytes(b"\0" * 65536)
            return passed(text("checks.hub.none"))

        items = [CheckItem("video.cam1.frame", "video.frame", "video", "cam1", snapshot)]
        engine = install(_service(state), planner=lambda _s, _c: items)
        disk.fill()
        run = await engine.wait(await engine.start())
        by_id = {r.id: r for r in run.results}
        frame = by_id["video.cam1.frame"]
        assert frame.status is CheckStatus.FAIL
        assert frame.message["en"].startswith("The disk is full: cannot write ")
        assert "internal" not in frame.message["en"].lower()
        assert "Free space on the disk holding" in frame.remediation["en"]
        history = by_id["system.history"]
        assert history.status is CheckStatus.FAIL
        assert "will be lost when the service restarts" in history.message["en"]
        assert run.status is RunStatus.DONE
        assert run.overall is CheckStatus.FAIL

        disk.free()
        saved = await engine.wait(await engine.start())
        assert "system.history" not in {r.id for r in saved.results}
        again = CheckEngine(_service(state), planner=lambda _s, _c: items)  # restarted
        assert [r.run_id for r in again.history()] == [saved.run_id]
