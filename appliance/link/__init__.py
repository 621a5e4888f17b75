"""The agent ↔ hub link protocol, shared by both sides (no FastAPI, no I/O).

    from appliance.link import decode, encode, Hello, Heartbeat, Event, Command, Result
    text = encode(Heartbeat(seq=1, sent_at=time.time(), health="healthy", devices=[]))
    msg = decode(text)            # raises LinkProtocolError (code, message); never anything else

One JSON object per WebSocket text frame, discriminated by ``type``; ``docs/LINK.md``
is the prose specification. Operations a command may name and their argument models
are in :mod:`appliance.link.ops`.
"""

from __future__ import annotations

from appliance.link.messages import (
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
    Ack,
    AgentMessage,
    Command,
    DeviceInfo,
    ErrorInfo,
    ErrorKind,
    Event,
    EventKind,
    Heartbeat,
    Hello,
    HubMessage,
    LinkProtocolError,
    Message,
    Outcome,
    ProtocolErrorMessage,
    Result,
    Welcome,
    decode,
    decode_agent_message,
    decode_hub_message,
    encode,
)

__all__ = [
    "MAX_FRAME_BYTES",
    "PROTOCOL_VERSION",
    "Ack",
    "AgentMessage",
    "Command",
    "DeviceInfo",
    "ErrorInfo",
    "ErrorKind",
    "Event",
    "EventKind",
    "Heartbeat",
    "Hello",
    "HubMessage",
    "LinkProtocolError",
    "Message",
    "Outcome",
    "ProtocolErrorMessage",
    "Result",
    "Welcome",
    "decode",
    "decode_agent_message",
    "decode_hub_message",
    "encode",
]
