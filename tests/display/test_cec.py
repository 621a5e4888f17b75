"""HDMI-CEC through cec-client: the real binary with no adapter, and the stand-in for replies."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.display.cec import (
    CecAdapterMissingError,
    CecDisplay,
    CecPowerStatus,
    parse_power_status,
)
from drivers.display.cec_simulator import CecClientSimulator
from drivers.errors import DeviceTimeoutError, DeviceUnavailableError, ProtocolError
from tests.display.conftest import poll_until


def _running(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


@pytest.fixture
def tv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CecClientSimulator:
    """A simulated TV behind a stand-in ``cec-client`` placed first on PATH."""
    sim = CecClientSimulator(tmp_path / "bin")
    sim.install()
    monkeypatch.setenv("PATH", sim.path_with_simulator())
    return sim


async def test_real_cec_client_without_adapter_is_not_available() -> None:
    # The real libCEC tool on this machine: no adapter, "autodetect FAILED", exit 1.
    display = CecDisplay("tv")
    assert await display.power_status() is CecPowerStatus.NOT_AVAILABLE
    with pytest.raises(CecAdapterMissingError, match="autodetect FAILED") as info:
        await display.power_on()
    assert isinstance(info.value, DeviceUnavailableError)
    assert info.value.operation == "power_on"
    with pytest.raises(CecAdapterMissingError):
        await display.standby()


async def test_power_cycle_through_the_real_command_line(tv: CecClientSimulator) -> None:
    display = CecDisplay("tv")
    assert await display.power_status() is CecPowerStatus.STANDBY
    await display.power_on()
    assert tv.power == "on"
    assert await display.power_status() is CecPowerStatus.ON
    await display.standby()
    assert await display.power_status() is CecPowerStatus.STANDBY
    calls = tv.calls()
    assert [c["stdin"] for c in calls] == ["pow 0", "on 0", "pow 0", "standby 0", "pow 0"]
    assert all(c["argv"] == ["-s", "-d", "1"] for c in calls)


async def test_transitions_unknown_and_other_addresses(tv: CecClientSimulator) -> None:
    tv.set(transition=True)
    display = CecDisplay("tv")
    await display.power_on()
    assert await display.power_status() is CecPowerStatus.TURNING_ON
    assert await display.power_status() is CecPowerStatus.ON
    await display.standby()
    assert await display.power_status() is CecPowerStatus.TURNING_OFF
    tv.set(tv_present=False)
    assert await display.power_status() is CecPowerStatus.UNKNOWN
    # "on"/"standby" take a hex address, "pow" a decimal one (libCEC's cec-client.cpp).
    await CecDisplay("projector", logical_address=11).power_on()
    await CecDisplay("projector", logical_address=11).power_status()
    assert [c["stdin"] for c in tv.calls()[-2:]] == ["on b", "pow 11"]


async def test_adapter_missing_or_unopenable(tv: CecClientSimulator, tmp_path: Path) -> None:
    display = CecDisplay("tv")
    tv.set(adapter=False)
    assert await display.power_status() is CecPowerStatus.NOT_AVAILABLE
    tv.set(adapter=True, cannot_open=True)
    assert await display.power_status() is CecPowerStatus.NOT_AVAILABLE
    with pytest.raises(CecAdapterMissingError, match="could not open the adapter"):
        await display.standby()
    missing_port = CecDisplay("tv", adapter_port=str(tmp_path / "ttyACM9"))
    calls = len(tv.calls())
    with pytest.raises(CecAdapterMissingError, match="ttyACM9 does not exist"):
        await missing_port.power_on()
    assert len(tv.calls()) == calls  # refused before running anything
    port = tmp_path / "ttyACM0"
    port.touch()
    tv.set(cannot_open=False)
    await CecDisplay("tv", adapter_port=str(port)).power_on()
    assert tv.calls()[-1]["argv"] == ["-s", "-d", "1", str(port)]


async def test_hanging_cec_client_is_killed_at_the_timeout(tv: CecClientSimulator) -> None:
    tv.set(hang_s=30.0)
    display = CecDisplay("tv", timeout_s=0.5)
    # Killed, not waited for: the hung client is gone (checked below by its PID).
    with pytest.raises(DeviceTimeoutError, match=r"no answer to 'pow 0' within 0\.5 s"):
        await display.power_status()
    assert await poll_until(lambda: bool(tv.calls()), 2.0)
    pid = int(tv.calls()[-1]["pid"])  # type: ignore[call-overload]
    assert not _running(pid), "cec-client was left running"


async def test_missing_program_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    display = CecDisplay("tv", command="cec-client-not-installed")
    with pytest.raises(DeviceUnavailableError, match="install the Debian package cec-utils"):
        await display.power_status()


async def test_output_that_is_not_cec_client_is_a_protocol_error() -> None:
    # /bin/true takes any argument, prints nothing and exits 0: not what cec-client does.
    with pytest.raises(ProtocolError, match="unexpected cec-client output"):
        await CecDisplay("tv", command="true").power_status()
    with pytest.raises(ProtocolError, match="exited with 1"):
        await CecDisplay("tv", command="false").power_on()


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("opening a connection to the CEC adapter...\npower status: on\n", CecPowerStatus.ON),
        (
            "opening a connection to the CEC adapter...\npower status: standby\n",
            CecPowerStatus.STANDBY,
        ),
        (
            "opening a connection to the CEC adapter...\n"
            "ERROR:   [            1203]\tTV (0): power status changed\n"
            "power status: in transition from standby to on\n",
            CecPowerStatus.TURNING_ON,
        ),
        ("power status: in transition from on to standby", CecPowerStatus.TURNING_OFF),
        ("power status: unknown", CecPowerStatus.UNKNOWN),
        ("power status: something new", CecPowerStatus.UNKNOWN),
        ("opening a connection to the CEC adapter...\n", None),
        ("autodetect FAILED\n", None),
    ],
)
def test_parse_power_status(output: str, expected: CecPowerStatus | None) -> None:
    assert parse_power_status(output.splitlines()) is expected


def test_logical_address_range() -> None:
    with pytest.raises(ValueError, match=r"0\.\.14"):
        CecDisplay("tv", logical_address=15)
