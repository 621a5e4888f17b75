""" "No secret, token or password ever in a log line" (issue 8), checked on every hub test.

    # tests/hub/conftest.py
    from tests.support.secret_guard import hub_secret_guard, no_secret_in_logs

Every credential the hub hands out or takes in during the tests is recorded where it
passes through the hub's own code (the store's methods that create or take one, the
login guard): enrolment tokens, agent secrets, session cookies, CSRF tokens, API tokens,
passwords (also the wrong ones typed at login). The calls are wrapped, not replaced:
the production code runs unchanged. Every log record the tests produce — ``appliance.*``
at DEBUG, everything else at INFO — is kept, and after each test none may contain any
recorded credential. A failure names the logger and shows the line with the credential
masked (the test report must not leak it either).

Subprocesses (``appliance hub serve``) log to their own files: tests that run one scan
those with :func:`find_secrets`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any, Final

import pytest

from appliance.hub.security.login import LoginGuard
from appliance.hub.store import Store

SECRETS: set[str] = set()
# Shorter strings would match by chance (and no credential of ours is this short).
MIN_LEN: Final = 8


def remember(*values: object) -> None:
    for v in values:
        if isinstance(v, str) and len(v) >= MIN_LEN:
            SECRETS.add(v)


def find_secrets(text: str) -> list[str]:
    """The recorded credentials that occur in ``text``."""
    return [s for s in SECRETS if s in text]


def mask(text: str) -> str:
    for s in SECRETS:
        text = text.replace(s, f"<credential of {len(s)} chars>")
    return text


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []
        self.active = False  # only during a hub test: nothing piles up between them

    def emit(self, record: logging.LogRecord) -> None:
        if not self.active:
            return
        try:
            text = record.getMessage()
        except Exception:  # a broken %-format: keep the raw parts
            text = f"{record.msg!r} {record.args!r}"
        if record.exc_info and record.exc_info[1] is not None:
            text += f" | {record.exc_info[1]!r}"
        self.lines.append((record.name, text))


def _wrap_async(
    cls: type, name: str, pick: Callable[[tuple[Any, ...], dict[str, Any], Any], tuple[object, ...]]
) -> Callable[[], None]:
    original = getattr(cls, name)

    @functools.wraps(original)
    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = None
        try:
            result = await original(self, *args, **kwargs)
            return result
        finally:
            remember(*pick(args, kwargs, result))

    setattr(cls, name, wrapper)
    return lambda: setattr(cls, name, original)


def _tuple(value: Any) -> tuple[object, ...]:
    return tuple(value) if isinstance(value, tuple) else (value,)


@pytest.fixture(scope="session")
def hub_secret_guard() -> Iterator[_Keep]:
    """Wrap the credential-making calls and keep every log record (once per session)."""
    undo = [
        _wrap_async(Store, "issue_enrolment_token", lambda a, k, r: (r,)),
        _wrap_async(Store, "enrol", lambda a, k, r: (*a[:1], k.get("token"), r)),
        _wrap_async(Store, "create_session", lambda a, k, r: _tuple(r)[:2]),
        _wrap_async(Store, "create_api_token", lambda a, k, r: _tuple(r)[:1]),
        _wrap_async(Store, "create_user", lambda a, k, r: (*a[1:2], k.get("password"))),
        _wrap_async(Store, "set_password", lambda a, k, r: (*a[1:2], k.get("password"))),
        _wrap_async(Store, "room_for_secret", lambda a, k, r: (*a[:1],)),
        _wrap_async(Store, "session_for_token", lambda a, k, r: (*a[:1],)),
        _wrap_async(Store, "user_for_api_token", lambda a, k, r: (*a[:1],)),
        _wrap_async(LoginGuard, "login", lambda a, k, r: (*a[2:3], k.get("password"))),
    ]
    keep = _Keep()
    root = logging.getLogger()
    ours = logging.getLogger("appliance")
    old_root, old_ours = root.level, ours.level
    root.addHandler(keep)
    root.setLevel(min(old_root or logging.WARNING, logging.INFO))
    ours.setLevel(logging.DEBUG)
    try:
        yield keep
    finally:
        root.removeHandler(keep)
        root.setLevel(old_root)
        ours.setLevel(old_ours)
        for u in undo:
            u()


@pytest.fixture(autouse=True)
def no_secret_in_logs(hub_secret_guard: _Keep) -> Iterator[None]:
    hub_secret_guard.lines.clear()
    hub_secret_guard.active = True
    try:
        yield
    finally:
        hub_secret_guard.active = False
    leaks = [(name, text) for name, text in hub_secret_guard.lines if find_secrets(text)]
    hub_secret_guard.lines.clear()
    if leaks:
        shown = "; ".join(f"{name}: {mask(text)[:300]}" for name, text in leaks[:5])
        pytest.fail(f"{len(leaks)} log line(s) contain a credential: {shown}", pytrace=False)
