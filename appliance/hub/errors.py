"""Errors of hub commands (one room's answer, or the hub's own: offline, timeout).

    CommandError(room_id, op, ErrorInfo(kind="offline", message=...))

``ErrorInfo.kind`` maps to HTTP once, in ``app.py`` (docs/LINK.md §4):
unavailable / offline → 503, timeout → 504, rejected / superseded / busy → 409,
invalid → 422, not_found → 404, internal → 500.
"""

from __future__ import annotations

from typing import Final

from appliance.errors import ApplianceError
from appliance.link.messages import ErrorInfo, ErrorKind

HTTP_STATUS: Final[dict[str, int]] = {
    "unavailable": 503,
    "offline": 503,
    "timeout": 504,
    "rejected": 409,
    "superseded": 409,
    "busy": 409,
    "invalid": 422,
    "not_found": 404,
    "internal": 500,
}


class CommandError(ApplianceError):
    """A command to a room did not succeed; ``info`` says why (the agent's or the hub's)."""

    def __init__(self, room_id: str, op: str, info: ErrorInfo) -> None:
        super().__init__(f"{room_id}: {op}: {info.kind}: {info.message}")
        self.room_id = room_id
        self.op = op
        self.info = info

    @classmethod
    def of(cls, room_id: str, op: str, kind: ErrorKind, message: str) -> CommandError:
        return cls(room_id, op, ErrorInfo(kind=kind, message=message[:4096]))

    @property
    def kind(self) -> str:
        return self.info.kind

    @property
    def status(self) -> int:
        return HTTP_STATUS.get(self.info.kind, 500)


class RoomNotFoundError(ApplianceError):
    """No such room, or one the caller may not see (both answer 404: no probing)."""

    def __init__(self, room_id: str) -> None:
        super().__init__(f"room {room_id!r} not found")
        self.room_id = room_id
