"""The hub link's on-disk outbox (docs/LINK.md §3): ids strictly increasing and never
reused, order kept, cumulative acks delete, and nothing committed is lost when the
process is killed with SIGKILL mid-burst (a real child process, a real SQLite file)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from appliance.agent.link.outbox import Outbox
from tests.support.disk import small_disk

KILL_AFTER_EVENTS = 200  # the child reports this many commits before it is killed
CHILD_START_S = 30.0


def test_ids_increase_acks_delete_and_ids_are_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    box = Outbox(path)
    ids = [box.append("check.progress", {"done": i}).id for i in range(5)]
    assert ids == sorted(set(ids))  # increasing, none twice
    assert [e.data["done"] for e in box.after(ids[1])] == [2, 3, 4]
    assert box.ack(ids[2]) == 3
    assert [e.id for e in box.after(0)] == ids[3:]
    assert box.ack(ids[-1]) == 2
    assert box.pending() == 0
    box.close()
    # Everything acknowledged and deleted, the file reopened: the next id is still new.
    box = Outbox(path)
    assert box.append("health", {"health": "healthy"}).id == ids[-1] + 1
    box.close()


def test_an_ack_beyond_our_last_id_moves_the_sequence_past_it(tmp_path: Path) -> None:
    """The hub knows ids up to 500 (a state directory replaced under the same room): new
    events must get ids it has not seen, or it would ignore them as duplicates."""
    box = Outbox(tmp_path / "outbox.sqlite")
    box.append("health", {"health": "unknown"})
    box.ack(500)
    assert box.pending() == 0
    assert box.append("health", {"health": "healthy"}).id == 501
    box.close()


def test_events_keep_their_kind_time_and_data(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite")
    data = {"run_id": "r1", "results": [{"id": "x", "message": {"vi": "Đã kết nối", "en": "ok"}}]}
    stored = box.append("check.result", data, at=1700000000.5)
    [again] = box.after(0)
    assert again == stored
    message = again.message()
    assert (message.id, message.kind, message.at, message.data) == (
        stored.id,
        "check.result",
        1700000000.5,
        data,
    )
    box.close()


_CHILD = """
import sys
from pathlib import Path
from appliance.agent.link.outbox import Outbox
box = Outbox(Path(sys.argv[1]))
i = 0
while True:
    i += 1
    event = box.append("check.result", {"n": i})
    print(event.id, flush=True)
"""


def test_kill_9_loses_no_committed_event(tmp_path: Path) -> None:
    """Every id the child printed (after its commit returned) is in the file after
    SIGKILL, in order, and the file passes SQLite's integrity check."""
    path = tmp_path / "outbox.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE, text=True
    )
    reported: list[int] = []
    try:
        assert child.stdout is not None
        deadline = time.monotonic() + CHILD_START_S
        while len(reported) < KILL_AFTER_EVENTS:
            line = child.stdout.readline()
            assert line, "the child ended early"
            reported.append(int(line))
            assert time.monotonic() < deadline, f"only {len(reported)} commits"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        reported += [int(line) for line in child.stdout.read().split()]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        if child.stdout is not None:
            child.stdout.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    box = Outbox(path)
    stored = [e.id for e in box.after(0, limit=1_000_000)]
    assert stored[: len(reported)] == reported  # everything reported, in order
    assert stored == list(range(1, len(stored) + 1))  # nothing twice, nothing skipped
    box.close()


def test_a_full_outbox_drops_progress_device_and_health_never_results(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite", max_events=20)
    kinds = ["check.progress", "device", "check.result", "health"] * 10
    for i, kind in enumerate(kinds):
        box.append(kind, {"n": i})
    kept = box.after(0, limit=1000)
    assert len(kept) <= 20
    assert sum(e.kind == "check.result" for e in kept) == kinds.count("check.result")
    assert [e.id for e in kept] == sorted(e.id for e in kept)
    box.close()


def test_a_full_disk_fails_the_append_and_the_next_one_works_once_space_is_back(
    tmp_path: Path,
) -> None:
    """On a real small tmpfs: an append on the full disk raises (the link client keeps the
    event in memory, tests/reliability/test_fault_matrix.py), and leaves no transaction
    open — once space is back the next append is stored, in order."""
    with small_disk(tmp_path / "disk") as disk:
        box = Outbox(disk.root / "outbox.sqlite")
        first = box.append("health", {"health": "healthy"})
        disk.fill()
        with pytest.raises((sqlite3.Error, OSError)):
            _append_until_it_fails(box)
        disk.free()
        later = box.append("check.result", {"run_id": "after"})
        stored = box.after(first.id, limit=2000)
        assert stored[-1].id == later.id
        assert stored[-1].data == {"run_id": "after"}
        box.close()


def _append_until_it_fails(box: Outbox) -> None:
    for n in range(1000):  # SQLite's page cache may take a few before a write fails
        box.append("check.result", {"n": n, "pad": "x" * 4096})
