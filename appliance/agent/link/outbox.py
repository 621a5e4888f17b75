"""The on-disk outbox: every event for the hub is stored here first (docs/LINK.md §3).

    box = Outbox(state_dir / "outbox.sqlite")
    event = box.append("check.result", {...})     # committed (fsync) before it returns
    box.after(last_sent_id, limit)                # what to (re)send, in id order
    box.ack(hub_id)                               # the hub stored up to hub_id: delete them
    box.close()

SQLite in WAL mode with ``synchronous=FULL``: a committed event survives ``kill -9`` and
a power cut (https://www.sqlite.org/pragma.html#pragma_synchronous: FULL syncs the WAL on
every commit). ``AUTOINCREMENT`` makes ids strictly increasing and never reused, even
after every row has been acknowledged and deleted (the largest id is kept in
``sqlite_sequence``), so the hub's "ignore an id I already have" rule never drops a new
event. When the hub already knows a larger id than ours (the state directory was
replaced but the room kept its identity), :meth:`ack` moves the sequence past it.

The class is synchronous and not thread-safe: :class:`~appliance.agent.link.client.
LinkClient` calls it from ONE worker thread, in order.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from appliance.link import Event

SCHEMA_VERSION: Final = 1
# An outbox never grows without bound on a room PC whose hub is gone for weeks (or that
# was never enrolled): past this many events, the oldest progress, device and health
# rows go first — check results are always kept (docs/LINK.md §3).
MAX_EVENTS: Final = 50_000
TRIM_EVERY: Final = 1000  # appends between two looks at the size
BUSY_TIMEOUT_S: Final = 5.0


@dataclass(frozen=True)
class StoredEvent:
    id: int
    at: float
    kind: str
    data: dict[str, Any]

    def message(self) -> Event:
        kind: Any = self.kind
        return Event(id=self.id, at=self.at, kind=kind, data=self.data)


class Outbox:
    def __init__(self, path: Path, *, max_events: int = MAX_EVENTS) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_events = max_events
        self._trim_every = max(1, min(TRIM_EVERY, max_events))
        self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS events ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " at REAL NOT NULL,"
            " kind TEXT NOT NULL,"
            " data TEXT NOT NULL)"
        )
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def append(self, kind: str, data: dict[str, Any], at: float | None = None) -> StoredEvent:
        """Store one event; it has its id and is on disk when this returns."""
        at = time.time() if at is None else at
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        with self._tx():
            cur = self._db.execute(
                "INSERT INTO events (at, kind, data) VALUES (?, ?, ?)", (at, kind, text)
            )
            event_id = cur.lastrowid
            if event_id is not None and event_id % self._trim_every == 0:
                self._trim()
        if event_id is None:  # sqlite3 always sets it after an INSERT
            raise RuntimeError("outbox: INSERT gave no row id")
        return StoredEvent(event_id, at, kind, data)

    def after(self, event_id: int, limit: int = 100) -> list[StoredEvent]:
        """Stored events with an id above ``event_id``, oldest first."""
        rows = self._db.execute(
            "SELECT id, at, kind, data FROM events WHERE id > ? ORDER BY id LIMIT ?",
            (event_id, limit),
        ).fetchall()
        return [StoredEvent(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def ack(self, event_id: int) -> int:
        """The hub has every event up to ``event_id``: delete them; return how many.
        Future ids stay above ``event_id`` even if our own sequence is behind it."""
        with self._tx():
            deleted = self._db.execute("DELETE FROM events WHERE id <= ?", (event_id,)).rowcount
            seq = self._db.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'events'"
            ).fetchone()
            if seq is None:
                self._db.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)", (event_id,)
                )
            elif seq[0] < event_id:
                self._db.execute(
                    "UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'", (event_id,)
                )
        return int(deleted)

    def pending(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM events").fetchone()
        return int(row[0])

    def last_id(self) -> int:
        """The largest id ever given (0 when none)."""
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        return int(row[0]) if row is not None else 0

    def close(self) -> None:
        self._db.close()

    # -- internals ----------------------------------------------------------------------

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)

    def _trim(self) -> None:
        count = self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        if count > self.max_events:
            self._db.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE kind != "
                "'check.result' ORDER BY id LIMIT ?)",
                (count - self.max_events,),
            )


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back on an error): the connection runs in
    autocommit mode so the pragmas above apply outside any transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is not None:
            self._db.execute("ROLLBACK")
            return
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error:
            # A COMMIT that fails (a full disk) leaves the transaction open: end it, or
            # every later BEGIN fails too, after space is back.
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
