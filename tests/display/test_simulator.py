"""The display simulator: Xvfb by PID, named outputs, screenshots, injected faults."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from drivers.display import PlayerState, check_pattern, list_outputs, render_pattern
from drivers.display.simulator import DisplayFault, DisplaySimulator, Xvfb
from drivers.errors import CommandRejectedError, DeviceUnavailableError
from tests.display.conftest import NOW, ROOM, fixed_clock, pixels

TWO_OUTPUTS = [("HDMI-1", "1280x720+0+0"), ("HDMI-2", "1280x720+1280+0")]


def _pid_alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def test_xvfb_starts_on_a_free_display_and_stops_by_pid() -> None:
    first, second = Xvfb([(640, 480)]), Xvfb([(640, 480)])
    try:
        a, b = first.start(), second.start()
        assert a != b  # Xvfb picked two free numbers (-displayfd)
        for server, name in ((first, a), (second, b)):
            assert server.pid is not None
            assert _pid_alive(server.pid)
            assert Path(f"/tmp/.X11-unix/X{name[1:]}").exists()
            assert [o.name for o in list_outputs(name)][-1] == "screen:0"
        pid = first.pid
        first.stop()
        assert pid is not None
        assert not _pid_alive(pid)
        assert not first.running
        # (Not "its socket is gone": a parallel run's Xvfb may take the free number at once.)
    finally:
        first.stop()
        second.stop()


def test_missing_xvfb_names_the_debian_package() -> None:
    with pytest.raises(DeviceUnavailableError, match="install the Debian package xvfb"):
        Xvfb(command="Xvfb-not-installed").start()


async def test_named_outputs_screenshot_and_pattern_check() -> None:
    async with DisplaySimulator(monitors=TWO_OUTPUTS) as sim:
        outputs = {o.name: str(o.geometry) for o in list_outputs(sim.xdisplay)}
        assert outputs["HDMI-1"] == "1280x720+0+0"
        assert outputs["HDMI-2"] == "1280x720+1280+0"
        assert sim.size == (2560, 720)
        display = sim.make_display("main", output="HDMI-2", room_name=ROOM, clock=fixed_clock)
        try:
            await display.show_pattern()
            expected = pixels(render_pattern("bars", 1280, 720, ROOM, NOW))
            for _ in range(100):
                if np.array_equal(pixels(sim.screenshot("HDMI-2")), expected):
                    break
                await asyncio.sleep(0.05)
            assert np.array_equal(pixels(sim.screenshot("HDMI-2")), expected)
            assert check_pattern(sim.screenshot("HDMI-2"), "bars").ok
            assert not check_pattern(sim.screenshot("HDMI-1"), "bars").ok
            assert not pixels(sim.screenshot("HDMI-1")).any()
            assert sim.screenshot().size == (2560, 720)
        finally:
            await display.stop()


async def test_broken_media_fault_goes_through_real_vlc() -> None:
    async with DisplaySimulator(size=(1280, 720)) as sim:
        display = sim.make_display("main", room_name=ROOM, clock_refresh_s=None)
        try:
            sim.set_fault(DisplayFault.BROKEN_MEDIA)
            with pytest.raises(CommandRejectedError, match="ended before showing a picture"):
                await display.show_slate()
            assert display.state().state is PlayerState.ERROR
            sim.set_fault(DisplayFault.NONE)
            status = await display.show_slate()
            assert status.state is PlayerState.PLAYING
            with pytest.raises(ValueError, match="unplug"):
                sim.set_fault(DisplayFault.NO_OUTPUT)
        finally:
            await display.stop()


async def test_unplugged_screen_is_reported_and_the_process_survives() -> None:
    saved = os.environ.get("DISPLAY")
    sim = DisplaySimulator(size=(1280, 720))
    xdisplay = await sim.start()
    display = sim.make_display("main", room_name=ROOM, clock_refresh_s=None)
    try:
        await display.show_pattern()
        assert os.environ["DISPLAY"] == xdisplay  # libvlc embeds through $DISPLAY
        pid = sim.pid
        await sim.unplug()
        assert pid is not None
        assert not _pid_alive(pid)
        assert sim.fault is DisplayFault.NO_OUTPUT
        # With Xlib inside VLC this process would have exited here ("XIO: fatal IO error").
        status = await display.probe()
        assert status.state is PlayerState.ERROR
        assert status.error is not None
        assert "output lost" in status.error
        with pytest.raises(DeviceUnavailableError, match="output lost"):
            await display.show_pattern()
        with pytest.raises(DeviceUnavailableError, match="not usable"):
            await display.show_pattern()
        assert await sim.replug() == xdisplay
        status = await display.show_pattern()
        assert status.state is PlayerState.PLAYING
        assert check_pattern(await asyncio.to_thread(_settled_shot, sim), "bars").ok
    finally:
        await display.stop()
        await sim.stop()
    assert os.environ.get("DISPLAY") == saved  # restored when the last display closed


def _settled_shot(sim: DisplaySimulator) -> Image.Image:
    deadline = time.monotonic() + 5
    shot = sim.screenshot()
    while not check_pattern(shot, "bars").ok and time.monotonic() < deadline:
        time.sleep(0.05)
        shot = sim.screenshot()
    return shot


async def test_one_x_server_per_process() -> None:
    async with (
        DisplaySimulator(size=(640, 480)) as first,
        DisplaySimulator(size=(640, 480)) as second,
    ):
        a = first.make_display("a", clock_refresh_s=None)
        b = second.make_display("b", clock_refresh_s=None)
        try:
            await a.show_pattern()
            with pytest.raises(DeviceUnavailableError, match="one process drives one X server"):
                await b.show_pattern()
            await a.stop()
            await b.show_pattern()  # free again once the first has closed
            assert b.state().state is PlayerState.PLAYING
        finally:
            await a.stop()
            await b.stop()
