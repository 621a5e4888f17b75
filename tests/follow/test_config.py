"""The [follow] section: a seat map that points at nothing is refused with file and key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from appliance.config import load_config, parse_config
from drivers.errors import ConfigError

BASE: dict[str, Any] = {
    "room": {"id": "r1", "name": "Phòng họp"},
    "cameras": [
        {
            "id": "cam1",
            "port": "/dev/ttyUSB0",
            "model": "brc-x400",
            "presets": {"ghe-1": 0, "toan-canh": 9},
        },
        {"id": "cam2", "port": "/dev/ttyUSB1", "model": "evi-d70"},
    ],
    "follow": {
        "device": "Meeting Mics",
        "channels": 2,
        "seats": [
            {
                "channel": 1,
                "name": "Chủ tọa",
                "camera": "cam1",
                "preset": "ghe-1",
                "also": [{"camera": "cam2", "preset": 3}],
            },
            {"channel": 2, "name": "Đại biểu 2", "camera": "cam2", "preset": 2},
        ],
        "overview": [{"camera": "cam1", "preset": "toan-canh"}],
    },
}


def _with(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    node: Any = raw
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return raw


def test_a_valid_seat_map() -> None:
    cfg = parse_config(copy.deepcopy(BASE))
    assert cfg.follow is not None
    seat = cfg.follow.seats[0]
    assert [(s.camera, s.preset) for s in seat.shots] == [("cam1", "ghe-1"), ("cam2", 3)]
    assert cfg.follow.min_speech_s == 0.3


def test_a_room_without_follow_has_none() -> None:
    raw = copy.deepcopy(BASE)
    del raw["follow"]
    assert parse_config(raw).follow is None


@pytest.mark.parametrize(
    ("path", "value", "key", "text"),
    [
        (("follow", "seats", 1, "camera"), "cam9", "follow.seats[1].camera", "no camera 'cam9'"),
        (
            ("follow", "seats", 0, "preset"),
            "ghe-7",
            "follow.seats[0].preset",
            "no preset named 'ghe-7'",
        ),
        (("follow", "seats", 1, "preset"), 200, "follow.seats[1].preset", "outside"),
        (("follow", "seats", 1, "channel"), 3, "follow.seats[1].channel", "follow.channels = 2"),
        (("follow", "seats", 1, "channel"), 1, "follow.seats[1].channel", "already used"),
        (("follow", "seats", 1, "name"), "chủ tọa", "follow.seats[1].name", "used twice"),
        (
            ("follow", "seats", 0, "also"),
            [{"camera": "cam3", "preset": 1}],
            "follow.seats[0].also[0].camera",
            "cam3",
        ),
        (
            ("follow", "overview"),
            [{"camera": "cam1", "preset": "wide"}],
            "follow.overview[0].preset",
            "wide",
        ),
        (("follow", "channels"), 0, "follow.channels", "greater than or equal to 1"),
        (("follow", "channels"), 33, "follow.channels", "less than or equal to 32"),
        (("follow", "min_speech_s"), 0, "follow.min_speech_s", "greater than or equal"),
        (("follow", "speed"), 1, "follow.speed", "unknown key"),
        (("follow", "seats"), [], "follow.seats", "at least 1"),
    ],
)
def test_bad_seat_maps(path: tuple[str | int, ...], value: Any, key: str, text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_with(path, value), source="appliance.toml")
    message = str(caught.value)
    assert key in message
    assert text in message
    assert message.startswith("appliance.toml")


def test_from_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "appliance.toml"
    path.write_text(
        """
[room]
id = "r1"
name = "Phòng họp"

[[cameras]]
id = "cam1"
port = "/dev/ttyUSB0"
presets = { ghe-1 = 1 }

[follow]
device = "Focusrite"
channels = 8

[[follow.seats]]
channel = 3
name = "Đại biểu 3"
camera = "cam1"
preset = "ghe-1"
""",
        encoding="utf-8",
    )
    cfg = load_config(path)
    assert cfg.follow is not None
    assert cfg.follow.seats[0].channel == 3
    assert cfg.follow.overview == []


def test_two_cameras_the_one_not_on_air_moves() -> None:
    from appliance.agent.follow import VoiceFollow
    from appliance.agent.service import AgentService

    cfg = parse_config(copy.deepcopy(BASE))
    assert cfg.follow is not None
    follow = VoiceFollow(AgentService(cfg, hotplug=False), cfg.follow)
    shots = cfg.follow.seats[0].shots
    assert follow.choose_shot(shots).camera == "cam1"  # nothing on air yet: the first shot
    follow.on_air_camera = "cam1"
    assert follow.choose_shot(shots).camera == "cam2"  # cam1 is on air: cam2 moves, then cut
    follow.on_air_camera = "cam2"
    assert follow.choose_shot(shots).camera == "cam1"
    single = cfg.follow.seats[1].shots
    assert follow.choose_shot(single).camera == "cam2"  # only one camera sees it: that one
