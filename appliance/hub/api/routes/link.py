"""``/api/v1/link``: the agents' WebSocket (the protocol is appliance/link, docs/LINK.md).

A missing or wrong room secret is refused at the upgrade with HTTP 401 — no WebSocket
is opened; :class:`appliance.hub.link_server.LinkServer` runs an accepted link.
"""

from __future__ import annotations

from fastapi import APIRouter, WebSocket
from fastapi.responses import JSONResponse

from appliance.hub.api.deps import get_links

router = APIRouter()


@router.websocket("/link", name="link")
async def link(websocket: WebSocket) -> None:
    links = await get_links(websocket)
    room_id = await links.authenticate(websocket)
    if room_id is None:
        await websocket.send_denial_response(
            JSONResponse(
                {"error": "unauthorized", "message": "missing or unknown room secret"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        )
        return
    await links.serve(websocket, room_id)
