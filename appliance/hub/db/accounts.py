"""Accounts in the hub database: users, login counters, sessions, API tokens, audit log.

Plain functions run on the store's worker thread (:class:`appliance.hub.store.Store` is
the async facade): each takes the session factory (and ``now`` where time matters) and
is one transaction. Credentials arrive already hashed (SHA-256 of a random value,
argon2 for passwords); nothing here sees one in plain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from appliance.hub.db.errors import ConflictError, InvalidInputError, NotFoundError, StoreError
from appliance.hub.db.models import ApiToken, AuditRow, SessionRow, User
from appliance.hub.db.records import (
    ROLES,
    ApiTokenRecord,
    AuditRecord,
    Role,
    SessionRecord,
    UserRecord,
    from_row,
)

# A session's last-seen time is written at most this often (not on every request).
SESSION_TOUCH_S: Final = 60.0
# Argument names whose values never reach the audit log.
_REDACT: Final = re.compile(r"pass|secret|token|key|cookie|csrf", re.IGNORECASE)


def create_user(
    sessions: sessionmaker[Session],
    now: float,
    username: str,
    password_hash: str,
    role: Role,
    districts: list[str],
    lang: str,
) -> UserRecord:
    try:
        with sessions.begin() as s:
            row = User(
                username=username,
                password_hash=password_hash,
                role=role,
                districts=districts,
                lang=lang,
                disabled=False,
                failed_logins=0,
                created_at=now,
                password_changed_at=now,
            )
            s.add(row)
            s.flush()
            return _user_record(row)
    except IntegrityError:
        raise ConflictError(
            f"user {username} exists already", key="hub.store.user_exists", user=username
        ) from None


def get_user(sessions: sessionmaker[Session], user_id: int) -> UserRecord | None:
    with sessions() as s:
        row = s.get(User, user_id)
        return None if row is None else _user_record(row)


def get_user_by_name(sessions: sessionmaker[Session], username: str) -> UserRecord | None:
    with sessions() as s:
        row = s.scalars(select(User).where(User.username == username)).one_or_none()
        return None if row is None else _user_record(row)


def list_users(sessions: sessionmaker[Session]) -> list[UserRecord]:
    with sessions() as s:
        return [_user_record(r) for r in s.scalars(select(User).order_by(User.username))]


def count_users(sessions: sessionmaker[Session], role: Role | None) -> int:
    q = select(func.count()).select_from(User)
    if role is not None:
        q = q.where(User.role == role)
    with sessions() as s:
        return int(s.scalar(q) or 0)


def update_user(
    sessions: sessionmaker[Session],
    user_id: int,
    role: Role | None,
    districts: list[str] | None,
    lang: str | None,
    disabled: bool | None,
) -> UserRecord:
    with sessions.begin() as s:
        row = _user_or_404(s, user_id)
        new_role: Role = role if role is not None else _role(row.role)
        new_districts = districts if districts is not None else list(row.districts)
        check_role(new_role, new_districts)
        end_sessions = (role is not None and role != row.role) or bool(disabled)
        row.role = new_role
        row.districts = new_districts if new_role == "technician" else []
        if lang is not None:
            row.lang = lang
        if disabled is not None:
            row.disabled = disabled
        if end_sessions:
            s.execute(delete(SessionRow).where(SessionRow.user_id == user_id))
        return _user_record(row)


def set_password(
    sessions: sessionmaker[Session], now: float, user_id: int, password_hash: str
) -> None:
    with sessions.begin() as s:
        row = _user_or_404(s, user_id)
        row.password_hash = password_hash
        row.password_changed_at = now
        row.failed_logins = 0
        row.locked_until = None
        s.execute(delete(SessionRow).where(SessionRow.user_id == user_id))


def delete_user(sessions: sessionmaker[Session], user_id: int) -> None:
    with sessions.begin() as s:
        row = _user_or_404(s, user_id)
        s.execute(delete(SessionRow).where(SessionRow.user_id == user_id))
        s.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
        s.delete(row)


def login_record(sessions: sessionmaker[Session], username: str) -> tuple[UserRecord, str] | None:
    with sessions() as s:
        row = s.scalars(select(User).where(User.username == username)).one_or_none()
        return None if row is None else (_user_record(row), row.password_hash)


def note_login_failure(
    sessions: sessionmaker[Session], now: float, user_id: int, max_failures: int, lockout_s: float
) -> UserRecord:
    with sessions.begin() as s:
        row = _user_or_404(s, user_id)
        if row.locked_until is not None and row.locked_until <= now:
            row.failed_logins = 0  # the last lockout has run out: a fresh count
            row.locked_until = None
        row.failed_logins += 1
        if row.failed_logins >= max_failures:
            row.locked_until = now + lockout_s
        return _user_record(row)


def note_login_success(sessions: sessionmaker[Session], user_id: int) -> None:
    with sessions.begin() as s:
        row = _user_or_404(s, user_id)
        row.failed_logins = 0
        row.locked_until = None


def create_session(
    sessions: sessionmaker[Session],
    now: float,
    user_id: int,
    token_h: str,
    csrf_h: str,
    ttl_s: float,
    client: str | None,
) -> SessionRecord:
    with sessions.begin() as s:
        user = _user_or_404(s, user_id)
        row = SessionRow(
            token_hash=token_h,
            csrf_hash=csrf_h,
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + ttl_s,
            client=None if client is None else client[:200],
        )
        s.add(row)
        # Housekeeping: expired sessions of this user go now.
        s.execute(
            delete(SessionRow).where(SessionRow.user_id == user_id, SessionRow.expires_at <= now)
        )
        s.flush()
        return SessionRecord(
            id=row.id, user=_user_record(user), csrf_hash=csrf_h, expires_at=row.expires_at
        )


def session_for_token(
    sessions: sessionmaker[Session], now: float, token_h: str
) -> SessionRecord | None:
    with sessions() as s:
        found = s.execute(
            select(SessionRow, User)
            .join(User, User.id == SessionRow.user_id)
            .where(SessionRow.token_hash == token_h)
        ).one_or_none()
        if found is None:
            return None
        row, user = found
        if row.expires_at <= now or not _user_usable(user, now):
            return None
        if now - row.last_seen_at >= SESSION_TOUCH_S:
            row.last_seen_at = now
            s.commit()
        return SessionRecord(
            id=row.id,
            user=_user_record(user),
            csrf_hash=row.csrf_hash,
            expires_at=row.expires_at,
        )


def delete_session(sessions: sessionmaker[Session], token_h: str) -> None:
    with sessions.begin() as s:
        s.execute(delete(SessionRow).where(SessionRow.token_hash == token_h))


def create_api_token(
    sessions: sessionmaker[Session],
    now: float,
    user_id: int,
    name: str,
    token_h: str,
    ttl_s: float | None,
) -> ApiTokenRecord:
    with sessions.begin() as s:
        _user_or_404(s, user_id)
        row = ApiToken(
            token_hash=token_h,
            user_id=user_id,
            name=name[:200],
            created_at=now,
            expires_at=None if ttl_s is None else now + ttl_s,
            revoked=False,
        )
        s.add(row)
        s.flush()
        return _token_record(row)


def user_for_api_token(
    sessions: sessionmaker[Session], now: float, token_h: str
) -> tuple[UserRecord, ApiTokenRecord] | None:
    with sessions() as s:
        found = s.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == token_h)
        ).one_or_none()
        if found is None:
            return None
        tok, user = found
        if tok.revoked or (tok.expires_at is not None and tok.expires_at <= now):
            return None
        if not _user_usable(user, now):
            return None
        if tok.last_used_at is None or now - tok.last_used_at >= SESSION_TOUCH_S:
            tok.last_used_at = now
            s.commit()
        return _user_record(user), _token_record(tok)


def list_api_tokens(sessions: sessionmaker[Session], user_id: int | None) -> list[ApiTokenRecord]:
    q = select(ApiToken).order_by(ApiToken.id)
    if user_id is not None:
        q = q.where(ApiToken.user_id == user_id)
    with sessions() as s:
        return [_token_record(t) for t in s.scalars(q).all()]


def revoke_api_token(sessions: sessionmaker[Session], token_id: int, user_id: int | None) -> None:
    with sessions.begin() as s:
        tok = s.get(ApiToken, token_id)
        if tok is None or (user_id is not None and tok.user_id != user_id):
            raise NotFoundError(
                f"API token {token_id} does not exist",
                key="hub.store.token_not_found",
                token=token_id,
            )
        tok.revoked = True


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: float
    who: str
    room: str | None
    action: str
    args: dict[str, Any]
    outcome: str
    duration_s: float
    error: str | None


def audit_many(sessions: sessionmaker[Session], rows: list[AuditEntry]) -> None:
    """Several audit rows in one transaction (Store.audit's group commit)."""
    with sessions.begin() as s:
        s.add_all(
            AuditRow(
                at=r.at,
                who=r.who[:200],
                room_id=None if r.room is None else r.room[:64],
                action=r.action[:64],
                args=r.args,
                outcome=r.outcome[:32],
                error=None if r.error is None else r.error[:4096],
                duration_s=max(0.0, r.duration_s),
            )
            for r in rows
        )


def list_audit(
    sessions: sessionmaker[Session],
    room_ids: list[str] | None,
    room_id: str | None,
    who: str | None,
    action: str | None,
    since: float | None,
    before_id: int | None,
    limit: int,
) -> list[AuditRecord]:
    q = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if room_ids is not None:
        q = q.where(AuditRow.room_id.in_(room_ids))
    if room_id is not None:
        q = q.where(AuditRow.room_id == room_id)
    if who is not None:
        q = q.where(AuditRow.who == who)
    if action is not None:
        q = q.where(AuditRow.action == action)
    if since is not None:
        q = q.where(AuditRow.at >= since)
    if before_id is not None:
        q = q.where(AuditRow.id < before_id)
    with sessions() as s:
        return [from_row(AuditRecord, r) for r in s.scalars(q).all()]


# -- helpers ---------------------------------------------------------------------------


def redact(args: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``args`` whose credential-like keys (password, token, secret…) read ***."""
    out: dict[str, Any] = {}
    for key, value in args.items():
        if _REDACT.search(str(key)):
            out[key] = "***"
        elif isinstance(value, dict):
            out[key] = redact(value)
        else:
            out[key] = value
    return out


def check_role(role: str, districts: Sequence[str]) -> None:
    if role not in ROLES:
        raise InvalidInputError(
            f"unknown role {role!r} (one of {', '.join(ROLES)})",
            key="hub.store.unknown_role",
            role=role,
            roles=", ".join(ROLES),
        )
    if role == "technician" and not districts:
        raise InvalidInputError(
            "a technician needs at least one district", key="hub.store.technician_district"
        )


def _role(value: str) -> Role:
    for r in ROLES:
        if r == value:
            return r
    raise StoreError(f"stored role {value!r} is not a role")


def _user_usable(user: User, now: float) -> bool:
    return not user.disabled and (user.locked_until is None or user.locked_until <= now)


def _user_or_404(s: Session, user_id: int) -> User:
    row = s.get(User, user_id)
    if row is None:
        raise NotFoundError(
            f"user {user_id} does not exist", key="hub.store.user_not_found", user=user_id
        )
    return row


def _user_record(row: User) -> UserRecord:
    return from_row(
        UserRecord, row, role=_role(row.role), districts=[str(d) for d in row.districts or []]
    )


def _token_record(row: ApiToken) -> ApiTokenRecord:
    return from_row(ApiTokenRecord, row)
