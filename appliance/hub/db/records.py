"""What the store takes and gives: validated inputs (pydantic) and frozen records.

Records are plain frozen dataclasses detached from the database session, so callers on
the event loop never touch a lazy-loading ORM object from another thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

ROOM_ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # appliance.link's _Id
USERNAME_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$"

Role = Literal["admin", "operator", "technician", "viewer"]
ROLES: Final[tuple[Role, ...]] = ("admin", "operator", "technician", "viewer")

RoomId = Annotated[str, Field(min_length=1, max_length=64, pattern=ROOM_ID_PATTERN)]
Username = Annotated[str, Field(min_length=1, max_length=64, pattern=USERNAME_PATTERN)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class RoomIn(_In):
    """One room to add or import (CSV/YAML columns: id, name, district)."""

    id: RoomId
    name: Annotated[str, Field(min_length=1, max_length=200)]
    district: Annotated[str, Field(min_length=1, max_length=200)]


class SceneItemIn(_In):
    room_id: RoomId
    camera: Annotated[str, Field(min_length=1, max_length=64)]
    preset: Annotated[str, Field(min_length=1, max_length=64)]


class SceneIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    items: Annotated[list[SceneItemIn], Field(min_length=1, max_length=1000)]

    @field_validator("items")
    @classmethod
    def _one_preset_per_camera(cls, items: list[SceneItemIn]) -> list[SceneItemIn]:
        seen: set[tuple[str, str]] = set()
        for item in items:
            key = (item.room_id, item.camera)
            if key in seen:
                raise ValueError(f"camera {item.camera} of room {item.room_id} appears twice")
            seen.add(key)
        return items


@dataclass(frozen=True)
class RoomRecord:
    id: str
    name: str
    district: str
    maintenance: bool
    enrolled: bool
    created_at: float
    last_event_id: int
    last_seen_at: float | None
    health: str
    devices: list[dict[str, Any]]
    presets: dict[str, list[str]]
    agent_version: str | None
    boot_id: str | None
    clock_offset_s: float | None


@dataclass(frozen=True)
class ImportReport:
    added: list[str]
    updated: list[str]
    unchanged: list[str]


@dataclass(frozen=True)
class PresenceUpdate:
    """What the link server keeps in memory per room and flushes in batches."""

    room_id: str
    last_seen_at: float
    health: str
    devices: list[dict[str, Any]] | None = None  # None: keep what is stored
    presets: dict[str, list[str]] | None = None
    agent_version: str | None = None
    boot_id: str | None = None
    clock_offset_s: float | None = None


@dataclass(frozen=True)
class EvidenceRecord:
    id: int
    item_id: str
    name: str
    content_type: str | None
    path: str | None  # relative to the evidence directory; None until fetched
    size: int | None
    sha256: str | None


@dataclass(frozen=True)
class CheckResultRecord:
    id: int
    room_id: str
    event_id: int
    run_id: str
    status: str
    overall: str | None
    at: float
    data: dict[str, Any]
    evidence: list[EvidenceRecord] = field(default_factory=list)


@dataclass(frozen=True)
class EventRecord:
    room_id: str
    event_id: int
    at: float
    received_at: float
    kind: str
    data: dict[str, Any]


@dataclass(frozen=True)
class SceneItemRecord:
    room_id: str
    camera: str
    preset: str


@dataclass(frozen=True)
class SceneRecord:
    id: int
    name: str
    items: list[SceneItemRecord]
    created_at: float
    updated_at: float
    created_by: str | None


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str
    role: Role
    districts: list[str]
    lang: str
    disabled: bool
    locked_until: float | None
    failed_logins: int
    created_at: float


@dataclass(frozen=True)
class SessionRecord:
    """A live session: its user, and the CSRF token's hash to check unsafe requests."""

    id: int
    user: UserRecord
    csrf_hash: str
    expires_at: float


@dataclass(frozen=True)
class ApiTokenRecord:
    id: int
    user_id: int
    name: str
    created_at: float
    expires_at: float | None
    last_used_at: float | None
    revoked: bool


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: float
    who: str
    room_id: str | None
    action: str
    args: dict[str, Any]
    outcome: str
    error: str | None
    duration_s: float


R = TypeVar("R")


def from_row(cls: type[R], row: Any, **overrides: Any) -> R:
    """A record dataclass from a row whose columns carry the record's field names."""
    values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name not in overrides}  # type: ignore[arg-type]
    return cls(**values, **overrides)
