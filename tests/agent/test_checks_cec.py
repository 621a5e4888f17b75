"""The display power item over HDMI-CEC: the real ``cec-client`` on a PC without an adapter
(skip with the reason, never a pass) and the display simulator's stand-in ``cec-client``
(libCEC's real output format) for a TV that is on, in standby or silent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from appliance.agent.checks import CheckStatus, install
from appliance.agent.checks.model import CheckResult
from appliance.agent.service import AgentService
from appliance.config import parse_config
from drivers.display.cec_simulator import CecClientSimulator


def _service(tmp_path: Path, cec: bool = True) -> AgentService:
    return AgentService(
        parse_config(
            {
                "room": {"id": "r1", "name": "Phòng họp thử"},
                # No X server at this name: the output item fails at once; the power item
                # does not need the picture.
                "displays": [{"id": "main", "x_display": ":987", "cec": cec}],
                "state": {"dir": str(tmp_path / "state")},
            }
        ),
        hotplug=False,
    )


async def _power(service: AgentService) -> CheckResult:
    engine = install(service)
    run = await engine.wait(await engine.start({"display"}))
    return next(r for r in run.results if r.id == "display.main.power")


async def test_no_cec_adapter_is_a_skip_with_the_reason(tmp_path: Path) -> None:
    if shutil.which("cec-client") is None:
        pytest.fail("cec-client is missing: install the Debian package cec-utils")
    result = await _power(_service(tmp_path))
    assert result.status is CheckStatus.SKIP
    assert (
        result.message["vi"]
        == "Không kiểm tra nguồn màn hình main: máy tính không có bộ chuyển HDMI-CEC"
    )
    assert result.values["power"] == "not_available"


async def test_cec_off_in_the_config_is_a_skip(tmp_path: Path) -> None:
    result = await _power(_service(tmp_path, cec=False))
    assert result.status is CheckStatus.SKIP
    assert "cec = false" in result.message["en"]


async def test_tv_power_through_cec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tv = CecClientSimulator(tmp_path / "cec", power="on")
    monkeypatch.setenv("PATH", tv.path_with_simulator())
    tv.install()
    on = await _power(_service(tmp_path / "a"))
    assert on.status is CheckStatus.PASS
    assert on.message["en"] == "Display main is on (HDMI-CEC)"
    tv.set(power="standby")
    standby = await _power(_service(tmp_path / "b"))
    assert standby.status is CheckStatus.FAIL
    assert standby.remediation["vi"].startswith("Bật màn hình main bằng điều khiển từ xa")
    tv.set(tv_present=False)
    silent = await _power(_service(tmp_path / "c"))
    assert silent.status is CheckStatus.WARN
    assert silent.values["power"] == "unknown"
    tv.set(adapter=False)
    missing = await _power(_service(tmp_path / "d"))
    assert missing.status is CheckStatus.SKIP
    assert [call["stdin"] for call in tv.calls()] == ["pow 0"] * 4
