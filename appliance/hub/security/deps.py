"""FastAPI dependencies: who is calling (:func:`current_principal`) and may they
(:func:`require`).

    @router.post("/rooms/{room_id}/camera/{cam}/power")
    async def power(room_id: str, who: CommanderDep, ...): ...   # technician or above
    @router.get("/users")
    async def users(who: AdminDep, ...): ...

Credentials, in this order:

- ``Authorization: Bearer <API token>`` (scripts). No cookie, so no CSRF check.
- the ``hub_session`` cookie (browsers; HttpOnly, SameSite=Strict, Secure under TLS).
  Every state-changing request (not GET/HEAD/OPTIONS) made with the cookie must carry
  the session's CSRF token in ``X-CSRF-Token`` (synchronizer token: the hub keeps its
  hash with the session; the login answer and the readable ``hub_csrf`` cookie give it
  to the page). A WebSocket opened with the cookie must come from the hub's own origin.

Anything else is 401; a known caller without the role is 403. Neither answer says
which part was wrong, and no credential is ever logged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Final
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException
from starlette.requests import HTTPConnection

from appliance.hub.api.deps import StoreDep
from appliance.hub.db.records import Role
from appliance.hub.security.credentials import same_secret
from appliance.hub.security.roles import COMMAND_ROLE, Principal
from appliance.i18n import normalize_lang, t

SESSION_COOKIE: Final = "hub_session"
CSRF_COOKIE: Final = "hub_csrf"
CSRF_HEADER: Final = "x-csrf-token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_credentials(conn: HTTPConnection) -> str | None:
    """The credentials of an ``Authorization: Bearer …`` header, or None."""
    value = conn.headers.get("authorization")
    if not value:
        return None
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def unauthorized(conn: HTTPConnection) -> HTTPException:
    lang = normalize_lang(conn.headers.get("accept-language"))
    return HTTPException(
        status_code=401,
        detail=t("hub.auth.required", lang),
        headers={"WWW-Authenticate": 'Bearer realm="hub"'},
    )


def forbidden(conn: HTTPConnection, key: str = "hub.auth.forbidden") -> HTTPException:
    lang = normalize_lang(conn.headers.get("accept-language"))
    return HTTPException(status_code=403, detail=t(key, lang))


async def current_principal(conn: HTTPConnection, store: StoreDep) -> Principal:
    """The authenticated caller, or 401 (403 for a cookie request without its CSRF token)."""
    if conn.headers.get("authorization") is not None:
        token = bearer_credentials(conn)
        found = await store.user_for_api_token(token)
        if found is None:
            raise unauthorized(conn)
        user, tok = found
        return Principal.of_user(user, "token", token_id=tok.id, token_name=tok.name)
    cookie = conn.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise unauthorized(conn)
    session = await store.session_for_token(cookie)
    if session is None:
        raise unauthorized(conn)
    if conn.scope["type"] == "websocket":
        if not _same_origin(conn):
            raise forbidden(conn, "hub.auth.csrf")
    elif conn.scope.get("method", "GET") not in SAFE_METHODS and not same_secret(
        session.csrf_hash, conn.headers.get(CSRF_HEADER)
    ):
        raise forbidden(conn, "hub.auth.csrf")
    return Principal.of_user(session.user, "session", session_id=session.id)


def require(role: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets through callers with ``role`` or a higher one (403 else)."""

    async def dependency(
        conn: HTTPConnection, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        if not principal.at_least(role):
            raise forbidden(conn)
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency


def _same_origin(conn: HTTPConnection) -> bool:
    """A browser always sends Origin on a WebSocket; it must be the hub's own host."""
    origin = conn.headers.get("origin")
    if origin is None:
        return True  # not a browser: no cross-site request possible
    return urlsplit(origin).netloc.lower() == (conn.headers.get("host") or "").lower()


PrincipalDep = Annotated[Principal, Depends(current_principal)]
ViewerDep = PrincipalDep
CommanderDep = Annotated[Principal, Depends(require(COMMAND_ROLE))]
OperatorDep = Annotated[Principal, Depends(require("operator"))]
AdminDep = Annotated[Principal, Depends(require("admin"))]
