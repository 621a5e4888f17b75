"""The link protocol codec (appliance/link): round trips, refusals with their codes, and
a fuzz run of both directional decoders (they raise LinkProtocolError, never anything else)."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appliance.link import (
    MAX_FRAME_BYTES,
    Ack,
    Command,
    DeviceInfo,
    ErrorInfo,
    Event,
    Heartbeat,
    Hello,
    LinkProtocolError,
    Result,
    Welcome,
    decode,
    decode_agent_message,
    decode_hub_message,
    encode,
)
from appliance.link.ops import OPERATIONS, CameraDriveArgs, PresetRecallArgs

SAMPLES = [
    Hello(
        room_id="R01",
        room_name="Điểm cầu huyện Bình Xuyên",
        agent_version="0.1.0",
        boot_id="b1",
        health="healthy",
        devices=[DeviceInfo(id="cam1", kind="camera", state="ready", details={"model": "x"})],
        capabilities=["cameras"],
        presets={"cam1": ["chu-toa"]},
    ),
    Heartbeat(seq=3, sent_at=time.time(), health="warning"),
    Event(id=7, at=1.5, kind="check.result", data={"run_id": "r1", "items": []}),
    Result(request_id="q1", outcome="ok", data={"on": True}, duration_s=0.2),
    Result(
        request_id="q2",
        outcome="error",
        error=ErrorInfo(kind="superseded", message="superseded by preset 2", device="cam1"),
    ),
    Welcome(room_id="R01", hub_time=1.0, last_event_id=6),
    Ack(id=7),
    Command(request_id="q1", op="camera.power", args={"camera": "cam1", "on": True}),
]


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: m.type)
def test_round_trip(message: object) -> None:
    assert decode(encode(message)) == message  # type: ignore[arg-type]


def test_directions_are_enforced() -> None:
    assert decode_agent_message(encode(SAMPLES[1])) == SAMPLES[1]
    assert decode_hub_message(encode(Ack(id=1))) == Ack(id=1)
    with pytest.raises(LinkProtocolError) as err:
        decode_agent_message(encode(Ack(id=1)))
    assert err.value.code == "unknown_type"
    with pytest.raises(LinkProtocolError) as err:
        decode_hub_message(encode(SAMPLES[1]))
    assert err.value.code == "unknown_type"


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{", "bad_json"),
        ("[1, 2]", "invalid"),
        ('{"type": "teleport"}', "unknown_type"),
        ('{"seq": 1}', "unknown_type"),
        ('{"type": "heartbeat", "seq": "1", "sent_at": 1, "health": "healthy"}', "invalid"),
        ('{"type": "heartbeat", "seq": 1, "sent_at": 1, "health": "great"}', "invalid"),
        ('{"type": "heartbeat", "seq": 1, "sent_at": 1, "health": "healthy", "x": 1}', "invalid"),
        ('{"type": "hello", "v": 2, "room_id": "R"}', "unsupported_version"),
        ('{"type": "event", "id": 0, "at": 1, "kind": "device"}', "invalid"),
        ("x" * (MAX_FRAME_BYTES + 1), "too_large"),
    ],
)
def test_refusals_name_their_code(frame: str, code: str) -> None:
    with pytest.raises(LinkProtocolError) as err:
        decode(frame)
    assert err.value.code == code
    # The refusal becomes an ``error`` message the peer can decode.
    answer = decode(encode(err.value.to_message()))
    assert answer.type == "error"
    assert answer.code == code  # type: ignore[union-attr]


def test_result_ref_names_the_request() -> None:
    frame = json.dumps({"type": "result", "request_id": "abc", "outcome": "maybe"})
    with pytest.raises(LinkProtocolError) as err:
        decode_agent_message(frame)
    assert err.value.ref == "abc"


def test_operation_args_are_strict() -> None:
    assert set(OPERATIONS) >= {"camera.preset.recall", "check.start", "room.on"}
    assert CameraDriveArgs.model_validate({"camera": "cam1", "pan": "left"}).pan == "left"
    with pytest.raises(ValueError, match="speed"):
        CameraDriveArgs.model_validate({"camera": "cam1", "speed": 0})
    with pytest.raises(ValueError, match="preset"):
        PresetRecallArgs.model_validate({"camera": "cam1", "preset": 1})


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_typed = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["hello", "heartbeat", "event", "result", "welcome", "ack", "command", "error", "x"]
        )
    },
    optional={
        "id": _json,
        "seq": _json,
        "request_id": _json,
        "room_id": _json,
        "v": _json,
        "kind": _json,
        "data": _json,
        "health": _json,
    },
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=64), _json.map(json.dumps), _typed.map(json.dumps)))
def test_fuzzed_frames_only_raise_link_protocol_errors(frame: str) -> None:
    codes = {"bad_json", "invalid", "unknown_type", "too_large", "unsupported_version"}
    for decoder in (decode, decode_agent_message, decode_hub_message):
        code = None
        try:
            decoder(frame)
        except LinkProtocolError as exc:
            code = exc.code
        assert code is None or code in codes
