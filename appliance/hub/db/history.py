"""What reports read: link sessions (time online) and stored check results over a period.

Sync functions on a SQLAlchemy session; :class:`appliance.hub.store.Store` runs them in
its database thread. Times are epoch seconds like every hub table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from appliance.hub.db.models import CheckResultRow, LinkSessionRow


@dataclass(frozen=True, slots=True)
class LinkSpan:
    room_id: str
    connected_at: float
    disconnected_at: float | None  # None: still up


@dataclass(frozen=True, slots=True)
class StoredResult:
    room_id: str
    at: float
    status: str
    overall: str | None
    data: dict[str, Any]


def open_session(s: Session, room_id: str, at: float, replica: str | None = None) -> int:
    row = LinkSessionRow(room_id=room_id, connected_at=at, replica=replica)
    s.add(row)
    s.flush()
    return row.id


def close_session(s: Session, session_id: int, at: float) -> None:
    s.execute(
        update(LinkSessionRow)
        .where(LinkSessionRow.id == session_id, LinkSessionRow.disconnected_at.is_(None))
        .values(disconnected_at=at)
    )


def close_dangling(s: Session, at: float, replica: str | None = None) -> int:
    """Close the sessions a hub that died left open, at ``at`` (the new hub's start).

    We do not know when the old hub died: its last presence flush says only that the room
    was seen then. Closing at the restart counts the gap as online; a gap of a crashed hub
    is short next to a month (systemd restarts it in seconds), and the rooms' own
    ``last_seen_at`` stays as the evidence of when they were really last heard.

    With several hub replicas (``replica`` given) only that replica's sessions are closed:
    the others' links are up. A hub run alone (``replica`` None) closes every one.
    """
    q = update(LinkSessionRow).where(LinkSessionRow.disconnected_at.is_(None))
    if replica is not None:
        q = q.where(LinkSessionRow.replica == replica)
    return int(s.execute(q.values(disconnected_at=at)).rowcount or 0)  # type: ignore[attr-defined]


def spans_between(s: Session, start: float, end: float, room_ids: Sequence[str]) -> list[LinkSpan]:
    """Every session of these rooms that overlaps [start, end)."""
    q = select(
        LinkSessionRow.room_id, LinkSessionRow.connected_at, LinkSessionRow.disconnected_at
    ).where(
        LinkSessionRow.room_id.in_(room_ids),
        LinkSessionRow.connected_at < end,
        or_(LinkSessionRow.disconnected_at.is_(None), LinkSessionRow.disconnected_at > start),
    )
    return [LinkSpan(r.room_id, r.connected_at, r.disconnected_at) for r in s.execute(q)]


def results_between(
    s: Session, start: float, end: float, room_ids: Sequence[str]
) -> list[StoredResult]:
    q = (
        select(
            CheckResultRow.room_id,
            CheckResultRow.at,
            CheckResultRow.status,
            CheckResultRow.overall,
            CheckResultRow.data,
        )
        .where(
            CheckResultRow.room_id.in_(room_ids),
            CheckResultRow.at >= start,
            CheckResultRow.at < end,
        )
        .order_by(CheckResultRow.at)
    )
    return [StoredResult(r.room_id, r.at, r.status, r.overall, dict(r.data)) for r in s.execute(q)]
