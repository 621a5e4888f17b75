"""Request and response bodies of the control API (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Scalar = str | int | float | bool | None


class _In(BaseModel):
    # Strict: JSON true is not preset 1, 0 is not "off", "5" is not 5 (issue 7 item 7).
    model_config = ConfigDict(extra="forbid", strict=True)


def _one_of(*groups: tuple[str, ...]) -> dict[str, Any]:
    """The body's "exactly one of these groups of fields" rule in the JSON schema (the
    model validators enforce it; this puts it in the OpenAPI document for clients)."""
    return {
        "oneOf": [
            {
                "required": list(group),
                "properties": {name: {"not": {"type": "null"}} for name in group},
            }
            for group in groups
        ]
    }


class ErrorOut(BaseModel):
    error: str
    message: str
    device: str | None = None
    operation: str | None = None


class DeviceOut(BaseModel):
    id: str
    kind: Literal["camera", "camera_port", "microphone", "speaker", "display", "video"]
    state: str
    last_error: str | None = None
    details: dict[str, Scalar] = Field(default_factory=dict)


class StatusOut(BaseModel):
    room_id: str
    room_name: str
    district: str
    version: str
    uptime_s: float
    health: str
    devices: dict[str, int]  # state → count
    checks_available: bool
    # The link to the hub: not_configured / not_enrolled / connecting / connected / backoff
    # (docs/LINK.md; "not_enrolled": hub.url is set but `appliance agent enrol` never ran).
    hub_link: str = "not_configured"


class HealthOut(BaseModel):
    status: Literal["ok"]


# -- cameras -----------------------------------------------------------------------------


class PresetOut(BaseModel):
    number: int
    name: str | None = None


class CameraOut(BaseModel):
    id: str
    state: str
    last_error: str | None = None
    model: str
    link: str
    address: int
    video: str | None = None
    presets: list[PresetOut]


class PowerIn(_In):
    on: bool


class PowerOut(BaseModel):
    on: bool


class DriveIn(_In):
    pan: Literal["left", "right", "stop"] = "stop"
    tilt: Literal["up", "down", "stop"] = "stop"
    pan_speed: int | None = Field(default=None, ge=1, le=24)
    tilt_speed: int | None = Field(default=None, ge=1, le=24)


class PositionOut(BaseModel):
    pan: int
    tilt: int
    pan_deg: float
    tilt_deg: float


class PositionIn(_In):
    """Either camera units (``pan``, ``tilt``) or degrees (``pan_deg``, ``tilt_deg``)."""

    model_config = ConfigDict(json_schema_extra=_one_of(("pan", "tilt"), ("pan_deg", "tilt_deg")))

    pan: int | None = None
    tilt: int | None = None
    pan_deg: float | None = Field(default=None, ge=-360, le=360)
    tilt_deg: float | None = Field(default=None, ge=-360, le=360)
    speed: int | None = Field(default=None, ge=1, le=24)

    @model_validator(mode="after")
    def _units_or_degrees(self) -> PositionIn:
        units = self.pan is not None and self.tilt is not None
        degrees = self.pan_deg is not None and self.tilt_deg is not None
        if units == degrees:
            raise ValueError("give pan and tilt (units) or pan_deg and tilt_deg (degrees)")
        return self


class ZoomIn(_In):
    """Drive (``action`` tele/wide/stop, optional ``speed``) or go to ``position``."""

    model_config = ConfigDict(json_schema_extra=_one_of(("action",), ("position",)))

    action: Literal["tele", "wide", "stop"] | None = None
    speed: int | None = Field(default=None, ge=0, le=7)
    position: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one(self) -> ZoomIn:
        if (self.action is None) == (self.position is None):
            raise ValueError("give action or position")
        return self


class ZoomOut(BaseModel):
    position: int


class FocusIn(_In):
    """Set ``mode`` (auto/manual), drive (``action``) or go to ``position``."""

    model_config = ConfigDict(json_schema_extra=_one_of(("mode",), ("action",), ("position",)))

    mode: Literal["auto", "manual"] | None = None
    action: Literal["near", "far", "stop", "one_push"] | None = None
    speed: int | None = Field(default=None, ge=0, le=7)
    position: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one(self) -> FocusIn:
        given = [v for v in (self.mode, self.action, self.position) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of mode, action, position")
        return self


class FocusOut(BaseModel):
    position: int


class PresetStoreIn(_In):
    number: int = Field(ge=0, le=255)
    name: str | None = Field(default=None, min_length=1, max_length=64)
    # Also store what the camera shows now as the preset's reference picture.
    reference: bool = False


class ReferenceOut(BaseModel):
    """A preset's stored reference picture (what the readiness check compares with)."""

    camera: str
    number: int
    name: str | None = None
    image: str  # path of the JPEG under <state.dir>/preset-references/<camera>/
    created_at: str  # ISO 8601, UTC
    width: int
    height: int
    pan_deg: float | None = None  # where the head stood when it was stored
    tilt_deg: float | None = None


