"""Dependencies of the routes: the service (from ``app.state``) and the client's language."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import HTTPConnection

from appliance.agent.service import AgentService
from appliance.i18n import Lang, normalize_lang


def get_service(conn: HTTPConnection) -> AgentService:
    return cast(AgentService, conn.app.state.service)


def get_lang(conn: HTTPConnection) -> Lang:
    return normalize_lang(conn.headers.get("accept-language"))


ServiceDep = Annotated[AgentService, Depends(get_service)]
LangDep = Annotated[Lang, Depends(get_lang)]
