"""CameraHandle forwards every argument of an operation to the driver."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.agent.service import AgentService
from appliance.config import parse_config


class _RecordingCamera:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    async def goto(self, pan: int, tilt: int, speed: int | None = None) -> None:
        self.calls.append(("goto", (pan, tilt, speed)))

    async def goto_degrees(self, pan_deg: float, tilt_deg: float, speed: int | None = None) -> None:
        self.calls.append(("goto_degrees", (pan_deg, tilt_deg, speed)))


async def test_goto_passes_the_speed_in_units_and_degrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = parse_config(
        {
            "room": {"id": "r", "name": "R"},
            "cameras": [{"id": "cam1", "port": "/dev/ttyUSB-none", "model": "srg-300h"}],
            "state": {"dir": str(tmp_path)},
        }
    )
    cam = AgentService(config, hotplug=False).camera("cam1")
    fake = _RecordingCamera()
    monkeypatch.setattr(cam, "_driver", lambda _operation: fake)
    await cam.goto(100, -50, 5)
    await cam.goto_degrees(20.0, 5.0, 7)
    assert fake.calls == [("goto", (100, -50, 5)), ("goto_degrees", (20.0, 5.0, 7))]