class PresetStoredOut(PresetOut):
    """A stored preset. The camera now points elsewhere for this number, so a reference
    picture stored for the old view is removed (the check would fail on it) and
    ``hint`` gives the command that stores a new one."""

    reference_removed: bool = False
    hint: str | None = None
    # With ``reference``: the picture stored, or why not (the preset is stored either way).
    reference: ReferenceOut | None = None
    reference_error: str | None = None


class RecallOut(BaseModel):
    number: int
    name: str | None = None
    duration_s: float


# -- audio -------------------------------------------------------------------------------


class AudioDeviceOut(BaseModel):
    id: str
    kind: Literal["microphone", "speaker"]
    match: str
    state: str
    device_name: str | None = None
    last_error: str | None = None


class LevelOut(BaseModel):
    device: str
    rms_dbfs: float
    peak_dbfs: float
    noise_floor_dbfs: float | None = None
    clipping_ratio: float


# -- displays ----------------------------------------------------------------------------


class PlayerOut(BaseModel):
    """What VLC reports for the display (``drivers.display.DisplayStatus``)."""

    state: Literal["idle", "opening", "playing", "error", "ended"]
    content: Literal["none", "pattern", "slate", "url"]
    source: str | None = None  # the URL, or the pattern's PNG
    output: str | None = None  # e.g. "HDMI-1 1280x720+0+0 (screen 0)"; None when headless
    screen: bool  # False: no X display, VLC runs headless (nothing visible)
    error: str | None = None
    video_width: int | None = None
    video_height: int | None = None


class DisplayOut(BaseModel):
    id: str
    state: str
    last_error: str | None = None
    x_display: str
    output: str | None = None
    cec: bool
    showing: str | None = None
    power: str | None = None
    player: PlayerOut | None = None  # None until the first show opens the player


class DisplayPowerOut(BaseModel):
    power: str


class ShowIn(_In):
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {
                    "properties": {"what": {"const": "url"}, "url": {"type": "string"}},
                    "required": ["url"],
                },
                {"properties": {"what": {"enum": ["pattern", "slate"]}, "url": {"type": "null"}}},
            ]
        }
    )

    what: Literal["pattern", "slate", "url"]
    pattern: str | None = None  # pattern kind for what="pattern" (driver's names)
    url: str | None = None  # for what="url"

    @model_validator(mode="after")
    def _url(self) -> ShowIn:
        if (self.what == "url") != (self.url is not None):
            raise ValueError("url is required for what=url and only then")
        return self


# -- checks ------------------------------------------------------------------------------


class CheckStartIn(_In):
    only: list[str] | None = None  # categories: camera, video, audio, display, system, hub


class CheckStartOut(BaseModel):
    run_id: str


class CheckResultOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    item: str
    device: str | None = None
    status: str
    values: dict[str, Scalar] = Field(default_factory=dict)
    evidence: dict[str, str] = Field(default_factory=dict)
    message: dict[str, str] = Field(default_factory=dict)
    remediation: dict[str, str] = Field(default_factory=dict)
    duration_s: float = 0.0


class CheckProgressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    done: int
    total: int
    current: list[str] = Field(default_factory=list)


class CheckRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    run_id: str
    started_at: datetime | float | str | None = None
    finished_at: datetime | float | str | None = None
    status: str
    progress: CheckProgressOut | None = None
    results: list[CheckResultOut] = Field(default_factory=list)
    overall: str | None = None
    health: str | None = None
