"""A demo-province room agent's own control API, ground truth for the dashboard tests
(what the camera really does, read past the hub).

    url, token = agent_api(province, "tinh-uy")
    camera_position(province, "tinh-uy")            # (pan°, tilt°), one decimal
    agent_call(province, "tinh-uy", "PUT", "/cameras/cam1/position", {"pan_deg": 5.0, "tilt_deg": 0.0})
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import httpx

from appliance.cli.demo_province import Province


def agent_api(province: Province, room_id: str) -> tuple[str, str]:
    """The room agent's API base URL and bearer token (from the room's own config)."""
    room_dir = province.directory / "rooms" / room_id
    config = tomllib.loads((room_dir / "appliance.toml").read_text(encoding="utf-8"))
    token = (Path(config["state"]["dir"]) / "api-token").read_text(encoding="utf-8").strip()
    return f"http://{config['api']['listen']}/api/v1", token


def agent_state_dir(province: Province, room_id: str) -> str:
    """The room agent's state directory (its config's [state] dir)."""
    room_dir = province.directory / "rooms" / room_id
    config = tomllib.loads((room_dir / "appliance.toml").read_text(encoding="utf-8"))
    return str(config["state"]["dir"])


def agent_call(
    province: Province, room_id: str, method: str, path: str, body: Any = None
) -> httpx.Response:
    url, token = agent_api(province, room_id)
    return httpx.request(
        method,
        f"{url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def camera_position(province: Province, room_id: str, camera: str = "cam1") -> tuple[float, float]:
    answer = agent_call(province, room_id, "GET", f"/cameras/{camera}/position")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return round(body["pan_deg"], 1), round(body["tilt_deg"], 1)
