"""The hub's tables (SQLAlchemy 2 declarative); Alembic migrations follow this file.

    rooms ─┬─ agent_secrets        (one row per enrolled room: hash of its link secret)
           ├─ enrolment_tokens     (hashed, one use, expiry)
           ├─ events               (unique (room_id, event_id): an event is stored once)
           │    └─ check_results ─ evidence
           └─ scene_items ─ scenes
    users ─┬─ sessions             (hashed cookie value + hashed CSRF token)
           └─ api_tokens           (hashed Bearer tokens)
    audit_log                      (no foreign keys: the trail outlives rooms and users)
    link_sessions                  (a room's link from hello to close: time online, reports)
    meetings                       (schedule: one-off and weekly; the automatic check claimed once)
    alerts ─ alert_deliveries      (open / acknowledged / resolved; the notifications outbox)

Times are epoch seconds (``float``): the same on SQLite and PostgreSQL, no time-zone
conversions, and directly comparable with the agents' ``sent_at``/``at``. Every secret
(agent secret, enrolment token, session, CSRF and API token) is stored as the SHA-256 of a
high-entropy random value (:mod:`appliance.hub.security.secrets`), so a lookup is one
indexed equality and a copy of the database gives no usable credential. Passwords are
argon2 hashes.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names: Alembic can compare and drop them on both SQLite and PostgreSQL.
NAMING_CONVENTION: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LEN: Final = 64  # room ids, camera ids, run ids: appliance.link's _Id
NAME_LEN: Final = 200
HASH_LEN: Final = 64  # SHA-256, hex


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012 (SQLAlchemy API)


class Room(Base):
    __tablename__ = "rooms"

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LEN))
    district: Mapped[str] = mapped_column(String(NAME_LEN), index=True)
    maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)
    # The newest event id stored for this room: save_events and the link's welcome read it
    # in O(1) instead of max(events.event_id).
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    # Presence, flushed in batches by the link server (a heartbeat costs no DB write).
    last_seen_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    health: Mapped[str] = mapped_column(String(16), default="unknown")
    devices: Mapped[list[Any]] = mapped_column(JSON, default=list)
    presets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    agent_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    boot_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    clock_offset_s: Mapped[float | None] = mapped_column(Float, nullable=True)


class AgentSecret(Base):
    """The room's link secret (hash). Re-enrolment replaces the row's hash: one per room."""

    __tablename__ = "agent_secrets"

    room_id: Mapped[str] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True
    )
    secret_hash: Mapped[str] = mapped_column(String(HASH_LEN), unique=True)
    enrolled_at: Mapped[float] = mapped_column(Float)
    agent_version: Mapped[str] = mapped_column(String(64))


class EnrolmentToken(Base):
    __tablename__ = "enrolment_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(HASH_LEN), unique=True)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(NAME_LEN), nullable=True)


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("room_id", "event_id", name="uq_events_room_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[float] = mapped_column(Float)
    received_at: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CheckResultRow(Base):
    """One finished readiness run of one room (from a ``check.result`` event)."""

    __tablename__ = "check_results"
    __table_args__ = (
        UniqueConstraint("room_id", "event_id", name="uq_check_results_room_event"),
        Index("ix_check_results_room_run", "room_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[str] = mapped_column(String(ID_LEN))
    status: Mapped[str] = mapped_column(String(32))
    overall: Mapped[str | None] = mapped_column(String(32), nullable=True)
    at: Mapped[float] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class EvidenceRow(Base):
    """One evidence item a check result names; ``path`` is set once the file is fetched
    from the room and stored under the hub's evidence directory (relative to it)."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("result_id", "name", name="uq_evidence_result_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("check_results.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(NAME_LEN))
    name: Mapped[str] = mapped_column(String(128))
    content_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    path: Mapped[str | None] = mapped_column(String(512), nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(HASH_LEN), nullable=True)
    fetched_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Scene(Base):
    __tablename__ = "scenes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(NAME_LEN), unique=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str | None] = mapped_column(String(NAME_LEN), nullable=True)


