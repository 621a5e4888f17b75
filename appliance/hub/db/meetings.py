"""The meeting schedule in the database: create, change, list, import by UID, and the
claim that makes each occurrence's automatic check run exactly once.

Sync functions on a SQLAlchemy session; :class:`appliance.hub.store.Store` runs them in
its database thread. Times are epoch seconds like every hub table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from appliance.hub.db.errors import InvalidInputError, NotFoundError
from appliance.hub.db.models import MeetingRow, Room

# A meeting's automatic readiness check runs this long before its start by default
# (issue 11: "a configurable time before the start (default 30 min)").
DEFAULT_CHECK_BEFORE_S: Final = 30 * 60.0
# A longer meeting is a typing error (a week-long "meeting" would keep rooms in meeting,
# and out of every fleet check and rollout, for a week).
MAX_MEETING_S: Final = 24 * 3600.0
MAX_CHECK_BEFORE_S: Final = 24 * 3600.0
# Vietnam keeps UTC+7 all year (no summer time): a weekly meeting is exactly 7 × 86,400 s
# after the previous one in epoch seconds, with no zone arithmetic.
WEEK_S: Final = 7 * 86_400.0


@dataclass(frozen=True, slots=True)
class MeetingIn:
    """A meeting as a person or an iCalendar file gives it (validated here, not in the
    route: the API, the CLI and the import share the rules)."""

    title: str
    starts_at: float
    ends_at: float
    rooms: tuple[str, ...]
    weekly: bool = False
    until_at: float | None = None
    check_before_s: float = DEFAULT_CHECK_BEFORE_S
    power_on: bool = False
    uid: str | None = None


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    id: int
    title: str
    starts_at: float
    ends_at: float
    weekly: bool
    until_at: float | None
    rooms: tuple[str, ...]
    check_before_s: float
    power_on: bool
    uid: str | None
    created_by: str | None
    created_at: float
    updated_at: float
    checked_for: float | None
    last_fleet_check: str | None


@dataclass
class ImportOutcome:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)


def validate(m: MeetingIn) -> None:
    """:class:`InvalidInputError` naming what is wrong (in English; the route words it)."""
    if not m.title.strip():
        raise InvalidInputError("title is empty", key="hub.meeting.no_title")
    if m.ends_at <= m.starts_at:
        raise InvalidInputError("ends before it starts", key="hub.meeting.ends_before_start")
    if m.ends_at - m.starts_at > MAX_MEETING_S:
        raise InvalidInputError("longer than 24 h", key="hub.meeting.too_long")
    if not 0 <= m.check_before_s <= MAX_CHECK_BEFORE_S:
        raise InvalidInputError("check_before out of 0–24 h", key="hub.meeting.bad_check_before")
    if not m.rooms:
        raise InvalidInputError("no rooms", key="hub.meeting.no_rooms")
    if m.until_at is not None and (not m.weekly or m.until_at < m.starts_at):
        raise InvalidInputError("bad until", key="hub.meeting.bad_until")


def _known_rooms(s: Session, rooms: Sequence[str]) -> None:
    found = set(s.scalars(select(Room.id).where(Room.id.in_(rooms))))
    missing = [r for r in rooms if r not in found]
    if missing:
        names = ", ".join(missing[:5])
        raise NotFoundError(f"no such room: {names}", key="hub.meeting.unknown_rooms", rooms=names)


def _record(row: MeetingRow) -> MeetingRecord:
    return MeetingRecord(
        id=row.id,
        title=row.title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        weekly=row.weekly,
        until_at=row.until_at,
        rooms=tuple(str(r) for r in row.rooms),
        check_before_s=row.check_before_s,
        power_on=row.power_on,
        uid=row.uid,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        checked_for=row.checked_for,
        last_fleet_check=row.last_fleet_check,
    )


def _apply(row: MeetingRow, m: MeetingIn, now: float) -> None:
    moved = row.starts_at != m.starts_at or row.weekly != m.weekly
    row.title = m.title.strip()
    row.starts_at, row.ends_at = m.starts_at, m.ends_at
    row.weekly, row.until_at = m.weekly, m.until_at
    row.rooms = list(dict.fromkeys(m.rooms))
    row.check_before_s, row.power_on = m.check_before_s, m.power_on
    row.uid = m.uid
    row.updated_at = now
    if moved:
        # A meeting moved to a new time gets its check again (the claim was for the old).
        row.checked_for = None


def create(s: Session, m: MeetingIn, by: str | None, now: float) -> MeetingRecord:
    validate(m)
    _known_rooms(s, m.rooms)
    row = MeetingRow(created_by=by, created_at=now, checked_for=None)
    _apply(row, m, now)
    s.add(row)
    s.flush()
    return _record(row)


def change(s: Session, meeting_id: int, m: MeetingIn, now: float) -> MeetingRecord:
    validate(m)
    _known_rooms(s, m.rooms)
    row = s.get(MeetingRow, meeting_id)
    if row is None:
        raise NotFoundError(f"no meeting {meeting_id}", key="hub.meeting.not_found", id=meeting_id)
    _apply(row, m, now)
    s.flush()
    return _record(row)


def delete(s: Session, meeting_id: int) -> None:
    row = s.get(MeetingRow, meeting_id)
    if row is None:
        raise NotFoundError(f"no meeting {meeting_id}", key="hub.meeting.not_found", id=meeting_id)
    s.delete(row)


def get(s: Session, meeting_id: int) -> MeetingRecord | None:
    row = s.get(MeetingRow, meeting_id)
    return _record(row) if row is not None else None


def list_active(s: Session, since: float) -> list[MeetingRecord]:
    """Meetings with an occurrence that may end after ``since``: one-off meetings not yet
    over, weekly ones not past their ``until``."""
    q = (
        select(MeetingRow)
        .where(
            or_(
                MeetingRow.ends_at > since,
                (MeetingRow.weekly.is_(True))
                & (or_(MeetingRow.until_at.is_(None), MeetingRow.until_at > since - MAX_MEETING_S)),
            )
        )
        .order_by(MeetingRow.starts_at, MeetingRow.id)
    )
    return [_record(r) for r in s.scalars(q)]


def import_many(
    s: Session, meetings: Sequence[MeetingIn], by: str | None, now: float
) -> ImportOutcome:
    """Create or update (by UID) every meeting in ONE transaction: a file with one bad
    event changes nothing."""
    out = ImportOutcome()
    for m in meetings:
        validate(m)
        _known_rooms(s, m.rooms)
        row = (
            s.scalars(select(MeetingRow).where(MeetingRow.uid == m.uid)).first() if m.uid else None
        )
        if row is None:
            out.created.append(create(s, m, by, now).id)
        else:
            _apply(row, m, now)
            s.flush()
            out.updated.append(row.id)
    return out


def claim_check(s: Session, meeting_id: int, occurrence_start: float) -> bool:
    """Claim the automatic check of the occurrence starting at ``occurrence_start``; True
    for exactly one caller. A conditional UPDATE is atomic on SQLite and PostgreSQL alike,
    so two hub replicas (or a hub restarted inside the check window) never both run it."""
    result = s.execute(
        update(MeetingRow)
        .where(
            MeetingRow.id == meeting_id,
            or_(MeetingRow.checked_for.is_(None), MeetingRow.checked_for < occurrence_start),
        )
        .values(checked_for=occurrence_start)
    )
    return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


def note_fleet_check(s: Session, meeting_id: int, fleet_id: str) -> None:
    s.execute(
        update(MeetingRow).where(MeetingRow.id == meeting_id).values(last_fleet_check=fleet_id)
    )
