"""Password login with a rate limit per client and a lockout per account.

    guard = LoginGuard()                         # production values below
    outcome = await guard.login(store, "an", "…", client="10.0.0.7")

Two independent brakes (OWASP Authentication Cheat Sheet, "Protect against automated
attacks"):

- **rate limit** per client address: at most ``rate_per_window`` attempts in a sliding
  ``window_s``; more are refused (429) without touching the password hash, so guessing
  cannot burn CPU either;
- **lockout** per account: ``max_failures`` wrong passwords in a row lock it for
  ``lockout_s`` (kept in the database, so a restart does not unlock it). A locked
  account is refused even with the right password until the time has run out.

A missing user and a wrong password give the same answer and take the same time
(argon2 runs against a dummy hash). No password ever reaches a log line.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from appliance.hub.db.records import SessionRecord, UserRecord
from appliance.hub.security.passwords import MAX_PASSWORD_LEN, verify_password_async
from appliance.hub.store import SESSION_TTL_S, Store

log = logging.getLogger(__name__)

MAX_FAILURES: Final = 5
LOCKOUT_S: Final = 15 * 60.0
RATE_PER_WINDOW: Final = 20
RATE_WINDOW_S: Final = 60.0
# Clients remembered by the rate limiter; the oldest are forgotten beyond this.
MAX_TRACKED_CLIENTS: Final = 10_000


@dataclass(frozen=True)
class LoginOutcome:
    status: Literal["ok", "bad", "locked", "rate_limited"]
    user: UserRecord | None = None
    session: SessionRecord | None = None
    session_token: str | None = None
    csrf_token: str | None = None
    retry_after_s: float = 0.0


class LoginGuard:
    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        lockout_s: float = LOCKOUT_S,
        rate_per_window: int = RATE_PER_WINDOW,
        window_s: float = RATE_WINDOW_S,
        session_ttl_s: float = SESSION_TTL_S,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.rate_per_window = rate_per_window
        self.window_s = window_s
        self.session_ttl_s = session_ttl_s
        self._clock = clock
        self._wall = wall_clock
        self._attempts: dict[str, deque[float]] = {}

    def _rate_limited(self, client: str) -> float:
        """Seconds to wait (0: go ahead); records the attempt when allowed."""
        now = self._clock()
        q = self._attempts.pop(client, None) or deque()
        while q and q[0] <= now - self.window_s:
            q.popleft()
        self._attempts[client] = q  # re-inserted: dict order is least recently used first
        if len(q) >= self.rate_per_window:
            return q[0] + self.window_s - now
        q.append(now)
        while len(self._attempts) > MAX_TRACKED_CLIENTS:
            del self._attempts[next(iter(self._attempts))]
        return 0.0

    async def login(
        self, store: Store, username: str, password: str, *, client: str
    ) -> LoginOutcome:
        wait = self._rate_limited(client)
        if wait > 0:
            log.warning("login rate limit hit by %s", client)
            return LoginOutcome("rate_limited", retry_after_s=wait)
        found = await store.login_record(username) if len(password) <= MAX_PASSWORD_LEN else None
        user, password_hash = found if found is not None else (None, None)
        ok = await verify_password_async(password_hash, password)
        if user is None:
            log.info("login refused: unknown user (from %s)", client)
            return LoginOutcome("bad")
        now = self._wall()
        if user.locked_until is not None and user.locked_until > now:
            log.info("login refused: %s is locked (from %s)", user.username, client)
            return LoginOutcome("locked", user=user, retry_after_s=user.locked_until - now)
        if user.disabled:
            log.info("login refused: %s is disabled (from %s)", user.username, client)
            return LoginOutcome("bad")
        if not ok:
            after = await store.note_login_failure(
                user.id, max_failures=self.max_failures, lockout_s=self.lockout_s
            )
            if after.locked_until is not None and after.locked_until > now:
                log.warning(
                    "account %s locked for %.0f s after %d wrong passwords (from %s)",
                    user.username,
                    self.lockout_s,
                    after.failed_logins,
                    client,
                )
                return LoginOutcome("locked", user=after, retry_after_s=after.locked_until - now)
            log.info("login refused: wrong password for %s (from %s)", user.username, client)
            return LoginOutcome("bad")
        await store.note_login_success(user.id)
        token, csrf, session = await store.create_session(
            user.id, ttl_s=self.session_ttl_s, client=client
        )
        log.info("%s logged in (from %s)", user.username, client)
        return LoginOutcome(
            "ok", user=session.user, session=session, session_token=token, csrf_token=csrf
        )


def minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))
