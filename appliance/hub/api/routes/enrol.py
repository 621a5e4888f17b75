"""``POST /api/v1/enrol``: a room's one-time token → its link secret (docs/LINK.md §1).

The token in the body is the credential (no login): unknown / used / expired → 401,
issued for another room → 409. The secret is in the answer once and nowhere else (the
store keeps its hash; nothing logs it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from appliance.hub.api.deps import SettingsDep, StoreDep
from appliance.hub.api.responses import ErrorOut
from appliance.hub.settings import HubSettings

router = APIRouter(tags=["enrolment"])


class EnrolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, Field(min_length=1, max_length=256)]
    room_id: Annotated[str, Field(min_length=1, max_length=64)]
    agent_version: Annotated[str, Field(min_length=1, max_length=64)]


class EnrolOut(BaseModel):
    room_id: str
    secret: str
    link_url: str


@router.post(
    "/enrol",
    name="enrol",
    responses={
        401: {"model": ErrorOut, "description": "token unknown, used or expired"},
        409: {"model": ErrorOut, "description": "token issued for another room"},
    },
)
async def enrol(
    body: EnrolIn, request: Request, store: StoreDep, settings: SettingsDep
) -> EnrolOut:
    secret = await store.enrol(body.token, body.room_id, body.agent_version)
    return EnrolOut(room_id=body.room_id, secret=secret, link_url=link_url(settings, request))


def link_url(settings: HubSettings, request: Request) -> str:
    """``ws(s)://<hub>/api/v1/link``: from ``public_url`` or the enrolling request."""
    base = settings.public_url or str(request.base_url)
    base = base.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base.removeprefix("https://")
    elif base.startswith("http://"):
        base = "ws://" + base.removeprefix("http://")
    return f"{base}/api/v1/link"
