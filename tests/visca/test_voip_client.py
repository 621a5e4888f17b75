"""A VISCA-over-IP client we did not write drives the simulator's Sony UDP mode.

``visca-over-ip`` 0.5.2 (PyPI; VOIP-PY in VISCA.md) sends inquiries as payload type
0100 (the simulator's lenient default accepts them) and binds its inquiry socket to the
*camera's* port number on all addresses, with SO_REUSEADDR (VISCA.md §3.1, its PR #36).
So the simulator listens on another loopback address (127.0.0.2) with SO_REUSEADDR on a
port the kernel picks: client and simulator share the port number without clashing, and
parallel runs each get their own port (no fixed 52381, nothing to serialize).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from visca_over_ip import Camera

from drivers.visca.models import profile_for
from drivers.visca.sim import SimulatorThread, UDPSimulator

SIM_HOST = "127.0.0.2"  # loopback; see the module docstring
SRG = profile_for("srg-300h")
WAIT_S = 10.0


def _until(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def camera_and_sim() -> Iterator[tuple[Camera, UDPSimulator]]:
    runner = SimulatorThread(
        lambda: UDPSimulator(host=SIM_HOST, port=0, sony_header=True, power_transition_s=0.3)
    )
    sim = runner.start()
    camera = None
    try:
        camera = Camera(SIM_HOST, sim.port)
        yield camera, sim
    finally:
        if camera is not None:
            camera.close_connection()
        runner.stop()


def test_voip_client_power_pan_tilt_zoom_presets_inquiries(
    camera_and_sim: tuple[Camera, UDPSimulator],
) -> None:
    camera, sim = camera_and_sim
    cam = sim.camera(1)

    camera.set_power(False)  # repeats 4×; the repeats get 41 during the transition
    _until(lambda: not cam.state.power, "standby")
    time.sleep(0.35)
    camera.set_power(True)
    _until(lambda: cam.state.power, "power on")
    time.sleep(0.35)

    # VOIP-PY sends direction 01 (left / up) for a negative speed and 02 (right / down)
    # for a positive one (its docstring says the opposite for pan; the bytes rule).
    camera.pantilt(8, -6)
    _until(lambda: cam.state.pan > 0 and cam.state.tilt > 0, "drive right and up")
    # VOIP-PY stops with speed 00. Only the BRC-300 is reported to refuse that
    # (obs-ptz#40); the SRG-300H profile takes it (issue #7 item 10) and stops.
    camera.pantilt(0, 0)
    _until(lambda: not cam.state.moving, "stop with speed 00")

    target = (SRG.pan_from_degrees(-30.0), SRG.tilt_from_degrees(15.0))
    camera.pantilt(24, 23, *target)
    _until(lambda: (cam.state.pan, cam.state.tilt) == target, "absolute move")
    assert camera.get_pantilt_position() == target

    camera.zoom_to(0.5)
    _until(lambda: cam.state.zoom == 0x2000, "zoom to the middle")
    assert camera.get_zoom_position() == 0x2000
    camera.zoom(7)
    _until(lambda: cam.state.zoom > 0x2000, "zoom in")
    camera.zoom(0)
    assert camera.get_focus_mode() == "auto"

    camera.save_preset(2)
    camera.pantilt_home()
    _until(lambda: (cam.state.pan, cam.state.tilt) == (0, 0), "home")
    camera.recall_preset(2)
    _until(lambda: not cam.state.moving and cam.state.last_preset == 2, "preset recall")
    assert camera.get_pantilt_position() == target