class SceneItem(Base):
    __tablename__ = "scene_items"
    __table_args__ = (
        UniqueConstraint("scene_id", "room_id", "camera", name="uq_scene_items_target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scene_id: Mapped[int] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    camera: Mapped[str] = mapped_column(String(ID_LEN))
    preset: Mapped[str] = mapped_column(String(ID_LEN))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    # Technicians: the districts whose rooms they may see and command (other roles: empty).
    districts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    lang: Mapped[str] = mapped_column(String(8), default="vi")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    password_changed_at: Mapped[float] = mapped_column(Float)


class SessionRow(Base):
    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(HASH_LEN), unique=True)
    csrf_hash: Mapped[str] = mapped_column(String(HASH_LEN))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[float] = mapped_column(Float)
    last_seen_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    client: Mapped[str | None] = mapped_column(String(NAME_LEN), nullable=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(HASH_LEN), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_LEN))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    who: Mapped[str] = mapped_column(String(NAME_LEN), index=True)
    room_id: Mapped[str | None] = mapped_column(String(ID_LEN), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)


class LinkSessionRow(Base):
    """One link of a room, from its hello to its close (reports: time online).

    ``disconnected_at`` is None while the link is up; a hub that died leaves it None and
    closes it at its next start (appliance/hub/db/history.py says with which time).
    """

    __tablename__ = "link_sessions"
    __table_args__ = (Index("ix_link_sessions_room_connected", "room_id", "connected_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    connected_at: Mapped[float] = mapped_column(Float)
    disconnected_at: Mapped[float | None] = mapped_column(Float, nullable=True, index=True)
    # The hub process (replica id) that holds the link; None for a hub run alone. A replica
    # closes its own dangling sessions at start, the leader those of a replica that died.
    replica: Mapped[str | None] = mapped_column(String(ID_LEN), nullable=True)


class MeetingRow(Base):
    """A meeting of some rooms: one-off, or weekly from ``starts_at`` (until ``until_at``).

    ``checked_for`` is the start of the occurrence whose automatic readiness check has been
    claimed: a conditional update of it is how exactly one hub process (of several, or of a
    restarted one) runs each occurrence's check (appliance/hub/schedule.py).
    """

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(NAME_LEN))
    starts_at: Mapped[float] = mapped_column(Float, index=True)
    ends_at: Mapped[float] = mapped_column(Float)
    weekly: Mapped[bool] = mapped_column(Boolean, default=False)
    until_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    rooms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    check_before_s: Mapped[float] = mapped_column(Float)
    power_on: Mapped[bool] = mapped_column(Boolean, default=False)
    # The iCalendar UID of an imported meeting: importing the same file again updates it.
    uid: Mapped[str | None] = mapped_column(String(NAME_LEN), nullable=True, unique=True)
    created_by: Mapped[str | None] = mapped_column(String(NAME_LEN), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    checked_for: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_fleet_check: Mapped[str | None] = mapped_column(String(ID_LEN), nullable=True)


class AlertRow(Base):
    """One alert of a room: raised after its rule's hold-down, acknowledged by a person,
    resolved when the condition ends. At most one active (open or acknowledged) alert per
    (room, rule, subject): appliance/hub/db/alerts.py keeps that in one transaction."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_room_rule_state", "room_id", "rule", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(String(ID_LEN))  # no FK: history outlives the room
    rule: Mapped[str] = mapped_column(String(32))  # offline / check_failed / device_lost
    subject: Mapped[str] = mapped_column(String(ID_LEN), default="")  # a device id, or ""
    severity: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)  # open / acknowledged / resolved
    summary: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    began_at: Mapped[float] = mapped_column(Float)  # the condition began (hold-down start)
    raised_at: Mapped[float] = mapped_column(Float, index=True)
    acked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    acked_by: Mapped[str | None] = mapped_column(String(NAME_LEN), nullable=True)
    resolved_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class AlertDeliveryRow(Base):
    """One notification (an alert firing or resolved) to one channel, kept until the
    channel took it: the outbox the delivery worker drains across hub restarts."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_alert_deliveries_state_next", "state", "next_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(16))  # firing / resolved
    channel: Mapped[str] = mapped_column(String(NAME_LEN))  # the name in the alerts config
    state: Mapped[str] = mapped_column(String(16))  # pending / delivered / abandoned
    created_at: Mapped[float] = mapped_column(Float)
    next_at: Mapped[float] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[float | None] = mapped_column(Float, nullable=True)
