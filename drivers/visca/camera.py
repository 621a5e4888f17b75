"""One VISCA camera (one address on a port): typed operations checked against its model.

Arguments are checked against the :class:`~drivers.visca.models.ModelProfile` before
anything is sent: ranges, speeds (never speed ``00``: a syntax error on Sony cameras,
VISCA.md §2.1, glikely/obs-ptz#40), the model's preset range and encoding (§2.3),
4- or 5-nibble positions (§2.6). A bad argument raises ``ValueError`` naming the limit
(the control API answers 422); everything the camera or the link does wrong raises
the driver error tree (``DeviceUnavailableError``, ``DeviceTimeoutError``,
``CommandRejectedError``, ``ProtocolError``).

Moves that take seconds (preset recall, absolute move, home, reset, power) wait for
their completion with the port's ``move_completion_timeout_s``. A move overtaken by a
newer command on one of its axes (a second recall, a drive, a stop) raises
``CommandSupersededError``: it did not get there. Preset numbers are the
camera's memory numbers as on the wire (BRC-X400: preset n is memory n − 1); names
map to numbers in the caller (agent config), not here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal, TypeVar

from drivers.errors import DeviceError, DeviceTimeoutError, ProtocolError
from drivers.visca import messages as m
from drivers.visca.models import ModelProfile
from drivers.visca.protocol import ViscaPort

log = logging.getLogger(__name__)

ZoomAction = Literal["tele", "wide", "stop"]
FocusAction = Literal["far", "near", "stop", "one_push"]
# Variable zoom/focus speed when none is given: the middle of 0 … 7 (VISCA.md §2.1).
DEFAULT_LENS_SPEED: Final = 3
T = TypeVar("T")
# Drive groups: a Stop of a group overtakes queued drives of it and, when both sockets
# are busy, cancels the command moving it.
PAN_TILT: Final = "pan_tilt"
ZOOM: Final = "zoom"
FOCUS: Final = "focus"
# Completion deadline of a move = its travel time at the speed asked for (the model's
# speed table, worst-case distance) × MOVE_MARGIN + MOVE_SETTLE_S, never below the port's
# move_completion_timeout_s. Margin and allowance cover acceleration, the 1V per message
# and nominal speed tables (VISCA.md §1.3, §2.6): a slow pan across the range takes
# minutes (SRG-300H speed 01: 1.1 °/s over 340°), not 15 s.
MOVE_MARGIN: Final = 1.5
MOVE_SETTLE_S: Final = 2.0
# A preset recall moves the head and the lens (Sony presets keep zoom and focus too).
ALL_AXES: Final = frozenset((PAN_TILT, ZOOM, FOCUS))


@dataclass(frozen=True, slots=True)
class Position:
    """Pan-tilt position in model units (signed) and degrees (right/up positive)."""

    pan: int
    tilt: int
    pan_deg: float
    tilt_deg: float


@dataclass(frozen=True, slots=True)
class CameraInfo:
    """What a technician wants to see about one camera."""

    address: int
    profile: str
    vendor: int
    model: int
    rom: int
    max_socket: int
    power: m.PowerState


class ViscaCamera:
    """The camera at ``address`` on ``port``; ``device_id`` names it in every error."""

    def __init__(
        self, port: ViscaPort, address: int, profile: ModelProfile, device_id: str
    ) -> None:
        if not m.MIN_ADDRESS <= address <= m.MAX_ADDRESS:
            raise ValueError(f"camera address must be 1–7, got {address}")
        self.port = port
        self.address = address
        self.profile = profile
        self.device_id = device_id
        port.name_address(address, device_id)

    # -- power ---------------------------------------------------------------------------

    async def power(self, on: bool) -> None:
        """CAM_Power; waits until the camera has switched (it takes seconds). Resent after a
        lost completion: switching on a camera that is on does nothing."""
        await self.port.command(
            self.address, m.power(on), completion_timeout_s=self.port.move_completion_timeout_s
        )

    async def inquire_power(self) -> bool:
        """True when the camera is on (standby and power fault are False)."""
        return await self._inquire(m.inq_power(), m.decode_power)

    async def power_state(self) -> m.PowerState:
        return await self._inquire(m.inq_power(), m.decode_power_state)

    # -- pan-tilt ------------------------------------------------------------------------

    async def move(
        self,
        pan_dir: m.PanDir,
        tilt_dir: m.TiltDir,
        pan_speed: int | None = None,
        tilt_speed: int | None = None,
    ) -> None:
        """Start a continuous pan-tilt drive (returns once the camera accepted it)."""
        if m.PanDir(pan_dir) is m.PanDir.STOP and m.TiltDir(tilt_dir) is m.TiltDir.STOP:
            await self.stop()
            return
        request = m.pan_tilt_drive(
            pan_dir, tilt_dir, *self._speeds(pan_speed, tilt_speed, default_max=False)
        )
        await self.port.drive(self.address, request, group=PAN_TILT)

    async def stop(self) -> None:
        """Stop the pan-tilt drive; overtakes queued commands (VISCA.md §5 #4)."""
        await self.port.stop(self.address, m.pan_tilt_stop(), group=PAN_TILT)

    async def goto(self, pan: int, tilt: int, speed: int | None = None) -> None:
        """Absolute move in model units; returns when the head has arrived."""
        self.profile.check_pan(pan)
        self.profile.check_tilt(tilt)
        pan_speed, tilt_speed = self._move_speeds(speed)
        request = m.pan_tilt_absolute(
            pan,
            tilt,
            pan_speed,
            None if self.profile.absolute_single_speed else tilt_speed,
            self.profile.pan_nibbles,
            self.profile.tilt_nibbles,
        )
        # The head may be anywhere: the distance from the farther end of each range.
        pan_low, pan_high = self.profile.pan_range
        tilt_low, tilt_high = self.profile.tilt_range
        travel = self._pan_tilt_travel_s(
            max(pan - pan_low, pan_high - pan),
            max(tilt - tilt_low, tilt_high - tilt),
            pan_speed,
            tilt_speed,
        )
        try:
            await self._move(request, PAN_TILT, travel_s=travel)
        except DeviceTimeoutError as exc:
            # No completion (lost on a lossy link) and a move is never resent: ask where
            # the head is. There is the answer; anywhere else, the timeout stands.
            try:
                here = await self.position()
            except DeviceError:
                raise exc from None
            if (here.pan, here.tilt) != (pan, tilt):
                raise
            log.info("%s: completion of %s lost; the head is there", self.device_id, request.name)

    async def goto_degrees(self, pan_deg: float, tilt_deg: float, speed: int | None = None) -> None:
        """Absolute move in degrees (converted with the model's units per degree)."""
        await self.goto(
            self.profile.pan_from_degrees(pan_deg), self.profile.tilt_from_degrees(tilt_deg), speed
        )

    async def move_relative(self, pan: int, tilt: int, speed: int | None = None) -> None:
        """Relative move in units. Never resent after a lost completion (not idempotent)."""
        pan_speed, tilt_speed = self._move_speeds(speed)
        request = m.pan_tilt_relative(
            pan,
            tilt,
            pan_speed,
            None if self.profile.absolute_single_speed else tilt_speed,
            self.profile.pan_nibbles,
            self.profile.tilt_nibbles,
        )
        travel = self._pan_tilt_travel_s(abs(pan), abs(tilt), pan_speed, tilt_speed)
        await self._move(request, PAN_TILT, travel_s=travel)

    async def home(self) -> None:
        await self._move(m.pan_tilt_home(), PAN_TILT, travel_s=self._full_sweep_s())

    async def reset(self) -> None:
        """Pan-tilt reset: mechanical re-initialisation (to both ends and back), seconds."""
        await self._move(m.pan_tilt_reset(), PAN_TILT, travel_s=2 * self._full_sweep_s())

    async def position(self) -> Position:
        request = m.inq_pan_tilt_pos(self.profile.pan_nibbles, self.profile.tilt_nibbles)
        pan, tilt = await self._inquire(
            request,
            lambda data: m.decode_pan_tilt(
                data, self.profile.pan_nibbles, self.profile.tilt_nibbles
            ),
        )
        return Position(
            pan, tilt, self.profile.pan_to_degrees(pan), self.profile.tilt_to_degrees(tilt)
        )

    async def pan_tilt_status(self) -> m.PanTiltStatus:
        return await self._inquire(m.inq_pan_tilt_mode(), m.decode_pan_tilt_status)

    # -- zoom and focus ------------------------------------------------------------------

    async def zoom(self, action: ZoomAction, speed: int | None = None) -> None:
        """Variable zoom drive (speed 0–7) or stop."""
        if action == "stop":
            await self.port.stop(self.address, m.zoom_stop(), group=ZOOM)
            return
        lens_speed = _lens_speed(speed)
        if action == "tele":
            request = m.zoom_tele(lens_speed)
        elif action == "wide":
            request = m.zoom_wide(lens_speed)
        else:
            raise ValueError(f"zoom action must be tele, wide or stop, got {action!r}")
        await self.port.drive(self.address, request, group=ZOOM)

    async def zoom_to(self, position: int) -> None:
        """Zoom direct; waits until the lens is there."""
        self.profile.check_zoom(position)
        await self._move(m.zoom_direct(position), ZOOM, travel_s=self.profile.zoom_full_travel_s)

    async def zoom_position(self) -> int:
        return await self._inquire(m.inq_zoom_pos(), m.decode_u16)

    async def digital_zoom(self, on: bool) -> None:
        await self._command(m.digital_zoom(on))

    async def focus(self, action: FocusAction, speed: int | None = None) -> None:
        """Variable focus drive far/near (speed 0–7), stop, or a one-push AF trigger."""
        if action == "stop":
            await self.port.stop(self.address, m.focus_stop(), group=FOCUS)
        elif action == "one_push":
            await self._command(m.focus_one_push())
        elif action in ("far", "near"):
            lens_speed = _lens_speed(speed)
            request = m.focus_far(lens_speed) if action == "far" else m.focus_near(lens_speed)
            await self.port.drive(self.address, request, group=FOCUS)
        else:
            raise ValueError(f"focus action must be far, near, stop or one_push, got {action!r}")

    async def focus_auto(self, on: bool) -> None:
        await self._command(m.focus_auto(on))

    async def focus_to(self, position: int) -> None:
        """Focus direct (manual focus); waits until the lens is there."""
        low, high = self.profile.focus_range
        if not low <= position <= high:
            raise ValueError(
                f"{self.profile.name} focus must be in {low:#06x}..{high:#06x}, got {position:#x}"
            )
        travel = self.profile.focus_full_travel_s
        await self._move(m.focus_direct(position), FOCUS, travel_s=travel)

    async def focus_position(self) -> int:
        return await self._inquire(m.inq_focus_pos(), m.decode_u16)

    async def focus_is_auto(self) -> bool:
        return await self._inquire(
            m.inq_focus_mode(), lambda d: m.decode_mode(d) == m.FocusMode.AUTO
        )

    # -- picture -------------------------------------------------------------------------

    async def white_balance(self, mode: m.WBMode) -> None:
        await self._command(m.wb_mode(m.WBMode(mode)))

    async def white_balance_mode(self) -> m.WBMode:
        return await self._inquire(m.inq_wb_mode(), lambda d: m.WBMode(m.decode_mode(d)))

    async def white_balance_one_push(self) -> None:
        await self._command(m.wb_one_push_trigger())

    async def exposure(self, mode: m.AEMode) -> None:
        await self._command(m.ae_mode(m.AEMode(mode)))

    async def exposure_mode(self) -> m.AEMode:
        return await self._inquire(m.inq_ae_mode(), lambda d: m.AEMode(m.decode_mode(d)))

    async def backlight(self, on: bool) -> None:
        await self._command(m.backlight(on))

    async def backlight_on(self) -> bool:
        return await self._inquire(m.inq_backlight(), m.decode_on_off)

    # -- presets -------------------------------------------------------------------------

    async def preset_store(self, n: int) -> None:
        await self._command(
            m.memory_set(self.profile.check_preset(n), self.profile.preset_encoding)
        )

    async def preset_recall(self, n: int) -> None:
        """Recall memory ``n``; returns when the move has ended (seconds, not ms)."""
        profile = self.profile
        pan_deg = (profile.pan_range[1] - profile.pan_range[0]) / profile.units_per_degree_pan
        tilt_deg = (profile.tilt_range[1] - profile.tilt_range[0]) / profile.units_per_degree_tilt
        travel = max(
            max(pan_deg, tilt_deg) / profile.preset_deg_per_s,
            profile.zoom_full_travel_s,
            profile.focus_full_travel_s,
        )
        await self._move(
            m.memory_recall(profile.check_preset(n), profile.preset_encoding),
            claims=ALL_AXES,
            travel_s=travel,
        )

    async def preset_reset(self, n: int) -> None:
        await self._command(
            m.memory_reset(self.profile.check_preset(n), self.profile.preset_encoding)
        )

    async def last_preset(self) -> int:
        """CAM_MemoryInq: the memory number operated last."""
        return await self._inquire(m.inq_memory(), m.decode_mode)

    # -- system --------------------------------------------------------------------------

    async def version(self) -> m.VersionInfo:
        return await self._inquire(m.inq_version(), m.decode_version)

    async def info(self) -> CameraInfo:
        version = await self.version()
        power = await self.power_state()
        return CameraInfo(
            self.address,
            self.profile.name,
            version.vendor,
            version.model,
            version.rom,
            version.max_socket,
            power,
        )

    async def ir_receive(self, on: bool) -> None:
        await self._command(m.ir_receive(on))

    async def ir_receive_return(self, on: bool) -> None:
        """Turn the IR_ReceiveReturn notifications on/off (port ``on_notification``)."""
        await self._command(m.ir_receive_return(on))

    async def menu_off(self) -> None:
        """Close the on-screen menu (VISCA can only close it; BRC-Z700 p.7)."""
        await self._command(m.menu_off())

    async def menu_open(self) -> bool:
        return await self._inquire(m.inq_menu_mode(), m.decode_on_off)

    async def cancel_all(self) -> None:
        """Cancel whatever runs in this camera's sockets (e.g. a long preset recall)."""
        for socket in self.port.sockets.busy(self.address):
            await self.port.cancel(self.address, socket)

    # -- internals -----------------------------------------------------------------------

    def _speeds(
        self, pan_speed: int | None, tilt_speed: int | None, *, default_max: bool
    ) -> tuple[int, int]:
        # Speed 00 is refused here (check_*_speed starts at 01): never put it on the wire.
        if pan_speed is None:
            pan_speed = (
                self.profile.max_pan_speed if default_max else self.profile.max_pan_speed // 2
            )
        if tilt_speed is None:
            tilt_speed = (
                self.profile.max_tilt_speed if default_max else self.profile.max_tilt_speed // 2
            )
        return self.profile.check_pan_speed(pan_speed), self.profile.check_tilt_speed(tilt_speed)

    def _move_speeds(self, speed: int | None) -> tuple[int, int]:
        """One speed for a positioning move: tilt gets it capped at the model's tilt max."""
        if speed is not None:
            self.profile.check_pan_speed(speed)
            return speed, min(speed, self.profile.max_tilt_speed)
        return self._speeds(None, None, default_max=True)

    async def _command(self, request: m.Request) -> None:
        await self.port.command(self.address, request)

    async def _move(
        self,
        request: m.Request,
        group: str | None = None,
        *,
        claims: frozenset[str] | None = None,
        travel_s: float = 0.0,
    ) -> None:
        """A command that runs until a move ends. Never resent once acknowledged: it is
        running, a resend would restart or repeat it (issue #7 item 3)."""
        deadline_s = max(
            self.port.move_completion_timeout_s, travel_s * MOVE_MARGIN + MOVE_SETTLE_S
        )
        await self.port.command(
            self.address,
            request,
            completion_timeout_s=deadline_s,
            resend_on_lost_completion=False,
            group=group,
            claims=claims,
        )

    def _pan_tilt_travel_s(
        self, pan_units: int, tilt_units: int, pan_speed: int, tilt_speed: int
    ) -> float:
        """Seconds the head needs for these distances at these speed bytes."""
        profile = self.profile
        pan_deg_s = profile.pan_deg_per_s_at(pan_speed) * profile.units_per_degree_pan
        tilt_deg_s = profile.tilt_deg_per_s_at(tilt_speed) * profile.units_per_degree_tilt
        return max(pan_units / pan_deg_s, tilt_units / tilt_deg_s)

    def _full_sweep_s(self) -> float:
        """Across both full ranges at the fastest speeds."""
        low, high = self.profile.pan_range
        tilt_low, tilt_high = self.profile.tilt_range
        return self._pan_tilt_travel_s(
            high - low,
            tilt_high - tilt_low,
            self.profile.max_pan_speed,
            self.profile.max_tilt_speed,
        )

    async def _inquire(self, request: m.Request, decode: Callable[[bytes], T]) -> T:
        data = await self.port.inquire(self.address, request, accept=decode)
        try:
            return decode(data)
        except ValueError as exc:
            raise ProtocolError(
                self.device_id, f"cannot decode answer: {exc}", operation=request.name
            ) from None


def _lens_speed(speed: int | None) -> int:
    if speed is None:
        return DEFAULT_LENS_SPEED
    if isinstance(speed, bool) or not 0 <= speed <= m.MAX_ZOOM_FOCUS_SPEED:
        raise ValueError(f"zoom/focus speed must be 0–{m.MAX_ZOOM_FOCUS_SPEED}, got {speed!r}")
    return speed
