"""What the simulator's message handlers need of one simulated camera (a protocol).

``sim_commands``, ``sim_inquiry`` and ``sim_lens`` take a camera and read or change
its state; :class:`~drivers.visca.sim.camera.CameraSimulator` implements this and
calls them. Typing them against this protocol keeps the imports one way (no circle
between the camera and its handlers).
"""

from __future__ import annotations

from typing import Protocol

from drivers.visca.models import ModelProfile
from drivers.visca.sim.motion import Axis
from drivers.visca.sim.settings import Settings
from drivers.visca.sim.state import Effect, Faults, Preset


class SimulatedCamera(Protocol):
    profile: ModelProfile
    axes: dict[str, Axis]
    faults: Faults
    settings: Settings
    presets: dict[int, Preset]
    focus_auto: bool
    menu_open: bool
    last_preset: int
    frame_s: float
    power_transition_s: float
    one_push_wb_s: float
    pan_tilt_reset_s: float
    rom_version: int
    strict: bool

    @property
    def power(self) -> bool: ...

    def set_power(self, on: bool) -> None: ...

    def hold(self, now: float, seconds: float) -> None: ...

    def focus_position(self, now: float) -> float: ...

    def ideal_focus(self, zoom: float) -> float: ...

    def set_focus_auto(self, now: float, auto: bool) -> None: ...

    def snapshot_preset(self, now: float) -> Preset: ...

    def recall(self, now: float, preset: Preset | None, degrees_per_s: float) -> Effect: ...

    def recalling(self, now: float) -> bool: ...

    def resetting(self, now: float) -> bool: ...


__all__ = ["SimulatedCamera"]
