"""The hub's store: every read and write of the hub database goes through here.

    store = await Store.open(settings.database_url, evidence_dir=settings.evidence_dir)
    token = await store.issue_enrolment_token("r01")              # shown once
    secret = await store.enrol(token, "r01", "0.1.0")              # the agent's link secret
    await store.room_for_secret(secret)                            # -> "r01"
    await store.save_events("r01", [Event(...), ...])              # -> last stored id (ack it)
    await store.close()

The public methods are coroutines; the SQLAlchemy work runs on the store's own worker
threads (one for SQLite: its single writer, so no "database is locked" inside the hub;
a few for PostgreSQL), never on the event loop. Each method is one transaction.
The transactions of rooms, enrolment, events, checks and scenes are below; those of
accounts (users, sessions, API tokens, audit) are in :mod:`appliance.hub.db.accounts`.

Credentials (agent secrets, enrolment/API/session tokens) are stored as SHA-256 hashes
(:mod:`appliance.hub.security.credentials`); the store hands a new credential out once,
as the return value of the call that made it, and never logs it.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any, Final, ParamSpec, TypeVar, cast

from sqlalchemy import Engine, Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from appliance.hub.db import accounts, alerts, history, meetings, migrate
from appliance.hub.db.engine import is_sqlite, make_engine, make_sessions, normalize_url
from appliance.hub.db.errors import (
    ConflictError,
    EnrolmentRefused,
    EnrolmentRoomMismatch,
    InvalidInputError,
    NotFoundError,
    StoreError,
)
from appliance.hub.db.models import (
    AgentSecret,
    CheckResultRow,
    EnrolmentToken,
    EventRow,
    EvidenceRow,
    Room,
    Scene,
    SceneItem,
)
from appliance.hub.db.records import (
    ApiTokenRecord,
    AuditRecord,
    CheckResultRecord,
    EventRecord,
    EvidenceRecord,
    ImportReport,
    PresenceUpdate,
    Role,
    RoomIn,
    RoomRecord,
    SceneIn,
    SceneItemRecord,
    SceneRecord,
    SessionRecord,
    UserRecord,
    from_row,
)
from appliance.hub.security.credentials import new_secret, plausible_secret, secret_hash
from appliance.hub.security.passwords import hash_password_async
from appliance.link.messages import Event

__all__ = [
    "ConflictError",
    "EnrolmentRefused",
    "EnrolmentRoomMismatch",
    "InvalidInputError",
    "NotFoundError",
    "PresenceUpdate",
    "Store",
    "StoreError",
]

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

ENROL_TOKEN_TTL_S: Final = 24 * 3600.0  # docs/LINK.md §1
SESSION_TTL_S: Final = 12 * 3600.0  # one working day; a login per day is acceptable
PG_WORKERS: Final = 4
AUDIT_PAGE_MAX: Final = 1000
_FILE_NAME: Final = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
# Presence fields written only when the link server has them (None: keep the stored).
_PRESENCE_OPTIONAL: Final = ("devices", "presets", "agent_version", "boot_id", "clock_offset_s")


class Store:
    """Async facade over the hub database (see the module docstring)."""

    def __init__(
        self,
        engine: Engine,
        *,
        evidence_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self._sessions: sessionmaker[Session] = make_sessions(engine)
        self._evidence_dir = evidence_dir
        self._clock = clock
        workers = 1 if engine.dialect.name == "sqlite" else PG_WORKERS
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hub-db")
        self._closed = False
        self._audit_queue: list[tuple[accounts.AuditEntry, asyncio.Future[None]]] = []
        self._audit_writer: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        evidence_dir: Path | None = None,
        upgrade: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> Store:
        """Connect (and, by default, apply the migrations first: the hub does at start)."""
        url = normalize_url(url)
        if upgrade:
            await asyncio.to_thread(migrate.upgrade, url)
        return cls(make_engine(url), evidence_dir=evidence_dir, clock=clock)

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(str(self._engine.url))

    async def close(self) -> None:
        """Finish the queued work, stop the worker threads, close the connections."""
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._executor.shutdown, wait=True)
        self._engine.dispose()

    async def _run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._closed:
            raise StoreError("the store is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    # -- link history (reports) -----------------------------------------------------------

    async def open_link_session(self, room_id: str, replica: str | None = None) -> int:
        return await self._run(self._in_tx, history.open_session, room_id, self._clock(), replica)

    async def close_link_session(self, session_id: int) -> None:
        await self._run(self._in_tx, history.close_session, session_id, self._clock())

    async def close_dangling_link_sessions(self, replica: str | None = None) -> int:
        """At hub start: sessions a hub that died left open end now (history.py says why);
        with ``replica``, only that replica's."""
        return await self._run(self._in_tx, history.close_dangling, self._clock(), replica)

    async def link_spans(
        self, start: float, end: float, room_ids: Sequence[str]
    ) -> list[history.LinkSpan]:
        return await self._run(self._in_session, history.spans_between, start, end, room_ids)

    async def results_between(
        self, start: float, end: float, room_ids: Sequence[str]
    ) -> list[history.StoredResult]:
        return await self._run(self._in_session, history.results_between, start, end, room_ids)

    # -- meeting schedule ------------------------------------------------------------------

    async def create_meeting(
        self, meeting: meetings.MeetingIn, *, by: str | None = None
    ) -> meetings.MeetingRecord:
        return await self._run(self._in_tx, meetings.create, meeting, by, self._clock())

    async def change_meeting(
        self, meeting_id: int, meeting: meetings.MeetingIn
    ) -> meetings.MeetingRecord:
        return await self._run(self._in_tx, meetings.change, meeting_id, meeting, self._clock())

    async def delete_meeting(self, meeting_id: int) -> None:
        await self._run(self._in_tx, meetings.delete, meeting_id)

    async def get_meeting(self, meeting_id: int) -> meetings.MeetingRecord | None:
        return await self._run(self._in_session, meetings.get, meeting_id)

    async def active_meetings(self, since: float) -> list[meetings.MeetingRecord]:
        """Meetings with an occurrence that may end after ``since``."""
        return await self._run(self._in_session, meetings.list_active, since)

    async def import_meetings(
        self, rows: Sequence[meetings.MeetingIn], *, by: str | None = None
    ) -> meetings.ImportOutcome:
        """Create or update (by iCalendar UID) in ONE transaction."""
        return await self._run(self._in_tx, meetings.import_many, rows, by, self._clock())

    async def claim_meeting_check(self, meeting_id: int, occurrence_start: float) -> bool:
        """True for exactly one caller per occurrence (meetings.claim_check says how)."""
        return await self._run(self._in_tx, meetings.claim_check, meeting_id, occurrence_start)

    async def note_meeting_check(self, meeting_id: int, fleet_id: str) -> None:
        await self._run(self._in_tx, meetings.note_fleet_check, meeting_id, fleet_id)

    # -- alerts --------------------------------------------------------------------------

    async def raise_alert(
        self,
        room_id: str,
        rule: str,
        subject: str,
        severity: str,
        summary: str,
        data: dict[str, Any],
        began_at: float,
        channels: Sequence[str],
    ) -> alerts.AlertRecord | None:
        """The new alert with its deliveries queued; None when one is active already."""
        return await self._run(
            self._in_tx,
            alerts.raise_alert,
            room_id,
            rule,
            subject,
            severity,
            summary,
            data,
            began_at,
            channels,
            self._clock(),
        )

    async def resolve_alert(
        self, room_id: str, rule: str, subject: str, channels: Sequence[str]
    ) -> alerts.AlertRecord | None:
        return await self._run(
            self._in_tx, alerts.resolve_alert, room_id, rule, subject, channels, self._clock()
        )

    async def acknowledge_alert(self, alert_id: int, by: str) -> alerts.AlertRecord:
        return await self._run(self._in_tx, alerts.acknowledge, alert_id, by, self._clock())

    async def get_alert(self, alert_id: int) -> alerts.AlertRecord | None:
        return await self._run(self._in_session, alerts.get, alert_id)

    async def list_alerts(
        self,
        *,
        states: Sequence[str] | None = None,
        room_ids: Sequence[str] | None = None,
        since: float | None = None,
        limit: int = 200,
    ) -> list[alerts.AlertRecord]:
        return await self._run(
            self._in_session,
            functools.partial(
                alerts.listing, states=states, room_ids=room_ids, since=since, limit=limit
            ),
        )

    async def active_alert_keys(self) -> list[tuple[str, str, str]]:
        return await self._run(self._in_session, alerts.active_keys)

    async def alerts_resolved_between(
        self, start: float, end: float, room_ids: Sequence[str]
    ) -> list[alerts.AlertRecord]:
        return await self._run(self._in_session, alerts.resolved_between, start, end, room_ids)

    async def due_deliveries(self, limit: int = 50) -> list[alerts.DeliveryRecord]:
        return await self._run(self._in_session, alerts.due, self._clock(), limit)

    async def next_delivery_at(self) -> float | None:
        return await self._run(self._in_session, alerts.next_due)

    async def claim_delivery(self, delivery_id: int, seen_next_at: float, lease_s: float) -> bool:
        lease_until = self._clock() + lease_s
        return await self._run(self._in_tx, alerts.claim, delivery_id, seen_next_at, lease_until)

    async def delivery_done(self, delivery_id: int) -> None:
        await self._run(self._in_tx, alerts.delivered, delivery_id, self._clock())

    async def delivery_failed(self, delivery_id: int, error: str, retry_in_s: float | None) -> None:
        retry_at = None if retry_in_s is None else self._clock() + retry_in_s
        await self._run(self._in_tx, alerts.failed, delivery_id, error, retry_at)

    async def delivery_counts(self) -> dict[tuple[str, str], int]:
        return await self._run(self._in_session, alerts.delivery_counts)

    def _in_tx(self, fn: Callable[..., T], *args: Any) -> T:
        with self._sessions.begin() as s:
            return fn(s, *args)

    def _in_session(self, fn: Callable[..., T], *args: Any) -> T:
        with self._sessions() as s:
            return fn(s, *args)

    # -- rooms ---------------------------------------------------------------------------

    async def add_room(self, room: RoomIn) -> RoomRecord:
        """Add a new room; :class:`ConflictError` when its id exists."""
        return await self._run(self._add_room, room)

    async def import_rooms(self, rows: Sequence[RoomIn]) -> ImportReport:
        """Add or update rooms by id in ONE transaction (a bad file changes nothing)."""
        ids = [r.id for r in rows]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise InvalidInputError(
                f"room id listed twice: {', '.join(dupes)}",
                key="hub.store.rooms_twice",
                rooms=", ".join(dupes),
            )
        return await self._run(self._import_rooms, list(rows))

    async def get_room(self, room_id: str) -> RoomRecord | None:
        return await self._run(self._get_room, room_id)

    async def list_rooms(
        self,
        *,
        district: str | None = None,
        districts: Iterable[str] | None = None,
        room_ids: Iterable[str] | None = None,
    ) -> list[RoomRecord]:
        """Rooms by id; ``district`` filters one, ``districts`` limits to a set (a
        technician's scope), ``room_ids`` to chosen rooms."""
        return await self._run(
            self._list_rooms,
            district,
            None if districts is None else sorted(set(districts)),
            None if room_ids is None else sorted(set(room_ids)),
        )

    async def set_maintenance(self, room_id: str, on: bool) -> RoomRecord:
        return await self._run(self._set_maintenance, room_id, on)

    async def delete_room(self, room_id: str) -> None:
        """Remove a room with its events, results, tokens and secret (audit stays)."""
        await self._run(self._delete_room, room_id)

    async def flush_presence(self, batch: Sequence[PresenceUpdate]) -> int:
        """Write the in-memory presence of many rooms in one transaction; returns the
        number of rooms updated (unknown room ids are skipped)."""
        if not batch:
            return 0
        return await self._run(self._flush_presence, list(batch))

    # -- enrolment and the link ----------------------------------------------------------

    async def issue_enrolment_token(
        self, room_id: str, *, ttl_s: float = ENROL_TOKEN_TTL_S, by: str | None = None
    ) -> str:
        """A new one-time token for ``room_id`` (returned once; stored hashed)."""
        if ttl_s <= 0:
            raise InvalidInputError("the token's lifetime must be > 0 s", key="hub.store.bad_ttl")
        token = new_secret()
        await self._run(self._issue_enrolment_token, room_id, secret_hash(token), ttl_s, by)
        return token

    async def enrol(self, token: str, room_id: str, agent_version: str) -> str:
        """Spend ``token`` and return the room's new link secret (replacing any old one).

        :class:`EnrolmentRefused` for an unknown, used or expired token;
        :class:`EnrolmentRoomMismatch` when it was issued for another room (the token
        stays unused then: the technician typed the wrong room id).
        """
        if not plausible_secret(token):
            raise EnrolmentRefused(
                "enrolment token unknown, used or expired", key="hub.store.enrol_refused"
            )
        secret = new_secret()
        await self._run(
            self._enrol, secret_hash(token), room_id, agent_version[:64], secret_hash(secret)
        )
        log.info("room %s enrolled (agent %s)", room_id, agent_version[:64])
        return secret

    async def room_for_secret(self, secret: str | None) -> str | None:
        """The room whose link secret this is, or None (one indexed lookup)."""
        if secret is None or not plausible_secret(secret):
            return None
        return await self._run(self._room_for_secret, secret_hash(secret))

    async def save_events(self, room_id: str, events: Sequence[Event]) -> int:
        """Store events with their effects (a ``check.result`` row) in ONE transaction
        and return the room's last stored event id — the id to acknowledge.

        Idempotent: an event whose id is not above the stored last id is skipped (a
        resend after a lost ack). Ids may have gaps (coalesced progress events)."""
        return await self._run(self._save_events, room_id, list(events))

    async def last_event_id(self, room_id: str) -> int:
        """The newest stored event id of the room (0: none); NotFoundError for no room."""
        return await self._run(self._last_event_id, room_id)

    async def list_events(
        self, room_id: str, *, after: int = 0, kind: str | None = None, limit: int = 1000
    ) -> list[EventRecord]:
        return await self._run(self._list_events, room_id, after, kind, limit)

    # -- check results and evidence -------------------------------------------------------

    async def list_check_results(self, room_id: str, *, limit: int = 50) -> list[CheckResultRecord]:
        """The room's newest check results first."""
        return await self._run(self._list_check_results, room_id, limit)

    async def get_check_result(self, room_id: str, run_id: str) -> CheckResultRecord | None:
        return await self._run(self._get_check_result, room_id, run_id)

    async def save_evidence(
        self, room_id: str, run_id: str, name: str, content_type: str, data: bytes
    ) -> EvidenceRecord:
        """Store one evidence file fetched from the room under the evidence directory
        (written to a temporary name, fsynced, renamed) and record where it is."""
        if self._evidence_dir is None:
            raise StoreError("no evidence directory configured")
        for part in (room_id, run_id, name):
            if not _FILE_NAME.match(part) or part in (".", ".."):
                raise InvalidInputError(f"not a safe file name: {part!r}")
        rel = PurePosixPath(room_id, run_id, name)
        digest = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(_write_atomic, self._evidence_dir / rel, data)
        return await self._run(
            self._record_evidence, room_id, run_id, name, content_type, str(rel), len(data), digest
        )

    def evidence_file(self, evidence: EvidenceRecord) -> Path | None:
        if self._evidence_dir is None or evidence.path is None:
            return None
        return self._evidence_dir / evidence.path

    # -- scenes --------------------------------------------------------------------------

    async def create_scene(self, scene: SceneIn, *, by: str | None = None) -> SceneRecord:
        return await self._run(self._save_scene, None, scene, by)

    async def update_scene(self, scene_id: int, scene: SceneIn) -> SceneRecord:
        return await self._run(self._save_scene, scene_id, scene, None)

    async def get_scene(self, scene_id: int) -> SceneRecord | None:
        return await self._run(self._get_scene, scene_id)

    async def list_scenes(self) -> list[SceneRecord]:
        return await self._run(self._list_scenes)

    async def delete_scene(self, scene_id: int) -> None:
        await self._run(self._delete_scene, scene_id)

    # -- users ---------------------------------------------------------------------------

    async def create_user(
        self,
        username: str,
        password: str,
        role: Role,
        *,
        districts: Sequence[str] = (),
        lang: str = "vi",
    ) -> UserRecord:
        """Add an account (argon2 hash made off the event loop). WeakPasswordError
        (ValueError) for a password outside the policy."""
        accounts.check_role(role, districts)
        password_hash = await hash_password_async(password)
        return await self._run(
            accounts.create_user,
            self._sessions,
            self._clock(),
            username,
            password_hash,
            role,
            list(districts),
            lang,
        )

    async def get_user(self, user_id: int) -> UserRecord | None:
        return await self._run(accounts.get_user, self._sessions, user_id)

    async def get_user_by_name(self, username: str) -> UserRecord | None:
        return await self._run(accounts.get_user_by_name, self._sessions, username)

    async def list_users(self) -> list[UserRecord]:
        return await self._run(accounts.list_users, self._sessions)

    async def count_users(self, *, role: Role | None = None) -> int:
        return await self._run(accounts.count_users, self._sessions, role)

    async def update_user(
        self,
        user_id: int,
        *,
        role: Role | None = None,
        districts: Sequence[str] | None = None,
        lang: str | None = None,
        disabled: bool | None = None,
    ) -> UserRecord:
        """Change an account; disabling it or changing its role ends its sessions."""
        return await self._run(
            accounts.update_user,
            self._sessions,
            user_id,
            role,
            None if districts is None else list(districts),
            lang,
            disabled,
        )

    async def set_password(self, user_id: int, password: str) -> None:
        """New password; the account's sessions end and its lockout is cleared."""
        password_hash = await hash_password_async(password)
        await self._run(
            accounts.set_password, self._sessions, self._clock(), user_id, password_hash
        )

    async def delete_user(self, user_id: int) -> None:
        await self._run(accounts.delete_user, self._sessions, user_id)

    async def login_record(self, username: str) -> tuple[UserRecord, str] | None:
        """The account and its password hash, for the login check only."""
        return await self._run(accounts.login_record, self._sessions, username)

    async def note_login_failure(
        self, user_id: int, *, max_failures: int, lockout_s: float
    ) -> UserRecord:
        """Count a bad password; the ``max_failures``-th in a row locks the account for
        ``lockout_s``."""
        return await self._run(
            accounts.note_login_failure,
            self._sessions,
            self._clock(),
            user_id,
            max_failures,
            lockout_s,
        )

    async def note_login_success(self, user_id: int) -> None:
        await self._run(accounts.note_login_success, self._sessions, user_id)

    # -- sessions ------------------------------------------------------------------------

    async def create_session(
        self, user_id: int, *, ttl_s: float = SESSION_TTL_S, client: str | None = None
    ) -> tuple[str, str, SessionRecord]:
        """A new session: (cookie value, CSRF token, record); both values returned once."""
        token, csrf = new_secret(), new_secret()
        record = await self._run(
            accounts.create_session,
            self._sessions,
            self._clock(),
            user_id,
            secret_hash(token),
            secret_hash(csrf),
            ttl_s,
            client,
        )
        return token, csrf, record

    async def session_for_token(self, token: str | None) -> SessionRecord | None:
        """The live session of a cookie value (None: unknown, expired, or its user is
        disabled or locked)."""
        if token is None or not plausible_secret(token):
            return None
        return await self._run(
            accounts.session_for_token, self._sessions, self._clock(), secret_hash(token)
        )

    async def delete_session(self, token: str) -> None:
        if plausible_secret(token):
            await self._run(accounts.delete_session, self._sessions, secret_hash(token))

    # -- API tokens ----------------------------------------------------------------------

    async def create_api_token(
        self, user_id: int, name: str, *, ttl_s: float | None = None
    ) -> tuple[str, ApiTokenRecord]:
        """A new Bearer token acting as the user (returned once; stored hashed)."""
        if ttl_s is not None and ttl_s <= 0:
            raise InvalidInputError("the token's lifetime must be > 0 s", key="hub.store.bad_ttl")
        token = new_secret()
        record = await self._run(
            accounts.create_api_token,
            self._sessions,
            self._clock(),
            user_id,
            name,
            secret_hash(token),
            ttl_s,
        )
        return token, record

    async def user_for_api_token(
        self, token: str | None
    ) -> tuple[UserRecord, ApiTokenRecord] | None:
        if token is None or not plausible_secret(token):
            return None
        return await self._run(
            accounts.user_for_api_token, self._sessions, self._clock(), secret_hash(token)
        )

    async def list_api_tokens(self, user_id: int | None = None) -> list[ApiTokenRecord]:
        return await self._run(accounts.list_api_tokens, self._sessions, user_id)

    async def revoke_api_token(self, token_id: int, *, user_id: int | None = None) -> None:
        """Revoke a token (``user_id``: only if it is that user's)."""
        await self._run(accounts.revoke_api_token, self._sessions, token_id, user_id)

    # -- audit ---------------------------------------------------------------------------

    async def audit(
        self,
        who: str,
        room: str | None,
        action: str,
        args: dict[str, Any] | None,
        outcome: str,
        duration_s: float,
        *,
        error: str | None = None,
    ) -> None:
        """Write one audit row (arguments named like a credential are redacted); returns
        once it is committed.

        Rows that arrive while an earlier write is in the database thread are committed
        together in the next transaction (group commit): a scene recalled in 31 rooms
        costs two transactions, not 31 one after the other (bench/hub.py fan-out).
        """
        row = accounts.AuditEntry(
            at=self._clock(),
            who=who,
            room=room,
            action=action,
            args=accounts.redact(args or {}),
            outcome=outcome,
            duration_s=duration_s,
            error=error,
        )
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._audit_queue.append((row, done))
        if self._audit_writer is None or self._audit_writer.done():
            self._audit_writer = asyncio.create_task(self._write_audit(), name="audit-writer")
        await done

    async def _write_audit(self) -> None:
        while self._audit_queue:
            batch, self._audit_queue = self._audit_queue, []
            try:
                await self._run(accounts.audit_many, self._sessions, [row for row, _ in batch])
            except BaseException as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def list_audit(
        self,
        *,
        room_ids: Iterable[str] | None = None,
        room_id: str | None = None,
        who: str | None = None,
        action: str | None = None,
        since: float | None = None,
        before_id: int | None = None,
        limit: int = 200,
    ) -> list[AuditRecord]:
        """Newest first; ``room_ids`` limits to a scope, ``before_id`` pages back."""
        return await self._run(
            accounts.list_audit,
            self._sessions,
            None if room_ids is None else sorted(set(room_ids)),
            room_id,
            who,
            action,
            since,
            before_id,
            max(1, min(limit, AUDIT_PAGE_MAX)),
        )

    # ===================================================================================
    # Worker-thread side (one transaction per call)
    # ===================================================================================

    def _add_room(self, room: RoomIn) -> RoomRecord:
        try:
            with self._sessions.begin() as s:
                row = _new_room(room, self._clock())
                s.add(row)
                s.flush()
                return _room_record(row, enrolled=False)
        except IntegrityError:
            raise ConflictError(
                f"room {room.id} exists already", key="hub.store.room_exists", room=room.id
            ) from None

    def _import_rooms(self, rows: list[RoomIn]) -> ImportReport:
        added: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        now = self._clock()
        with self._sessions.begin() as s:
            existing = {
                r.id: r
                for r in s.scalars(select(Room).where(Room.id.in_([x.id for x in rows]))).all()
            }
            for room in rows:
                row = existing.get(room.id)
                if row is None:
                    s.add(_new_room(room, now))
                    added.append(room.id)
                elif (row.name, row.district) != (room.name, room.district):
                    row.name, row.district = room.name, room.district
                    updated.append(room.id)
                else:
                    unchanged.append(room.id)
        return ImportReport(added=added, updated=updated, unchanged=unchanged)

    def _get_room(self, room_id: str) -> RoomRecord | None:
        with self._sessions() as s:
            row = s.get(Room, room_id)
            if row is None:
                return None
            enrolled = s.get(AgentSecret, room_id) is not None
            return _room_record(row, enrolled=enrolled)

    def _list_rooms(
        self, district: str | None, districts: list[str] | None, room_ids: list[str] | None
    ) -> list[RoomRecord]:
        # Plain columns, no ORM objects: the fleet list of thousands of rooms stays cheap.
        q = (
            select(*Room.__table__.c, AgentSecret.room_id.label("secret_room"))
            .outerjoin(AgentSecret)
            .order_by(Room.id)
        )
        if district is not None:
            q = q.where(Room.district == district)
        if districts is not None:
            q = q.where(Room.district.in_(districts))
        if room_ids is not None:
            q = q.where(Room.id.in_(room_ids))
        with self._sessions() as s:
            return [
                _room_record(row, enrolled=row.secret_room is not None)
                for row in s.execute(q).all()
            ]

    def _set_maintenance(self, room_id: str, on: bool) -> RoomRecord:
        with self._sessions.begin() as s:
            row = _room_or_404(s, room_id)
            row.maintenance = on
            return _room_record(row, enrolled=s.get(AgentSecret, room_id) is not None)

    def _delete_room(self, room_id: str) -> None:
        with self._sessions.begin() as s:
            row = _room_or_404(s, room_id)
            # Children first: SQLite's ON DELETE CASCADE needs foreign_keys=ON, which our
            # engine sets, but a database opened by other tools may not have it.
            result_ids = select(CheckResultRow.id).where(CheckResultRow.room_id == room_id)
            s.execute(delete(EvidenceRow).where(EvidenceRow.result_id.in_(result_ids)))
            for model in (CheckResultRow, EventRow, EnrolmentToken, AgentSecret, SceneItem):
                s.execute(delete(model).where(model.room_id == room_id))
            s.delete(row)

    def _flush_presence(self, batch: list[PresenceUpdate]) -> int:
        # One compiled UPDATE per set of columns, sent as an executemany: 10,000 rooms
        # are one round of the driver, not 10,000 ORM statements.
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for p in batch:
            params: dict[str, Any] = {
                "b_id": p.room_id,
                "last_seen_at": p.last_seen_at,
                "health": p.health,
            }
            for name in _PRESENCE_OPTIONAL:
                value = getattr(p, name)
                if value is not None:
                    params[name] = value
            groups.setdefault(tuple(sorted(params)), []).append(params)
        rooms = cast(Table, Room.__table__)
        n = 0
        with self._engine.begin() as conn:
            for keys, rows in groups.items():
                stmt = (
                    update(rooms)
                    .where(rooms.c.id == bindparam("b_id"))
                    .values({k: bindparam(k) for k in keys if k != "b_id"})
                )
                res = conn.execute(stmt, rows)
                n += (
                    _rowcount(res)
                    if self._engine.dialect.supports_sane_multi_rowcount
                    else len(rows)
                )
        return n

    def _issue_enrolment_token(
        self, room_id: str, token_hash: str, ttl_s: float, by: str | None
    ) -> None:
        now = self._clock()
        with self._sessions.begin() as s:
            _room_or_404(s, room_id)
            s.add(
                EnrolmentToken(
                    room_id=room_id,
                    token_hash=token_hash,
                    created_at=now,
                    expires_at=now + ttl_s,
                    created_by=by,
                )
            )

    def _enrol(self, token_hash: str, room_id: str, agent_version: str, secret_h: str) -> None:
        now = self._clock()
        with self._sessions.begin() as s:
            tok = s.scalars(
                select(EnrolmentToken).where(EnrolmentToken.token_hash == token_hash)
            ).one_or_none()
            if tok is None or tok.used_at is not None or tok.expires_at <= now:
                raise EnrolmentRefused(
                    "enrolment token unknown, used or expired", key="hub.store.enrol_refused"
                )
            if tok.room_id != room_id:
                raise EnrolmentRoomMismatch(
                    f"this enrolment token was issued for another room, not {room_id}",
                    key="hub.store.enrol_other_room",
                    room=room_id,
                )
            # Spend the token with a guarded UPDATE: of two concurrent enrolments with
            # the same token, exactly one changes the row (PostgreSQL row lock).
            spent = s.execute(
                update(EnrolmentToken)
                .where(EnrolmentToken.id == tok.id, EnrolmentToken.used_at.is_(None))
                .values(used_at=now)
            )
            if _rowcount(spent) != 1:
                raise EnrolmentRefused(
                    "enrolment token unknown, used or expired", key="hub.store.enrol_refused"
                )
            current = s.get(AgentSecret, room_id)
            if current is None:
                s.add(
                    AgentSecret(
                        room_id=room_id,
                        secret_hash=secret_h,
                        enrolled_at=now,
                        agent_version=agent_version,
                    )
                )
            else:
                current.secret_hash = secret_h
                current.enrolled_at = now
                current.agent_version = agent_version

    def _room_for_secret(self, secret_h: str) -> str | None:
        with self._sessions() as s:
            return s.scalars(
                select(AgentSecret.room_id).where(AgentSecret.secret_hash == secret_h)
            ).one_or_none()

    def _save_events(self, room_id: str, events: list[Event]) -> int:
        now = self._clock()
        for attempt in (1, 2):
            try:
                with self._sessions.begin() as s:
                    # Only the counter is read (row-locked on PostgreSQL), not the room's
                    # JSON columns; the events go in as one multi-row INSERT.
                    found = s.execute(
                        select(Room.last_event_id).where(Room.id == room_id).with_for_update()
                    ).one_or_none()
                    if found is None:
                        raise NotFoundError(
                            f"room {room_id} does not exist",
                            key="hub.store.room_not_found",
                            room=room_id,
                        )
                    last = first = found[0]
                    rows: list[dict[str, Any]] = []
                    results: list[Event] = []
                    for ev in sorted(events, key=lambda e: e.id):
                        if ev.id <= last:
                            continue
                        rows.append(
                            {
                                "room_id": room_id,
                                "event_id": ev.id,
                                "at": ev.at,
                                "received_at": now,
                                "kind": ev.kind,
                                "data": ev.data,
                            }
                        )
                        if ev.kind == "check.result":
                            results.append(ev)
                        last = ev.id
                    if rows:
                        s.execute(insert(EventRow), rows)
                    for ev in results:
                        _add_check_result(s, room_id, ev)
                    if last != first:
                        s.execute(update(Room).where(Room.id == room_id).values(last_event_id=last))
                    return last
            except IntegrityError:
                # Only reachable when another writer stored the same event between our
                # read and our insert (a second hub replica): re-read and skip it.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _last_event_id(self, room_id: str) -> int:
        with self._sessions() as s:
            last = s.scalars(select(Room.last_event_id).where(Room.id == room_id)).one_or_none()
            if last is None:
                raise NotFoundError(
                    f"room {room_id} does not exist", key="hub.store.room_not_found", room=room_id
                )
            return last

    def _list_events(
        self, room_id: str, after: int, kind: str | None, limit: int
    ) -> list[EventRecord]:
        q = (
            select(EventRow)
            .where(EventRow.room_id == room_id, EventRow.event_id > after)
            .order_by(EventRow.event_id)
            .limit(limit)
        )
        if kind is not None:
            q = q.where(EventRow.kind == kind)
        with self._sessions() as s:
            return [from_row(EventRecord, e) for e in s.scalars(q).all()]

    def _list_check_results(self, room_id: str, limit: int) -> list[CheckResultRecord]:
        with self._sessions() as s:
            rows = s.scalars(
                select(CheckResultRow)
                .where(CheckResultRow.room_id == room_id)
                .order_by(CheckResultRow.event_id.desc())
                .limit(limit)
            ).all()
            return [_result_record(s, r) for r in rows]

    def _get_check_result(self, room_id: str, run_id: str) -> CheckResultRecord | None:
        with self._sessions() as s:
            row = s.scalars(
                select(CheckResultRow)
                .where(CheckResultRow.room_id == room_id, CheckResultRow.run_id == run_id)
                .order_by(CheckResultRow.event_id.desc())
                .limit(1)
            ).one_or_none()
            return None if row is None else _result_record(s, row)

    def _record_evidence(
        self,
        room_id: str,
        run_id: str,
        name: str,
        content_type: str,
        rel: str,
        size: int,
        digest: str,
    ) -> EvidenceRecord:
        with self._sessions.begin() as s:
            result = s.scalars(
                select(CheckResultRow)
                .where(CheckResultRow.room_id == room_id, CheckResultRow.run_id == run_id)
                .order_by(CheckResultRow.event_id.desc())
                .limit(1)
            ).one_or_none()
            if result is None:
                raise NotFoundError(
                    f"no check result {run_id} of room {room_id}",
                    key="hub.store.no_result",
                    run=run_id,
                    room=room_id,
                )
            ev = s.scalars(
                select(EvidenceRow).where(
                    EvidenceRow.result_id == result.id, EvidenceRow.name == name
                )
            ).one_or_none()
            if ev is None:
                ev = EvidenceRow(result_id=result.id, item_id="", name=name)
                s.add(ev)
            ev.content_type = content_type[:64]
            ev.path = rel
            ev.size = size
            ev.sha256 = digest
            ev.fetched_at = self._clock()
            s.flush()
            return _evidence_record(ev)

    def _save_scene(self, scene_id: int | None, scene: SceneIn, by: str | None) -> SceneRecord:
        now = self._clock()
        try:
            with self._sessions.begin() as s:
                wanted = {i.room_id for i in scene.items}
                found = set(s.scalars(select(Room.id).where(Room.id.in_(wanted))).all())
                missing = sorted(wanted - found)
                if missing:
                    raise InvalidInputError(
                        f"unknown room(s) in scene: {', '.join(missing)}",
                        key="hub.store.scene_unknown_rooms",
                        rooms=", ".join(missing),
                    )
                if scene_id is None:
                    row = Scene(name=scene.name, created_at=now, updated_at=now, created_by=by)
                    s.add(row)
                    s.flush()
                else:
                    found_row = s.get(Scene, scene_id)
                    if found_row is None:
                        raise NotFoundError(
                            f"scene {scene_id} does not exist",
                            key="hub.store.scene_not_found",
                            scene=scene_id,
                        )
                    row = found_row
                    row.name = scene.name
                    row.updated_at = now
                    s.execute(delete(SceneItem).where(SceneItem.scene_id == row.id))
                for pos, item in enumerate(scene.items):
                    s.add(
                        SceneItem(
                            scene_id=row.id,
                            position=pos,
                            room_id=item.room_id,
                            camera=item.camera,
                            preset=item.preset,
                        )
                    )
                s.flush()
                return _scene_record(s, row)
        except IntegrityError:
            raise ConflictError(
                f"a scene named {scene.name!r} exists already",
                key="hub.store.scene_exists",
                name=scene.name,
            ) from None

    def _get_scene(self, scene_id: int) -> SceneRecord | None:
        with self._sessions() as s:
            row = s.get(Scene, scene_id)
            return None if row is None else _scene_record(s, row)

    def _list_scenes(self) -> list[SceneRecord]:
        with self._sessions() as s:
            return [_scene_record(s, r) for r in s.scalars(select(Scene).order_by(Scene.name))]

    def _delete_scene(self, scene_id: int) -> None:
        with self._sessions.begin() as s:
            row = s.get(Scene, scene_id)
            if row is None:
                raise NotFoundError(
                    f"scene {scene_id} does not exist",
                    key="hub.store.scene_not_found",
                    scene=scene_id,
                )
            s.execute(delete(SceneItem).where(SceneItem.scene_id == scene_id))
            s.delete(row)


