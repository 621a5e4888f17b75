"""Dependencies of the hub routes: the parts on ``app.state`` and the client's language.

    async def route(fleet: FleetDep, store: StoreDep, presence: PresenceDep, lang: LangDep)

``async def`` on purpose (a plain ``def`` runs in the thread pool: a thread hand-over per
request, see appliance/agent/api/deps.py).
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import HTTPConnection

from appliance.hub.events import EventBus
from appliance.hub.fleet import Fleet
from appliance.hub.link_server import LinkServer
from appliance.hub.presence import Presence
from appliance.hub.settings import HubSettings
from appliance.hub.store import Store
from appliance.i18n import Lang, normalize_lang


async def get_store(conn: HTTPConnection) -> Store:
    return cast(Store, conn.app.state.store)


async def get_fleet(conn: HTTPConnection) -> Fleet:
    return cast(Fleet, conn.app.state.fleet)


async def get_links(conn: HTTPConnection) -> LinkServer:
    return cast(LinkServer, conn.app.state.links)


async def get_presence(conn: HTTPConnection) -> Presence:
    return cast(Presence, conn.app.state.presence)


async def get_bus(conn: HTTPConnection) -> EventBus:
    return cast(EventBus, conn.app.state.bus)


async def get_settings(conn: HTTPConnection) -> HubSettings:
    return cast(HubSettings, conn.app.state.settings)


async def get_lang(conn: HTTPConnection) -> Lang:
    return normalize_lang(conn.headers.get("accept-language"))


StoreDep = Annotated[Store, Depends(get_store)]
FleetDep = Annotated[Fleet, Depends(get_fleet)]
LinksDep = Annotated[LinkServer, Depends(get_links)]
PresenceDep = Annotated[Presence, Depends(get_presence)]
BusDep = Annotated[EventBus, Depends(get_bus)]
SettingsDep = Annotated[HubSettings, Depends(get_settings)]
LangDep = Annotated[Lang, Depends(get_lang)]
