"""Dependencies of the routes: the service (from ``app.state``) and the client's language.

Both are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in its thread
pool, which put a thread hand-over (~1 ms, seen with strace as a self-pipe wake-up
between reading the request and writing the VISCA command) on every request — 2–3 % of
a 9600-baud command's whole budget (DESIGN.md §7, bench/agent.py).
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import HTTPConnection

from appliance.agent.service import AgentService
from appliance.i18n import Lang, normalize_lang


async def get_service(conn: HTTPConnection) -> AgentService:
    return cast(AgentService, conn.app.state.service)


async def get_lang(conn: HTTPConnection) -> Lang:
    return normalize_lang(conn.headers.get("accept-language"))


ServiceDep = Annotated[AgentService, Depends(get_service)]
LangDep = Annotated[Lang, Depends(get_lang)]
