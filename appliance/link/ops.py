"""Operations a hub ``command`` may name, with their argument models (docs/LINK.md §5).

Each operation maps to ONE method of the agent's service code — the same code the
local control API's route calls — so a preset recalled from the hub and one recalled
with ``curl`` on the room PC go through the same lines. The agent validates ``args``
with the model below (``invalid`` on failure) before it touches a device.

    op                      args                                result ``data``
    status                  {}                                  the agent's StatusOut
    devices                 {}                                  [DeviceOut]
    camera.power            {camera, on}                        {on}
    camera.drive            {camera, pan, tilt, speed?}         null   (pan/tilt: left|right|stop / up|down|stop)
    camera.stop             {camera}                            null
    camera.position         {camera, pan_deg, tilt_deg, speed?} PositionOut (read back)
    camera.zoom             {camera, action?|position?}         {position}
    camera.focus            {camera, action?|position?|auto?}   {position, auto}
    camera.presets          {camera}                            [PresetOut]
    camera.preset.store     {camera, number, name?}             PresetOut
    camera.preset.recall    {camera, preset}                    RecallOut
    camera.snapshot         {camera}                            {jpeg_base64}
    audio.level             {device, seconds?}                  LevelOut
    display.power           {display, on}                       {on}
    display.show            {display, what, text?, url?}        DisplayOut
    display.stop            {display}                           null
    check.start             {only?}                             {run_id}   (progress + result come as events)
    check.get               {run_id}                            CheckRunOut
    check.evidence          {run_id, name}                      {content_type, data_base64}
    room.on                 {}                                  {cameras: {id: outcome}, displays: {...}}
    room.off                {}                                  same
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

_Dev = Annotated[str, Field(min_length=1, max_length=64)]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class NoArgs(_Args):
    pass


class CameraArgs(_Args):
    camera: _Dev


class CameraPowerArgs(CameraArgs):
    on: bool


class CameraDriveArgs(CameraArgs):
    pan: Literal["left", "right", "stop"] = "stop"
    tilt: Literal["up", "down", "stop"] = "stop"
    speed: Annotated[int, Field(ge=1, le=24)] | None = None


class CameraPositionArgs(CameraArgs):
    pan_deg: float
    tilt_deg: float
    speed: Annotated[int, Field(ge=1, le=24)] | None = None


class CameraZoomArgs(CameraArgs):
    action: Literal["tele", "wide", "stop"] | None = None
    position: Annotated[int, Field(ge=0, le=0xFFFF)] | None = None


class CameraFocusArgs(CameraArgs):
    action: Literal["far", "near", "stop", "one_push"] | None = None
    position: Annotated[int, Field(ge=0, le=0xFFFF)] | None = None
    auto: bool | None = None


class PresetStoreArgs(CameraArgs):
    number: Annotated[int, Field(ge=0, le=255)]
    name: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    reference: bool = False  # also store the view as the preset's reference picture


class PresetRecallArgs(CameraArgs):
    preset: Annotated[str, Field(min_length=1, max_length=64)]  # a name or a number


class AudioLevelArgs(_Args):
    device: _Dev
    seconds: Annotated[float, Field(ge=0.05, le=10)] = 0.5


class DisplayArgs(_Args):
    display: _Dev


class DisplayPowerArgs(DisplayArgs):
    on: bool


class DisplayShowArgs(DisplayArgs):
    what: Literal["pattern", "slate", "stream"]
    pattern: Annotated[str, Field(max_length=32)] | None = None
    text: Annotated[str, Field(max_length=200)] | None = None
    url: Annotated[str, Field(max_length=2048)] | None = None


class CheckStartArgs(_Args):
    only: list[Annotated[str, Field(max_length=64)]] | None = None


class CheckGetArgs(_Args):
    run_id: Annotated[str, Field(min_length=1, max_length=64)]


class CheckEvidenceArgs(CheckGetArgs):
    name: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.-]+$")]


OPERATIONS: Final[dict[str, type[_Args]]] = {
    "status": NoArgs,
    "devices": NoArgs,
    "camera.power": CameraPowerArgs,
    "camera.drive": CameraDriveArgs,
    "camera.stop": CameraArgs,
    "camera.position": CameraPositionArgs,
    "camera.zoom": CameraZoomArgs,
    "camera.focus": CameraFocusArgs,
    "camera.presets": CameraArgs,
    "camera.preset.store": PresetStoreArgs,
    "camera.preset.recall": PresetRecallArgs,
    "camera.snapshot": CameraArgs,
    "audio.level": AudioLevelArgs,
    "display.power": DisplayPowerArgs,
    "display.show": DisplayShowArgs,
    "display.stop": DisplayArgs,
    "check.start": CheckStartArgs,
    "check.get": CheckGetArgs,
    "check.evidence": CheckEvidenceArgs,
    "room.on": NoArgs,
    "room.off": NoArgs,
}