# -- helpers ------------------------------------------------------------------------------


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _new_room(room: RoomIn, now: float) -> Room:
    return Room(
        id=room.id,
        name=room.name,
        district=room.district,
        maintenance=False,
        created_at=now,
        last_event_id=0,
        health="unknown",
        devices=[],
        presets={},
    )


def _room_or_404(s: Session, room_id: str) -> Room:
    row = s.get(Room, room_id)
    if row is None:
        raise NotFoundError(
            f"room {room_id} does not exist", key="hub.store.room_not_found", room=room_id
        )
    return row


def _room_record(row: Any, *, enrolled: bool) -> RoomRecord:
    """From an ORM row or a Core row with the same column names."""
    return from_row(
        RoomRecord,
        row,
        enrolled=enrolled,
        devices=list(row.devices or []),
        presets=dict(row.presets or {}),
    )


def _evidence_record(row: EvidenceRow) -> EvidenceRecord:
    return from_row(EvidenceRecord, row)


def _result_record(s: Session, row: CheckResultRow) -> CheckResultRecord:
    evidence = s.scalars(
        select(EvidenceRow).where(EvidenceRow.result_id == row.id).order_by(EvidenceRow.id)
    ).all()
    return from_row(CheckResultRecord, row, evidence=[_evidence_record(e) for e in evidence])


