"""Alerts and their notification outbox in the database.

    raise_alert(s, …)      insert the alert and one pending delivery per channel, in ONE
                           transaction; None when the same (room, rule, subject) is active
    resolve_alert(s, …)    mark the active alert resolved and queue its "resolved" deliveries
    due / claim / delivered / failed      the delivery worker's outbox (appliance/hub/alerts)

Sync functions on a SQLAlchemy session; :class:`appliance.hub.store.Store` runs them in its
database thread. An alert and its deliveries are written together, so a hub that dies
after raising never loses the notification: the next start finds it pending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from appliance.hub.db.errors import ConflictError, NotFoundError
from appliance.hub.db.models import AlertDeliveryRow, AlertRow

ACTIVE: Final = ("open", "acknowledged")
AlertState = Literal["open", "acknowledged", "resolved"]


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: int
    room_id: str
    rule: str
    subject: str
    severity: str
    state: str
    summary: str
    data: dict[str, Any]
    began_at: float
    raised_at: float
    acked_at: float | None
    acked_by: str | None
    resolved_at: float | None


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    id: int
    alert: AlertRecord
    event: str  # firing / resolved
    channel: str
    attempts: int
    next_at: float
    created_at: float


def _record(row: AlertRow) -> AlertRecord:
    return AlertRecord(
        id=row.id,
        room_id=row.room_id,
        rule=row.rule,
        subject=row.subject,
        severity=row.severity,
        state=row.state,
        summary=row.summary,
        data=dict(row.data),
        began_at=row.began_at,
        raised_at=row.raised_at,
        acked_at=row.acked_at,
        acked_by=row.acked_by,
        resolved_at=row.resolved_at,
    )


def _active(s: Session, room_id: str, rule: str, subject: str) -> AlertRow | None:
    q = select(AlertRow).where(
        AlertRow.room_id == room_id,
        AlertRow.rule == rule,
        AlertRow.subject == subject,
        AlertRow.state.in_(ACTIVE),
    )
    return s.scalars(q).first()


def _queue(s: Session, alert_id: int, event: str, channels: Sequence[str], now: float) -> None:
    for channel in channels:
        s.add(
            AlertDeliveryRow(
                alert_id=alert_id,
                event=event,
                channel=channel,
                state="pending",
                created_at=now,
                next_at=now,
                attempts=0,
            )
        )


def raise_alert(
    s: Session,
    room_id: str,
    rule: str,
    subject: str,
    severity: str,
    summary: str,
    data: dict[str, Any],
    began_at: float,
    channels: Sequence[str],
    now: float,
) -> AlertRecord | None:
    if _active(s, room_id, rule, subject) is not None:
        return None
    row = AlertRow(
        room_id=room_id,
        rule=rule,
        subject=subject,
        severity=severity,
        state="open",
        summary=summary,
        data=data,
        began_at=began_at,
        raised_at=now,
    )
    s.add(row)
    s.flush()
    _queue(s, row.id, "firing", channels, now)
    return _record(row)


def resolve_alert(
    s: Session, room_id: str, rule: str, subject: str, channels: Sequence[str], now: float
) -> AlertRecord | None:
    row = _active(s, room_id, rule, subject)
    if row is None:
        return None
    row.state, row.resolved_at = "resolved", now
    s.flush()
    _queue(s, row.id, "resolved", channels, now)
    return _record(row)


def acknowledge(s: Session, alert_id: int, by: str, now: float) -> AlertRecord:
    row = s.get(AlertRow, alert_id)
    if row is None:
        raise NotFoundError(f"no alert {alert_id}", key="hub.alert.not_found", id=alert_id)
    if row.state != "open":
        raise ConflictError(
            f"alert {alert_id} is {row.state}", key="hub.alert.not_open", id=alert_id
        )
    row.state, row.acked_at, row.acked_by = "acknowledged", now, by
    s.flush()
    return _record(row)


def get(s: Session, alert_id: int) -> AlertRecord | None:
    row = s.get(AlertRow, alert_id)
    return _record(row) if row is not None else None


def listing(
    s: Session,
    *,
    states: Sequence[str] | None,
    room_ids: Sequence[str] | None,
    since: float | None,
    limit: int,
) -> list[AlertRecord]:
    q = select(AlertRow).order_by(AlertRow.raised_at.desc(), AlertRow.id.desc()).limit(limit)
    if states is not None:
        q = q.where(AlertRow.state.in_(states))
    if room_ids is not None:
        q = q.where(AlertRow.room_id.in_(room_ids))
    if since is not None:
        q = q.where(AlertRow.raised_at >= since)
    return [_record(r) for r in s.scalars(q)]


def active_keys(s: Session) -> list[tuple[str, str, str]]:
    q = select(AlertRow.room_id, AlertRow.rule, AlertRow.subject).where(AlertRow.state.in_(ACTIVE))
    return [(r.room_id, r.rule, r.subject) for r in s.execute(q)]


def resolved_between(
    s: Session, start: float, end: float, room_ids: Sequence[str]
) -> list[AlertRecord]:
    """Alerts resolved in [start, end) (reports: mean time from alert to resolution)."""
    q = select(AlertRow).where(
        AlertRow.room_id.in_(room_ids),
        AlertRow.resolved_at >= start,
        AlertRow.resolved_at < end,
    )
    return [_record(r) for r in s.scalars(q)]


# -- the outbox ------------------------------------------------------------------------------


def due(s: Session, now: float, limit: int) -> list[DeliveryRecord]:
    q = (
        select(AlertDeliveryRow, AlertRow)
        .join(AlertRow, AlertRow.id == AlertDeliveryRow.alert_id)
        .where(AlertDeliveryRow.state == "pending", AlertDeliveryRow.next_at <= now)
        .order_by(AlertDeliveryRow.next_at, AlertDeliveryRow.id)
        .limit(limit)
    )
    return [
        DeliveryRecord(d.id, _record(a), d.event, d.channel, d.attempts, d.next_at, d.created_at)
        for d, a in s.execute(q)
    ]


def next_due(s: Session) -> float | None:
    value = s.scalar(
        select(func.min(AlertDeliveryRow.next_at)).where(AlertDeliveryRow.state == "pending")
    )
    return float(value) if value is not None else None


def claim(s: Session, delivery_id: int, seen_next_at: float, lease_until: float) -> bool:
    """Take the delivery for one sender: its ``next_at`` moves past the lease, so another
    worker (a second hub replica) does not send it meanwhile; a sender that dies leaves it
    due again when the lease ends."""
    result = s.execute(
        update(AlertDeliveryRow)
        .where(
            AlertDeliveryRow.id == delivery_id,
            AlertDeliveryRow.state == "pending",
            AlertDeliveryRow.next_at == seen_next_at,
        )
        .values(next_at=lease_until)
    )
    return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


def delivered(s: Session, delivery_id: int, now: float) -> None:
    s.execute(
        update(AlertDeliveryRow)
        .where(AlertDeliveryRow.id == delivery_id)
        .values(
            state="delivered",
            delivered_at=now,
            attempts=AlertDeliveryRow.attempts + 1,
            last_error=None,
        )
    )


def failed(s: Session, delivery_id: int, error: str, retry_at: float | None) -> None:
    """A failed attempt: due again at ``retry_at``; None abandons it (the channel is gone
    from the configuration)."""
    values: dict[str, Any] = {"attempts": AlertDeliveryRow.attempts + 1, "last_error": error[:2000]}
    if retry_at is None:
        values["state"] = "abandoned"
    else:
        values["next_at"] = retry_at
    s.execute(update(AlertDeliveryRow).where(AlertDeliveryRow.id == delivery_id).values(**values))


def delivery_counts(s: Session) -> dict[tuple[str, str], int]:
    q = select(AlertDeliveryRow.channel, AlertDeliveryRow.state, func.count()).group_by(
        AlertDeliveryRow.channel, AlertDeliveryRow.state
    )
    return {(c, st): int(n) for c, st, n in s.execute(q)}
