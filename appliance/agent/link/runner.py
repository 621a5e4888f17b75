"""Start the hub link for the agent (``run_agent``) when the room config names a hub.

    link = await start_link(service)    # None without hub.url; the client otherwise

Not enrolled yet (no ``<state.dir>/hub-secret``): the client still starts, says so in
the log and in ``/api/v1/status`` (``hub_link: "not_enrolled"``) and picks the secret
up as soon as ``appliance agent enrol`` has written it — no restart needed. With
``hub.enrolment_token_file`` (put there by the rollout), the agent enrols by itself
with that token and deletes the file once the secret is stored; a token the hub
refuses is logged once and tried again only when the file changes.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Final

from appliance.agent.link.client import LinkClient
from appliance.agent.link.enrol import EnrolError, enrol, link_url, load_secret, tls_context
from appliance.i18n import t

if TYPE_CHECKING:
    from appliance.agent.service import AgentService

log = logging.getLogger(__name__)

OUTBOX_NAME: Final = "hub-outbox.sqlite"
# Enrolment errors worth another try with the same token file: the hub was not there.
_RETRY: Final = frozenset({"agent.link.enrol.unreachable", "agent.link.enrol.timeout"})


async def start_link(service: AgentService) -> LinkClient | None:
    config = service.config
    if config.hub.url is None:
        return None
    url = link_url(config.hub.url)

    def secret() -> str | None:
        found = load_secret(config)
        return found.secret if found is not None and found.room_id == config.room.id else None

    async def enrol_from_file() -> None:
        path = config.hub.enrolment_token_file
        if path is None or config.hub.url is None:
            return
        try:
            stamp = path.stat().st_mtime_ns
            token = path.read_text(encoding="utf-8").strip()
        except OSError:
            return  # no token file (yet)
        if stamp in refused or not token:
            return
        try:
            await enrol(config, config.hub.url, token)
        except EnrolError as exc:
            if exc.key not in _RETRY:  # the hub said no: not again with the same file
                refused.add(stamp)
            if exc.key not in logged:  # the hub down for hours: one line, not one per poll
                logged.add(exc.key)
                log.warning("enrolment with %s failed: %s", path, t(exc.key, "en", **exc.params))
            return
        log.warning("room %s enrolled at the hub %s with %s", config.room.id, config.hub.url, path)
        with contextlib.suppress(OSError):
            path.unlink()  # used once; the hub would refuse it again anyway

    refused: set[int] = set()
    logged: set[str] = set()
    first = secret()
    if first is None:
        log.warning(
            "room %s is not enrolled at the hub %s: run `appliance agent enrol --hub %s "
            "--token …`; the room works locally meanwhile",
            config.room.id,
            config.hub.url,
            config.hub.url,
        )
    client = LinkClient(
        service,
        url=url,
        secret=first,
        secret_loader=secret,
        enroller=enrol_from_file,
        outbox_path=config.state.dir / OUTBOX_NAME,
        ssl_context=tls_context(config.hub.ca_file) if url.startswith("wss:") else None,
    )
    await client.start()
    service.hub_link = client
    return client