def _scene_record(s: Session, row: Scene) -> SceneRecord:
    items = s.scalars(
        select(SceneItem).where(SceneItem.scene_id == row.id).order_by(SceneItem.position)
    ).all()
    return from_row(SceneRecord, row, items=[from_row(SceneItemRecord, i) for i in items])


def _add_check_result(s: Session, room_id: str, ev: Event) -> None:
    """The ``check.result`` event's row and its evidence list (files fetched later)."""
    data = ev.data
    run_id = data.get("run_id")
    if not isinstance(run_id, str) or not run_id or len(run_id) > 64:
        # Stored as an event all the same; without a run id there is nothing to index.
        log.warning("room %s: check.result event %d has no usable run_id", room_id, ev.id)
        return
    status = data.get("status")
    overall = data.get("overall")
    result = CheckResultRow(
        room_id=room_id,
        event_id=ev.id,
        run_id=run_id,
        status=str(status)[:32] if status is not None else "unknown",
        overall=str(overall)[:32] if overall is not None else None,
        at=ev.at,
        data=data,
    )
    s.add(result)
    s.flush()
    seen: set[str] = set()
    items = data.get("results")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("evidence"), dict):
            continue
        for value in item["evidence"].values():
            # File evidence is the agent's path of the file; other values (a levels line)
            # are text and stay in ``data`` only.
            if not isinstance(value, str) or "/" not in value:
                continue
            name = PurePosixPath(value).name
            if _FILE_NAME.match(name) and name not in seen:
                seen.add(name)
                s.add(
                    EvidenceRow(
                        result_id=result.id, item_id=str(item.get("id", ""))[:200], name=name
                    )
                )


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
