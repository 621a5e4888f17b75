"""Link messages: versioned JSON objects as pydantic models (docs/LINK.md).

    agent → hub   hello, heartbeat, event, result, error
    hub → agent   welcome, ack, command, error

Every model forbids unknown fields and is strict about types, so a message from a
newer or broken peer is refused with a :class:`LinkProtocolError` instead of being
half understood. The receiving side answers a refused message with an ``error``
message (code + text, logged once) and keeps the link up (docs/LINK.md §4).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

PROTOCOL_VERSION: Final = 1
# The largest frame either side accepts (a snapshot or an evidence picture, base64,
# fits well inside it). Larger frames are refused as ``too_large``.
MAX_FRAME_BYTES: Final = 4 * 1024 * 1024
HEARTBEAT_INTERVAL_S: Final = 15.0  # DESIGN.md §3
# A room whose last heartbeat is older than this is Offline (DESIGN.md §7: ≤ 45 s);
# one late heartbeat (15 s + jitter) does not flip it.
OFFLINE_AFTER_S: Final = 40.0

T = TypeVar("T")

_Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
_Text = Annotated[str, Field(max_length=4096)]

Health = Literal["healthy", "warning", "error", "unknown"]
EventKind = Literal[
    "device",  # a device changed state: data = DeviceInfo fields
    "health",  # the room's rollup changed: data = {"health": Health}
    "check.progress",  # data = {"run_id", "done", "total", "item"?, "status"?}
    "check.result",  # data = the whole run as the agent's CheckRunOut (items, evidence names)
    "follow.switch",  # voice-follow moved a camera: data = {"seat","camera","preset","reaction_s"}
]
Outcome = Literal["ok", "error"]
ErrorKind = Literal[
    "unavailable",  # DeviceUnavailableError → HTTP 503
    "timeout",  # DeviceTimeoutError, or the command's deadline passed → 504
    "rejected",  # CommandRejectedError / NotSupportedError → 409
    "superseded",  # a later command overtook this one (e.g. preset recall) → 409
    "invalid",  # bad arguments → 422
    "not_found",  # unknown device / preset / run → 404
    "busy",  # e.g. a check run already in progress → 409
    "offline",  # hub side only: the room has no link → 503
    "internal",  # anything else (logged on the agent) → 500
]


class _Msg(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DeviceInfo(_Msg):
    """One device as the agent's ``GET /api/v1/devices`` row."""

    id: _Id
    kind: Annotated[str, Field(max_length=32)]
    state: Annotated[str, Field(max_length=32)]  # disconnected / connecting / ready / failed
    last_error: _Text | None = None
    details: dict[str, str | int | float | bool | None] = Field(default_factory=dict)


class ErrorInfo(_Msg):
    kind: ErrorKind
    message: _Text
    device: Annotated[str, Field(max_length=128)] | None = None


# -- agent → hub -------------------------------------------------------------------------


class Hello(_Msg):
    """First message after the WebSocket opens (the room is authenticated by the
    upgrade request's ``Authorization: Bearer <room secret>``)."""

    type: Literal["hello"] = "hello"
    v: Literal[1] = PROTOCOL_VERSION
    room_id: _Id
    room_name: _Text = ""
    agent_version: Annotated[str, Field(max_length=64)]
    boot_id: Annotated[str, Field(max_length=64)]  # new each agent start (reconnects keep it)
    health: Health = "unknown"
    devices: list[DeviceInfo] = Field(default_factory=list, max_length=256)
    capabilities: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=64
    )
    presets: dict[str, list[Annotated[str, Field(max_length=128)]]] = Field(
        default_factory=dict
    )  # camera id → preset names


class Heartbeat(_Msg):
    type: Literal["heartbeat"] = "heartbeat"
    seq: Annotated[int, Field(ge=0)]
    sent_at: float  # the agent's wall clock (epoch seconds): the hub derives clock offset
    health: Health
    devices: list[DeviceInfo] = Field(default_factory=list, max_length=256)


class Event(_Msg):
    """A fact the hub must store: ``id`` is per room, strictly increasing, never reused
    (the agent's on-disk outbox assigns it), so the hub stores each event once."""

    type: Literal["event"] = "event"
    id: Annotated[int, Field(ge=1)]
    at: float  # epoch seconds, agent clock
    kind: EventKind
    data: dict[str, Any] = Field(default_factory=dict)


class Result(_Msg):
    """The answer to one :class:`Command`, matched by ``request_id``."""

    type: Literal["result"] = "result"
    request_id: Annotated[str, Field(min_length=1, max_length=64)]
    outcome: Outcome
    data: Any = None  # the operation's result (JSON), when outcome == "ok"
    error: ErrorInfo | None = None  # when outcome == "error"
    duration_s: Annotated[float, Field(ge=0)] = 0.0


# -- hub → agent -------------------------------------------------------------------------


