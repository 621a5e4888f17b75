"""The hub check's timeout is told in the technician's language, not English inside the
Vietnamese message (``checks.hub.link.timeout``).

The hub is a loopback socket that accepts connections (the kernel completes the
handshake) and never answers; the check engine runs ``hub.link`` against it through the
agent service, with a short ``hub_timeout_s``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.agent.checks import CheckSettings, install
from appliance.agent.service import AgentService
from appliance.config import load_config
from appliance.i18n import t
from tests.agent.conftest import free_port, write_config

HUB_TIMEOUT_S = 0.4


@pytest.fixture
def silent_hub() -> Iterator[str]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"ws://127.0.0.1:{server.getsockname()[1]}/api/v1/agent"


async def test_hub_timeout_message_in_both_languages(tmp_path: Path, silent_hub: str) -> None:
    config = write_config(
        tmp_path / "appliance.toml",
        port=free_port(),
        state_dir=tmp_path / "state",
        hub=f'[hub]\nurl = "{silent_hub}"\n',
    )
    service = AgentService(load_config(config), hotplug=False)
    engine = install(service, CheckSettings(hub_timeout_s=HUB_TIMEOUT_S))
    await service.start()
    try:
        run = await engine.wait(await engine.start({"hub"}))
    finally:
        await service.stop()
    link = next(r for r in run.results if r.id == "hub.link")
    assert link.status.value == "fail"
    vi, en = link.message["vi"], link.message["en"]
    assert vi == (
        f"Không kết nối được máy chủ trung tâm {silent_hub}: "
        "không có phản hồi trong 0.4 giây (ReadTimeout)"
    )
    assert en == f"Cannot reach the central hub {silent_hub}: no answer within 0.4 s (ReadTimeout)"
    assert "no answer" not in vi
    assert link.remediation["vi"].startswith("Kiểm tra cáp mạng")
    assert link.values["url"] == silent_hub.replace("ws://", "http://", 1)


def test_timeout_text_is_registered_for_both_languages() -> None:
    params = {"url": "wss://hub.example/ws", "seconds": "3", "kind": "ConnectTimeout"}
    vi = t("checks.hub.link.timeout", "vi", **params)
    en = t("checks.hub.link.timeout", "en", **params)
    assert vi == (
        "Không kết nối được máy chủ trung tâm wss://hub.example/ws: "
        "không có phản hồi trong 3 giây (ConnectTimeout)"
    )
    assert (
        en
        == "Cannot reach the central hub wss://hub.example/ws: no answer within 3 s (ConnectTimeout)"
    )
    assert t("checks.hub.link.timeout", **params) == vi  # Vietnamese is the default
