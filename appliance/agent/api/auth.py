"""Bearer-token auth for the control API: the token file and the ASGI gate.

The token lives in one file (``api.token_file``, default ``<state.dir>/api-token``). When
it is missing the agent creates it with a random token, mode 0600. When it exists but
group or others may access it, the agent refuses to start (the same rule ssh applies to
private keys). The token is never logged.

The gate is an ASGI middleware rather than a per-route dependency so that every route —
including one added later, the OpenAPI document, WebSockets and unknown paths — is
refused without the token; only :data:`OPEN_PATHS` pass. Comparison is constant time
(``hmac.compare_digest``).
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from appliance.agent.api.errors import error_body
from appliance.i18n import normalize_lang, t
from drivers.errors import ConfigError

TOKEN_BYTES: Final = 32
MIN_TOKEN_LEN: Final = 16
OPEN_PATHS: Final = frozenset({"/healthz"})
# RFC 6455 §7.4.1: 1008 = policy violation; sent before accept, uvicorn answers HTTP 403.
WS_POLICY_VIOLATION: Final = 1008


def load_or_create_token(path: Path) -> str:
    """Return the API token from ``path``, creating the file (0600) when missing."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise ConfigError(
            f"cannot create the API token file: {exc.strerror}", path=str(path)
        ) from None
    else:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(TOKEN_BYTES) + "\n")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise ConfigError(
                f"API token file is accessible by group/others (mode {mode:04o}); "
                f"run: chmod 600 {path}",
                path=str(path),
            )
        token = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the API token file: {exc}", path=str(path)) from None
    if len(token) < MIN_TOKEN_LEN:
        raise ConfigError(
            f"API token too short (at least {MIN_TOKEN_LEN} characters)", path=str(path)
        )
    return token


def bearer_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None."""
    for name, value in headers:
        if name.lower() == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip()
    return None


def token_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison; False for a missing token."""
    if given is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


class TokenAuthMiddleware:
    """Refuse every HTTP request and WebSocket without the right bearer token."""

    def __init__(self, app: ASGIApp, *, token: str) -> None:
        self.app = app
        self._token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        if token_matches(self._token, bearer_token(scope["headers"])):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": WS_POLICY_VIOLATION, "reason": ""})
            return
        lang = _lang(scope["headers"])
        message = t("agent.error.unauthorized", lang)
        body = json.dumps(
            error_body("unauthorized", message, device=None, operation=None), ensure_ascii=False
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b'Bearer realm="appliance"'),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _lang(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name.lower() == b"accept-language":
            return normalize_lang(value.decode("latin-1"))
    return normalize_lang(None)