class Welcome(_Msg):
    """The hub's answer to ``hello``: the agent (re)sends its outbox after ``last_event_id``."""

    type: Literal["welcome"] = "welcome"
    v: Literal[1] = PROTOCOL_VERSION
    room_id: _Id
    hub_time: float  # epoch seconds, hub clock (the agent's hub.clock check item)
    last_event_id: Annotated[int, Field(ge=0)]
    heartbeat_s: Annotated[float, Field(gt=0)] = HEARTBEAT_INTERVAL_S


class Ack(_Msg):
    """The hub stored every event of this room up to and including ``id`` (cumulative)."""

    type: Literal["ack"] = "ack"
    id: Annotated[int, Field(ge=0)]


class Command(_Msg):
    """Run one operation (:mod:`appliance.link.ops`) through the room's service code.
    ``timeout_s`` is relative (clocks differ): the agent answers ``timeout`` when the
    operation has not finished by then, and the hub gives up a little later."""

    type: Literal["command"] = "command"
    request_id: Annotated[str, Field(min_length=1, max_length=64)]
    op: Annotated[str, Field(min_length=1, max_length=64)]
    args: dict[str, Any] = Field(default_factory=dict)
    timeout_s: Annotated[float, Field(gt=0, le=600)] = 30.0


# -- either way ---------------------------------------------------------------------------


class ProtocolErrorMessage(_Msg):
    """A message the receiver refused (bad JSON, failed validation, unknown type, too
    large). ``ref`` is the refused message's ``type`` or request id when known."""

    type: Literal["error"] = "error"
    code: Literal["bad_json", "invalid", "unknown_type", "too_large", "unsupported_version"]
    message: _Text
    ref: Annotated[str, Field(max_length=64)] | None = None


AgentMessage = Hello | Heartbeat | Event | Result | ProtocolErrorMessage
HubMessage = Welcome | Ack | Command | ProtocolErrorMessage
Message = Hello | Heartbeat | Event | Result | Welcome | Ack | Command | ProtocolErrorMessage

_ANY: TypeAdapter[Message] = TypeAdapter(Annotated[Message, Field(discriminator="type")])
_FROM_AGENT: TypeAdapter[AgentMessage] = TypeAdapter(
    Annotated[AgentMessage, Field(discriminator="type")]
)
_FROM_HUB: TypeAdapter[HubMessage] = TypeAdapter(Annotated[HubMessage, Field(discriminator="type")])


class LinkProtocolError(Exception):
    """A frame that is not a valid message; ``code`` is the ``error`` message's code."""

    def __init__(self, code: str, message: str, ref: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref

    def to_message(self) -> ProtocolErrorMessage:
        code: Any = self.code
        return ProtocolErrorMessage(code=code, message=self.message[:4096], ref=self.ref)


def encode(message: Message) -> str:
    """One frame's text."""
    return message.model_dump_json()


def decode(frame: str | bytes) -> Message:
    """Any message (tests, tools); the two sides use the directional decoders."""
    return _decode(frame, _ANY)


def decode_agent_message(frame: str | bytes) -> AgentMessage:
    """What the hub accepts from an agent."""
    return _decode(frame, _FROM_AGENT)


def decode_hub_message(frame: str | bytes) -> HubMessage:
    """What an agent accepts from the hub."""
    return _decode(frame, _FROM_HUB)


def _decode(frame: str | bytes, adapter: TypeAdapter[T]) -> T:
    if len(frame) > MAX_FRAME_BYTES:
        raise LinkProtocolError("too_large", f"frame of {len(frame)} bytes > {MAX_FRAME_BYTES}")
    try:
        # One pass over the frame for a good message (the hub decodes thousands of
        # heartbeats a second); a refused one is parsed again below to say why. JSON mode:
        # strict models still take JSON numbers for floats and lists for lists.
        return adapter.validate_json(frame)
    except ValidationError as exc:
        error = exc.errors()[0]
    try:
        raw = json.loads(frame)
    except (ValueError, UnicodeDecodeError) as exc:
        raise LinkProtocolError("bad_json", f"not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise LinkProtocolError("invalid", "a message is a JSON object")
    kind = raw.get("type")
    ref = kind if isinstance(kind, str) else None
    if isinstance(raw.get("request_id"), str):
        ref = raw["request_id"][:64]
    if "v" in raw and raw["v"] != PROTOCOL_VERSION:
        raise LinkProtocolError(
            "unsupported_version", f"protocol version {raw['v']!r}, we speak 1", ref
        )
    if error.get("type") in ("union_tag_invalid", "union_tag_not_found"):
        raise LinkProtocolError("unknown_type", f"unknown message type {kind!r}", ref)
    where = ".".join(str(p) for p in error.get("loc", ()))
    raise LinkProtocolError("invalid", f"{where}: {error.get('msg')}", ref)
