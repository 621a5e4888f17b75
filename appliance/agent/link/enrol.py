"""``appliance agent enrol``: trade a one-time enrolment token for the room's secret
(docs/LINK.md §1).

    secret = await enrol(config, hub_url, token)      # raises EnrolError (i18n key + params)
    load_secret(config)                               # RoomSecret | None

The secret is written to ``<state.dir>/hub-secret`` (0600, created with that mode, then
renamed over the old one, so a crash never leaves a half-written or world-readable
file). The state directory survives reinstalls and reboots, so the room keeps its
identity; re-enrolling (a new token from an administrator) replaces the secret.
"""

from __future__ import annotations

import contextlib
import json
import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit, urlunsplit

from appliance import __version__

if TYPE_CHECKING:
    import httpx

    from appliance.config import AgentConfig

SECRET_NAME: Final = "hub-secret"  # noqa: S105 - a file name, not a secret
ENROL_PATH: Final = "/api/v1/enrol"
LINK_PATH: Final = "/api/v1/link"
ENROL_TIMEOUT_S: Final = 15.0  # one HTTP round trip over a district's WAN


@dataclass(frozen=True)
class RoomSecret:
    room_id: str
    secret: str
    hub: str
    link_url: str

    def __repr__(self) -> str:  # never the secret in a log line or a traceback
        return f"RoomSecret(room_id={self.room_id!r}, hub={self.hub!r})"


class EnrolError(Exception):
    """Enrolment failed; ``key`` and ``params`` make the technician's text (i18n)."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def secret_path(config: AgentConfig) -> Path:
    return config.state.dir / SECRET_NAME


def load_secret(config: AgentConfig) -> RoomSecret | None:
    """The room's secret, or None when the room was never enrolled (or the file is broken:
    then the agent says "not enrolled" and the technician enrols again)."""
    try:
        raw = json.loads(secret_path(config).read_text(encoding="utf-8"))
        return RoomSecret(
            str(raw["room_id"]), str(raw["secret"]), str(raw["hub"]), str(raw["link_url"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def link_url(hub_url: str) -> str:
    """The WebSocket URL of the hub's link endpoint: http→ws, https→wss."""
    parts = urlsplit(hub_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + LINK_PATH, "", ""))


def http_base(hub_url: str) -> str:
    """The hub's HTTP(S) base URL: ws→http, wss→https."""
    parts = urlsplit(hub_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Verification against the system CAs, or only ``hub.ca_file`` when given."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


async def enrol(config: AgentConfig, hub_url: str, token: str) -> RoomSecret:
    """POST the token to the hub, store the secret; raise :class:`EnrolError`."""
    import httpx

    base = http_base(hub_url)
    verify: ssl.SSLContext | bool = (
        tls_context(config.hub.ca_file) if base.startswith("https:") else False
    )
    body = {"token": token, "room_id": config.room.id, "agent_version": __version__}
    try:
        async with httpx.AsyncClient(
            timeout=ENROL_TIMEOUT_S, verify=verify, trust_env=False
        ) as client:
            response = await client.post(base + ENROL_PATH, json=body)
    except httpx.TimeoutException:
        raise EnrolError("agent.link.enrol.timeout", hub=base, seconds=ENROL_TIMEOUT_S) from None
    except httpx.HTTPError as exc:
        raise EnrolError("agent.link.enrol.unreachable", hub=base, error=_reason(exc)) from None
    if response.status_code == 401:
        raise EnrolError("agent.link.enrol.token_refused", hub=base)
    if response.status_code == 409:
        raise EnrolError(
            "agent.link.enrol.wrong_room", room=config.room.id, detail=_detail(response)
        )
    if response.status_code != 200:
        raise EnrolError(
            "agent.link.enrol.failed",
            hub=base,
            status=response.status_code,
            detail=_detail(response),
        )
    try:
        answer = response.json()
        room_id, secret = str(answer["room_id"]), str(answer["secret"])
    except (ValueError, KeyError, TypeError):
        raise EnrolError("agent.link.enrol.bad_answer", hub=base) from None
    if room_id != config.room.id:
        raise EnrolError("agent.link.enrol.wrong_room", room=config.room.id, detail=room_id)
    result = RoomSecret(room_id, secret, base, str(answer.get("link_url") or link_url(base)))
    write_secret(secret_path(config), result)
    return result


def write_secret(path: Path, secret: RoomSecret) -> None:
    """Write 0600 from the first byte (no umask window), fsync, rename over the old."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    data = json.dumps(
        {
            "room_id": secret.room_id,
            "secret": secret.secret,
            "hub": secret.hub,
            "link_url": secret.link_url,
        }
    ).encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    tmp.replace(path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut
    finally:
        os.close(dir_fd)


def _reason(exc: Exception) -> str:
    cause = exc.__cause__ or exc.__context__
    return str(exc) or (str(cause) if cause else type(exc).__name__)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        for key in ("message", "detail", "error"):
            if isinstance(body.get(key), str):
                return str(body[key])[:200]
    return str(body)[:200]
