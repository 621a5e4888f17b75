"""The hub's error responses as the OpenAPI document states them (one body for all).

    {"error": "<code>", "message": "<the user's language>", "detail"?, "room"?, ...}

``ERRORS`` is given to the ``/api/v1`` router (every operation may answer with one of
them: no credentials, a role too low, no such room, a room's command error mapped by
``appliance/hub/errors.py``); ``AUTH_ERRORS`` to the routes outside it that need a login.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import BaseModel


class ErrorOut(BaseModel):
    """Every error answer of the hub (``app.error_body``)."""

    error: str  # a code: unauthorized, forbidden, not_found, invalid, offline, timeout, …
    message: str  # for people, in the request's language
    detail: str | None = None  # the room's or the store's own words, when there are some
    room: str | None = None
    operation: str | None = None
    device: str | None = None


def _error(text: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": text}


ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    code: _error(text)
    for code, text in (
        (400, "the request body cannot be parsed (not JSON, not UTF-8)"),
        (401, "no credentials, or unknown ones (session or API token)"),
        (403, "the role may not do this, or a session request without its CSRF header"),
        (404, "no such room, device or record (or one the caller may not see)"),
        (409, "refused: conflicting with the current state, or the room rejected it"),
        (422, "invalid input"),
        (500, "internal error (logged by the hub)"),
        (503, "the room is offline or its device unavailable"),
        (504, "the room did not answer in time"),
    )
}
AUTH_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    code: ERRORS[code] for code in (401, 403, 500)
}
