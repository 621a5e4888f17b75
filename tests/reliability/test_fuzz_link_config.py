"""Fuzz: the link protocol decoder on both sides, and the room config loader.

- Whatever an agent or a hub sends, the other side's decoder returns a message or raises
  ``LinkProtocolError`` with one of the protocol's error codes — nothing else.
- Whatever is in ``appliance.toml`` (random text, or documents shaped like a room config
  with wrong values), ``load_config`` returns a config or raises one ``ConfigError``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import strategies as st

from appliance.config import AgentConfig, load_config
from appliance.link import LinkProtocolError, decode_agent_message, decode_hub_message
from drivers.errors import ConfigError
from tests.reliability.conftest import BATCH, EXAMPLES
from tests.reliability.fuzz import run

# 10⁵ inputs per target: ~30–60 s of CPU each, more on a loaded machine.
pytestmark = pytest.mark.timeout(900)

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
_values = st.one_of(
    _scalars,
    st.lists(_scalars, max_size=3),
    st.dictionaries(st.text(max_size=6), _scalars, max_size=3),
)
_TYPES = ["hello", "heartbeat", "event", "result", "welcome", "ack", "command", "error", "bye"]
_FIELDS = [
    "v", "id", "seq", "at", "sent_at", "kind", "data", "health", "devices", "room_id",
    "request_id", "op", "args", "outcome", "error", "timeout_s", "last_event_id", "hub_time",
    "agent_version", "boot_id", "code", "message",
]  # fmt: skip
_frames = st.one_of(
    st.builds(
        lambda kind, fields: json.dumps({"type": kind, **fields}),
        st.sampled_from(_TYPES),
        st.dictionaries(st.sampled_from(_FIELDS), _values, max_size=6),
    ),
    st.text(max_size=40),
)
_CODES = {"bad_json", "invalid", "unknown_type", "too_large", "unsupported_version"}


def test_link_decoders_both_sides(fuzz_seed: int) -> None:
    def check(batch: list[str]) -> None:
        for frame in batch:
            for decoder in (decode_agent_message, decode_hub_message):
                code = None
                try:
                    decoder(frame)
                except LinkProtocolError as exc:
                    code = exc.code
                assert code is None or code in _CODES

    assert run(fuzz_seed, _frames, check) >= EXAMPLES * BATCH


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string


_KEYS = {
    "room": ["id", "name", "district", "floor"],
    "cameras": ["id", "port", "url", "baud", "address", "model", "video", "presets"],
    "microphones": ["id", "name"],
    "displays": ["id", "x_display", "output", "cec"],
    "api": ["listen", "token_file"],
    "hub": ["url"],
    "state": ["dir"],
}
_plausible = st.one_of(
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["cam1", "/dev/ttyUSB0", "tcp://127.0.0.1:5678", "srg-300h", "127.0.0.1:0"]),
    st.integers(0, 40000),
)


@st.composite
def _documents(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for section in draw(st.lists(st.sampled_from(list(_KEYS)), max_size=4)):
        array = section in {"cameras", "microphones", "displays"}
        lines.append(f"[[{section}]]" if array else f"[{section}]")
        for key in draw(st.lists(st.sampled_from(_KEYS[section]), max_size=5, unique=True)):
            value = draw(st.one_of(_plausible, st.lists(_plausible, max_size=2)))
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def test_config_loader(fuzz_seed: int, tmp_path: Path) -> None:
    # Through the real file path; on tmpfs when there is one (a disk write per input
    # costs ~1 ms here, ten times the loader itself).
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path
    path = folder / "appliance.toml"

    def check(batch: list[str]) -> None:
        for text in batch:
            path.write_text(text, encoding="utf-8")
            message = None
            try:
                config = load_config(path)
            except ConfigError as exc:
                message = str(exc)
            else:
                assert isinstance(config, AgentConfig)
            # One line that names the file first (DESIGN.md §3, config errors).
            assert message is None or (message.startswith(str(path)) and "\n" not in message)

    documents = st.one_of(_documents(), st.text(max_size=60))
    try:
        assert run(fuzz_seed, documents, check) >= EXAMPLES * BATCH
    finally:
        shutil.rmtree(folder, ignore_errors=True)
