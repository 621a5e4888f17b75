"""Start the hub link for the agent (``run_agent``) when the room config names a hub.

    link = await start_link(service)    # None without hub.url; the client otherwise

Not enrolled yet (no ``<state.dir>/hub-secret``): the client still starts, says so in
the log and in ``/api/v1/status`` (``hub_link: "not_enrolled"``) and picks the secret
up as soon as ``appliance agent enrol`` has written it — no restart needed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from appliance.agent.link.client import LinkClient
from appliance.agent.link.enrol import link_url, load_secret, tls_context

if TYPE_CHECKING:
    from appliance.agent.service import AgentService

log = logging.getLogger(__name__)

OUTBOX_NAME: Final = "hub-outbox.sqlite"


async def start_link(service: AgentService) -> LinkClient | None:
    config = service.config
    if config.hub.url is None:
        return None
    url = link_url(config.hub.url)

    def secret() -> str | None:
        found = load_secret(config)
        return found.secret if found is not None and found.room_id == config.room.id else None

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
        outbox_path=config.state.dir / OUTBOX_NAME,
        ssl_context=tls_context(config.hub.ca_file) if url.startswith("wss:") else None,
    )
    await client.start()
    service.hub_link = client
    return client
