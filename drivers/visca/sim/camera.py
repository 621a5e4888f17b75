"""One simulated VISCA camera: state, the two command sockets, their timing, and the
handlers of every command and inquiry it understands (as its own methods).

Pure logic (no I/O, no clock of its own): :meth:`CameraSimulator.handle` takes one
packet (``8x … FF``) and the instant the camera processes it, and returns the replies
sent at that instant; :meth:`CameraSimulator.poll` returns completions that fell due.
The engine (``engine.py``) decides *when* a packet is processed — one message per
video frame (VISCA.md §1.3) — and the servers (``server.py``, ``net.py``) pace the bytes.

Rules encoded here (VISCA.md, shared docs):
- two command sockets; a third command while both are busy → ``z0 60 03 FF`` (§1.3);
- inquiries and IF_Clear use no socket and get no ACK (§1.3, §1.4);
- syntax / buffer-full / length errors carry socket 0; not-executable, canceled and
  no-socket carry the socket (§7);
- an instant command completes one frame after its ACK (BRC-300 log: ACK, then the
  completion about 11 ms later, §1.3); moves complete when the move ends (§7);
- with power off (standby) only CAM_Power runs; while the menu is open only power and
  menu-off (BRC-Z700 page 7); during a power transition or one-push WB every command
  gets Not Executable (SRG-120DH);
- a command that takes over an axis completes the command that owned it: two quick
  recalls give ACK1 ACK2 C1 C2 (bitfocus/companion-module-ptzoptics-visca#41).

Commands (``8x 01 … FF``): :meth:`CameraSimulator._parse_command` looks at the message
(bytes after ``8x 01``), raises ``Reject(SYNTAX)`` for an unknown command or an illegal
parameter (VISCA.md §1.2), and otherwise returns the command's name, its :class:`Gate`
and a function that runs it at a given instant (the camera first checks sockets and
state). Byte layouts are VISCA.md §2.2 (shared docs). Conventions: pan right / tilt up
are positive units; focus runs from the profile's far end (low) to its near end (high).

Zoom and focus (VISCA.md §2.2 zoom/focus rows): variable speeds are p = 0 (slowest) …
7 (fastest); the fixed Tele/Wide/Far/Near use the middle speed. Full optical travel
takes the model's ``zoom_full_travel_s`` / ``focus_full_travel_s`` at speed 7. Focus
runs from the far end (low values, ∞) to the near end; manual focus commands while
autofocus is on get Not Executable (EVI-D100).

Inquiries (``8x 09 … FF``): every inquiry of VISCA.md §2.4 (shared docs) is answered
with data consistent with the state the commands left (position read at the instant
the camera processes the inquiry). Bit-packed answers (pan-tilt status, lens/camera/
other blocks) are built with the wire layer's own dataclasses
(``messages.PanTiltStatus``, ``LensBlock`` …), so the layout lives in one place;
enlargement block 1 follows the SRG-300H transcription (SONY-HTML
``Sony_SRG-300H.html``), blocks 2–3 carry defog and colour hue only. Image and system
settings are the table-driven :class:`~drivers.visca.sim.settings.Settings`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from drivers.visca.messages import (
    MAX_PACKET_LEN,
    OFF,
    ON,
    TERMINATOR,
    CameraBlock,
    InitStatus,
    LensBlock,
    MoveStatus,
    OtherBlock,
    PanTiltStatus,
    nibbles,
)
from drivers.visca.models import ModelProfile
from drivers.visca.sim.motion import Axis
from drivers.visca.sim.settings import Settings
from drivers.visca.sim.state import (
    ACK,
    ALWAYS,
    BUFFER_FULL,
    CANCELED,
    COMPLETION,
    ERROR,
    LENGTH,
    NO_SOCKET,
    NORMAL,
    NOT_EXECUTABLE,
    SOCKETLESS_ERRORS,
    SYNTAX,
    CameraState,
    Effect,
    Faults,
    Gate,
    Preset,
    Reject,
    signed_nibbles,
    unsigned_nibbles,
)

Exec = Callable[[float], Effect]
Parsed = tuple[str, Gate, Exec]

# CAM_Power on/off runs this long; meanwhile commands get Not Executable (VOIP-PY's
# set_power repeats the command and ignores error 41 for exactly this reason).
POWER_TRANSITION_S: Final = 1.0
# A one-push white balance takes about a second (SRG-120DH: 41 until it ends).
ONE_PUSH_WB_S: Final = 1.0
# Pan-tilt reset is a mechanical re-initialisation lasting seconds (SONY-HTML).
PAN_TILT_RESET_S: Final = 2.0
SOCKETS: Final = (1, 2)
# Manual focus within this many units of where AF would settle counts as sharp.
IN_FOCUS_TOLERANCE: Final = 0x200


PT: Final = frozenset({"pan", "tilt"})
ZOOM: Final = frozenset({"zoom"})
FOCUS: Final = frozenset({"focus"})
INSTANT: Final = Effect()
PRESET_OSD_TOGGLE: Final = 0x5F  # PTZOptics: recalling 95 toggles the OSD (VISCA.md §2.3)
_DIRECTION: Final = {0x01: -1, 0x02: 1, 0x03: 0}  # PanDir LEFT/RIGHT/STOP; TiltDir UP=1 below
_TILT_DIRECTION: Final = {0x01: 1, 0x02: -1, 0x03: 0}
# Pan-tilt operations (8x 01 06 op …): drive, absolute, relative, home, reset, limit.
_PAN_TILT_OPS: Final = frozenset({0x01, 0x02, 0x03, 0x04, 0x05, 0x07})
MAX_PRESET_SPEED: Final = 0x19  # preset speeds 01–19h (BRC-X400, VISCA.md §2.2)
MAX_VARIABLE_SPEED: Final = 7  # zoom/focus variable speed p = 0…7
STANDARD_SPEED: Final = 3  # the fixed Tele/Wide/Far/Near
MAX_SOCKET: Final = 0x02  # CAM_VersionInq KK: two command sockets (VISCA.md §1.3)
# VideoSystemInq values for the frame rates we simulate (SONY-HTML SRG-300H).
_VIDEO_SYSTEM: Final = ((1 / 59.94, 0x00), (1 / 50, 0x08), (1 / 29.97, 0x02), (1 / 25, 0x0A))


@dataclass
class _Pending:
    socket: int
    name: str
    client: object
    waits: frozenset[str]
    not_before: float
    recall: bool


class CameraSimulator:
    """State and behaviour of one camera. Thread-safe: the video simulator reads ``state``."""

    def __init__(
        self,
        profile: ModelProfile,
        address: int = 1,
        *,
        frame_s: float | None = None,
        power_on: bool = True,
        power_transition_s: float = POWER_TRANSITION_S,
        one_push_wb_s: float = ONE_PUSH_WB_S,
        pan_tilt_reset_s: float = PAN_TILT_RESET_S,
        strict: bool | None = None,
        camera_id: int = 0,
        rom_version: int = 0x0100,
    ) -> None:
        self.profile = profile
        self.address = address
        self.frame_s = profile.processing_s if frame_s is None else frame_s
        self.power_transition_s = power_transition_s
        self.one_push_wb_s = one_push_wb_s
        self.pan_tilt_reset_s = pan_tilt_reset_s
        # Strict Sony: speed 00 is a syntax error (VISCA.md §2.1); profile default.
        self.strict = profile.speed_zero_is_syntax_error if strict is None else strict
        self.rom_version = rom_version
        self.faults = Faults()
        self.settings = Settings(camera_id=camera_id)
        self.menu_open = False
        self.focus_auto = True
        self.presets: dict[int, Preset] = {}
        self.last_preset = 0
        self.axes: dict[str, Axis] = {
            "pan": Axis(float(profile.pan_range[0]), float(profile.pan_range[1])),
            "tilt": Axis(float(profile.tilt_range[0]), float(profile.tilt_range[1])),
            "zoom": Axis(float(profile.zoom_range[0]), float(profile.zoom_range[1])),
            "focus": Axis(float(profile.focus_range[0]), float(profile.focus_range[1])),
        }
        self.axes["zoom"].pos0 = float(profile.zoom_range[0])
        self.axes["focus"].pos0 = self.ideal_focus(self.axes["zoom"].pos0)
        self._power = power_on
        self._busy_until = 0.0
        self._reset_until = 0.0
        self._sockets: dict[int, _Pending] = {}
        self._outbox: list[tuple[bytes, object]] = []
        self._lock = threading.RLock()
        # 5+5-nibble positions make the absolute move and limit set 17 bytes long
        # (SRG-360SHE, VISCA.md §2.2): such models take one byte past the usual 16.
        self._max_packet_len = MAX_PACKET_LEN + max(
            0, profile.pan_nibbles + profile.tilt_nibbles - 9
        )

    # -- public API ----------------------------------------------------------------------

    @property
    def header(self) -> int:
        """First byte of this camera's replies: ``(address + 8) << 4`` (VISCA.md §1.1)."""
        return ((self.address + 8) << 4) & 0xF0

    @property
    def state(self) -> CameraState:
        """A frozen snapshot of the live state, now (``time.monotonic`` clock)."""
        return self.state_at(time.monotonic())

    def state_at(self, now: float) -> CameraState:
        with self._lock:
            profile = self.profile
            pan, tilt = self.axes["pan"].position(now), self.axes["tilt"].position(now)
            zoom, focus = self.axes["zoom"].position(now), self._focus_position(now)
            zoom_low, zoom_high = profile.zoom_range
            return CameraState(
                address=self.address,
                model=profile.name,
                power=self._power,
                pan=round(pan),
                tilt=round(tilt),
                pan_deg=pan / profile.units_per_degree_pan,
                tilt_deg=tilt / profile.units_per_degree_tilt,
                zoom=round(zoom),
                zoom_fraction=(zoom - zoom_low) / max(1, zoom_high - zoom_low),
                focus=round(focus),
                focus_auto=self.focus_auto,
                in_focus=abs(focus - self.ideal_focus(zoom)) < IN_FOCUS_TOLERANCE,
                moving=any(axis.moving(now) for axis in self.axes.values()),
                menu_open=self.menu_open,
                last_preset=self.last_preset,
                busy_sockets=tuple(sorted(self._sockets)),
            )

    def handle(self, packet: bytes, now: float, client: object = None) -> list[bytes]:
        """Process one packet addressed to this camera at ``now``; return the replies.

        Completions that fell due before ``now`` must be collected with :meth:`poll`
        first (the engine does); ``client`` travels with the command to its completion.
        """
        with self._lock:
            self._collect_due(now)
            return self._handle(packet, now, client)

    def poll(self, now: float) -> list[tuple[bytes, object]]:
        """Completions due by ``now``, each with the client of its command."""
        with self._lock:
            self._collect_due(now)
            out, self._outbox = self._outbox, []
            return out

    def next_due(self) -> float | None:
        """When the next completion falls due (None when nothing is pending)."""
        with self._lock:
            if self._outbox:
                return 0.0
            times = [t for t in map(self._due_time, self._sockets.values()) if t is not None]
            return min(times) if times else None

    def clear(self, now: float) -> None:
        """IF_Clear: empty both sockets (no completions) and stop what they were running."""
        with self._lock:
            for pending in self._sockets.values():
                for name in pending.waits:
                    self.axes[name].stop(now)
            self._sockets.clear()
            self._outbox.clear()

    def open_menu(self) -> None:
        """As if someone pressed MENU on the IR remote (VISCA itself can only close it)."""
        with self._lock:
            self.menu_open = True

    def ideal_focus(self, zoom: float) -> float:
        """Where autofocus settles for a zoom position (a smooth made-up curve)."""
        low, high = self.profile.focus_range
        zoom_low, zoom_high = self.profile.zoom_range
        fraction = min(1.0, (zoom - zoom_low) / max(1, zoom_high - zoom_low))
        return low + (high - low) * (0.25 + 0.5 * fraction)

    @property
    def power(self) -> bool:
        return self._power

    # -- state the handlers share --------------------------------------------------------

    def _hold(self, now: float, seconds: float) -> None:
        """Answer Not Executable to every command for ``seconds`` (power, one-push WB)."""
        self._busy_until = max(self._busy_until, now + seconds)

    def _focus_position(self, now: float) -> float:
        """Focus follows the zoom while AF is on; otherwise the focus axis."""
        if self.focus_auto:
            return self.ideal_focus(self.axes["zoom"].position(now))
        return self.axes["focus"].position(now)

    def _set_focus_auto(self, now: float, auto: bool) -> None:
        if self.focus_auto and not auto:  # manual starts where AF left the lens
            self.axes["focus"].stop(now)
            self.axes["focus"].pos0 = self._focus_position(now)
        self.focus_auto = auto

    def _snapshot_preset(self, now: float) -> Preset:
        return Preset(
            pan=self.axes["pan"].position(now),
            tilt=self.axes["tilt"].position(now),
            zoom=self.axes["zoom"].position(now),
            focus=self._focus_position(now),
            focus_auto=self.focus_auto,
        )

    def _recall(self, now: float, preset: Preset | None, degrees_per_s: float) -> Effect:
        """Move every axis to ``preset`` (home and wide when never stored)."""
        target = preset or Preset(
            pan=0.0,
            tilt=0.0,
            zoom=float(self.profile.zoom_range[0]),
            focus=self.ideal_focus(self.profile.zoom_range[0]),
            focus_auto=True,
        )
        offset = self.faults.preset_offset or (0, 0)
        self.axes["pan"].move_to(
            now, target.pan + offset[0], degrees_per_s * self.profile.units_per_degree_pan
        )
        self.axes["tilt"].move_to(
            now, target.tilt + offset[1], degrees_per_s * self.profile.units_per_degree_tilt
        )
        self.axes["zoom"].move_to(
            now, target.zoom, self._travel_units_per_s("zoom", MAX_VARIABLE_SPEED)
        )
        axes = PT | ZOOM
        self._set_focus_auto(now, target.focus_auto)
        if not target.focus_auto:
            speed = self._travel_units_per_s("focus", MAX_VARIABLE_SPEED)
            self.axes["focus"].move_to(now, target.focus, speed)
            axes = axes | FOCUS
        return Effect(claims=axes | FOCUS, waits=axes)

    def _recalling(self, now: float) -> bool:
        return any(p.recall for p in self._sockets.values())

    def _resetting(self, now: float) -> bool:
        return now < self._reset_until

    # -- commands (8x 01 …) ---------------------------------------------------------

    def _parse_command(self, msg: bytes) -> Parsed:
        """Parse ``msg`` (bytes after ``8x 01``); raise ``Reject`` when illegal."""
        if len(msg) < 2:
            raise Reject(SYNTAX)
        head = msg[:2]
        if head == b"\x04\x00" and len(msg) == 3:
            return self._power_command(msg[2])
        if head == b"\x06\x06" and msg[2:] == b"\x03":
            return "SYS_Menu Off", ALWAYS, self._menu_off()
        if head[0] == 0x06 and head[1] in _PAN_TILT_OPS:  # 06 06/08/44: menu, IR, slow mode
            return self._pan_tilt(msg)
        if head in (b"\x04\x07", b"\x04\x08") and len(msg) == 3:
            return self._zoom_focus_drive("zoom" if head[1] == 0x07 else "focus", msg[2])
        if head == b"\x04\x47" and len(msg) in (6, 10):
            return self._zoom_direct(msg[2:])
        if head == b"\x04\x48" and len(msg) == 6:
            return self._focus_direct(msg[2:])
        if head == b"\x04\x38" and len(msg) == 3:
            return self._focus_mode(msg[2])
        if head == b"\x04\x18" and len(msg) == 3 and msg[2] in (0x01, 0x02):
            return self._focus_one_push(infinity=msg[2] == 0x02)
        if head == b"\x04\x06" and len(msg) == 3:
            return self._digital_zoom(msg[2])
        if head == b"\x04\x10" and msg[2:] == b"\x05":
            return "CAM_WB OnePushTrigger", NORMAL, self._wb_one_push()
        if head == b"\x04\x3f" and len(msg) == 4:
            return self._memory(msg[2], msg[3])
        if msg[:3] == b"\x0a\x04\x68" and len(msg) == 4 and msg[3] in (0x02, 0x03):
            # PTZOptics focus lock 81 0A 04 68 0p (PTZO-MOD focus.ts); only PTZOptics
            # profiles route class 0A here.
            lock = msg[3] == 0x02
            return (
                "PTZOptics FocusLock",
                NORMAL,
                _set(lambda: setattr(self.settings, "focus_lock", lock)),
            )
        if head in (b"\x7e\x04", b"\x7e\x01") and len(msg) >= 4 and msg[2] in (0x1B, 0x1C, 0x0B):
            return self._preset_speed(msg)
        if msg in (b"\x06\x06\x04", b"\x06\x06\x05") and self.profile.preset_95_toggles_osd:
            return "PTZOptics OSD key", ALWAYS, lambda now: INSTANT  # OSD back / enter
        action = self.settings.command(msg)
        if action is None:
            raise Reject(SYNTAX)
        return f"setting {msg[:3].hex(' ')}", NORMAL, _set(action)

    # -- power, menu, white balance ------------------------------------------------

    def _power_command(self, value: int) -> Parsed:
        if value not in (0x02, 0x03):
            raise Reject(SYNTAX)
        on = value == 0x02

        def run(now: float) -> Effect:
            if on == self._power:
                return INSTANT  # already there: accepted and completed at once
            self._power = on
            for axis in self.axes.values():
                axis.stop(now)
            self._hold(now, self.power_transition_s)
            return Effect(hold_s=self.power_transition_s)

        return f"CAM_Power {'On' if on else 'Off'}", Gate(when_off=True, when_menu=True), run

    def _menu_off(self) -> Exec:
        def run(now: float) -> Effect:
            self.menu_open = False
            return INSTANT

        return run

    def _wb_one_push(self) -> Exec:
        def run(now: float) -> Effect:
            if self.settings.mode(b"\x04\x35") != 0x03:  # only in One Push WB mode
                raise Reject(NOT_EXECUTABLE)
            # After its ACK every command gets Not Executable until it ends (SRG-120DH).
            self._hold(now, self.one_push_wb_s)
            return Effect(hold_s=self.one_push_wb_s)

        return run

    # -- pan-tilt ------------------------------------------------------------------

    def _pan_tilt(self, msg: bytes) -> Parsed:
        op = msg[1]
        if op == 0x01 and len(msg) == 6:
            return self._drive(msg[2], msg[3], msg[4], msg[5])
        if op in (0x02, 0x03):
            return self._move(msg, relative=op == 0x03)
        if op == 0x04 and len(msg) == 2:
            return "Pan-tiltHome", NORMAL, self._home(extra_s=0.0)
        if op == 0x05 and len(msg) == 2:
            return "Pan-tiltReset", NORMAL, self._home(extra_s=self.pan_tilt_reset_s)
        if op == 0x07 and len(msg) >= 4:
            return self._limit(msg)
        raise Reject(SYNTAX)

    def _speed(self, value: int, maximum: int) -> int:
        if value == 0:
            if self.strict:  # Sony answers 90 60 02 FF to speed 00 (obs-ptz#40)
                raise Reject(SYNTAX)
            return 1
        if value > maximum:
            raise Reject(SYNTAX)
        return value

    def _pan_units_per_s(self, speed: int) -> float:
        return self.profile.pan_deg_per_s_at(speed) * self.profile.units_per_degree_pan

    def _tilt_units_per_s(self, speed: int) -> float:
        return self.profile.tilt_deg_per_s_at(speed) * self.profile.units_per_degree_tilt

    def _drive(self, vv: int, ww: int, xx: int, yy: int) -> Parsed:
        pan_speed = self._speed(vv, self.profile.max_pan_speed)
        tilt_speed = self._speed(ww, self.profile.max_tilt_speed)
        if xx not in _DIRECTION or yy not in _TILT_DIRECTION:
            raise Reject(SYNTAX)

        def run(now: float) -> Effect:
            self.axes["pan"].drive(now, _DIRECTION[xx], self._pan_units_per_s(pan_speed))
            self.axes["tilt"].drive(now, _TILT_DIRECTION[yy], self._tilt_units_per_s(tilt_speed))
            return Effect(claims=PT)  # a drive completes at once and keeps moving

        return f"Pan-tiltDrive {xx:02X}{yy:02X}", NORMAL, run

    def _move(self, msg: bytes, *, relative: bool) -> Parsed:
        profile = self.profile
        pn, tn = profile.pan_nibbles, profile.tilt_nibbles
        if len(msg) != 4 + pn + tn:
            raise Reject(SYNTAX)
        pan_speed = self._speed(msg[2], profile.max_pan_speed)
        if msg[3] == 0x00 and profile.absolute_single_speed:
            tilt_speed = min(pan_speed, profile.max_tilt_speed)  # "VV 00": one speed for both
        else:
            tilt_speed = self._speed(msg[3], profile.max_tilt_speed)
        pan = signed_nibbles(msg[4 : 4 + pn])
        tilt = signed_nibbles(msg[4 + pn :])
        if not relative and not (
            profile.pan_range[0] <= pan <= profile.pan_range[1]
            and profile.tilt_range[0] <= tilt <= profile.tilt_range[1]
        ):
            raise Reject(SYNTAX)  # an illegal parameter is a syntax error (VISCA.md §1.2)

        def run(now: float) -> Effect:
            pan_axis, tilt_axis = self.axes["pan"], self.axes["tilt"]
            base_pan = pan_axis.position(now) if relative else 0.0
            base_tilt = tilt_axis.position(now) if relative else 0.0
            pan_axis.move_to(now, base_pan + pan, self._pan_units_per_s(pan_speed))
            tilt_axis.move_to(now, base_tilt + tilt, self._tilt_units_per_s(tilt_speed))
            return Effect(claims=PT, waits=PT)

        name = "Pan-tiltRelativePosition" if relative else "Pan-tiltAbsolutePosition"
        return name, NORMAL, run

    def _home(self, *, extra_s: float) -> Exec:
        def run(now: float) -> Effect:
            pan_speed = self._pan_units_per_s(self.profile.max_pan_speed)
            tilt_speed = self._tilt_units_per_s(self.profile.max_tilt_speed)
            self.axes["pan"].move_to(now, 0.0, pan_speed)
            self.axes["tilt"].move_to(now, 0.0, tilt_speed)
            return Effect(claims=PT, waits=PT, hold_s=extra_s)

        return run

    def _limit(self, msg: bytes) -> Parsed:
        profile = self.profile
        pn, tn = profile.pan_nibbles, profile.tilt_nibbles
        action, corner = msg[2], msg[3]
        if len(msg) != 4 + pn + tn or action not in (0x00, 0x01) or corner not in (0x00, 0x01):
            raise Reject(SYNTAX)
        pan, tilt = signed_nibbles(msg[4 : 4 + pn]), signed_nibbles(msg[4 + pn :])
        up_right = corner == 0x01
        if action == 0x00 and not (
            profile.pan_range[0] <= pan <= profile.pan_range[1]
            and profile.tilt_range[0] <= tilt <= profile.tilt_range[1]
        ):
            raise Reject(SYNTAX)

        def run(now: float) -> Effect:
            for name, value, bounds in (
                ("pan", pan, profile.pan_range),
                ("tilt", tilt, profile.tilt_range),
            ):
                axis = self.axes[name]
                low, high = axis.low, axis.high
                if action == 0x01:  # clear: back to the mechanical end
                    value = bounds[1] if up_right else bounds[0]
                if up_right:
                    axis.set_range(now, low, max(float(value), low))
                else:
                    axis.set_range(now, min(float(value), high), high)
            return INSTANT

        return f"Pan-tiltLimit{'Clear' if action else 'Set'}", NORMAL, run

    # -- presets -------------------------------------------------------------------

    def _preset_speed(self, msg: bytes) -> Parsed:
        # Select 7E 04 1B 0p (0 compatible, 1 separate, 2 common); common 7E 04 1C 0p 0q;
        # separate 7E 01 0B pp qq (BRC-X400 preset speed rows, VISCA.md §2.2).
        settings = self.settings
        if msg[:3] == b"\x7e\x04\x1b" and len(msg) == 4 and msg[3] <= 0x02:
            mode = msg[3]
            return (
                "PresetSpeedSelect",
                NORMAL,
                _set(lambda: setattr(settings, "preset_speed_mode", mode)),
            )
        if msg[:3] == b"\x7e\x04\x1c" and len(msg) == 5 and max(msg[3:]) <= 0x0F:
            speed = _preset_speed_value((msg[3] << 4) | msg[4])
            return (
                "PresetSpeedCommon",
                NORMAL,
                _set(lambda: setattr(settings, "preset_speed_common", speed)),
            )
        if msg[:3] == b"\x7e\x01\x0b" and len(msg) == 5:
            number, speed = msg[3], _preset_speed_value(msg[4])
            return (
                "PresetSpeedSeparate",
                NORMAL,
                _set(lambda: settings.preset_speeds.__setitem__(number, speed)),
            )
        raise Reject(SYNTAX)

    def _preset_deg_per_s(self, number: int) -> float:
        """Recall speed: the model's own, or the common / per-preset speed chosen over VISCA."""
        settings = self.settings
        if settings.preset_speed_mode == 0:
            return self.profile.preset_deg_per_s
        speed = settings.preset_speed_common
        if settings.preset_speed_mode == 1:
            speed = settings.preset_speeds.get(number, MAX_PRESET_SPEED)
        # Geometric from the slowest pan speed to the model's preset speed (Sony's tables rise
        # roughly geometrically, as models.py notes for pan speeds).
        low, high = self.profile.pan_deg_per_s_range[0], self.profile.preset_deg_per_s
        return float(low * (high / low) ** ((speed - 1) / (MAX_PRESET_SPEED - 1)))

    def _memory(self, action: int, number: int) -> Parsed:
        profile = self.profile
        low, high = profile.preset_range
        if action not in (0x00, 0x01, 0x02) or not low <= number <= high:
            raise Reject(SYNTAX)
        if profile.preset_encoding == "0p" and number > 0x0F:
            raise Reject(SYNTAX)
        osd_toggle = (
            profile.preset_95_toggles_osd and number == PRESET_OSD_TOGGLE and action == 0x02
        )
        if number in profile.reserved_presets and not osd_toggle:
            raise Reject(SYNTAX)
        name = ("CAM_Memory Reset", "CAM_Memory Set", "CAM_Memory Recall")[action]

        def run(now: float) -> Effect:
            if osd_toggle:
                self.menu_open = not self.menu_open
                return INSTANT
            self.last_preset = number
            if action == 0x00:
                self.presets.pop(number, None)
                return INSTANT
            if action == 0x01:
                self.presets[number] = self._snapshot_preset(now)
                return INSTANT
            return self._recall(now, self.presets.get(number), self._preset_deg_per_s(number))

        return f"{name} {number}", Gate(when_menu=osd_toggle), run

    # -- zoom and focus ------------------------------------------------------------

    def _travel_units_per_s(self, axis: str, speed: int) -> float:
        """Zoom/focus speed: full optical travel takes ``*_full_travel_s`` at speed 7."""
        profile = self.profile
        low, high = profile.zoom_range if axis == "zoom" else profile.focus_range
        full_s = profile.zoom_full_travel_s if axis == "zoom" else profile.focus_full_travel_s
        return (high - low) / full_s * (speed + 1) / (MAX_VARIABLE_SPEED + 1)

    def _zoom_focus_drive(self, axis: str, value: int) -> Parsed:
        if value == 0x00:
            direction, speed = 0, 0
        elif value in (0x02, 0x03):
            direction, speed = (1 if value == 0x02 else -1), STANDARD_SPEED
        elif value >> 4 in (0x2, 0x3) and value & 0x0F <= MAX_VARIABLE_SPEED:
            direction, speed = (1 if value >> 4 == 0x2 else -1), value & 0x0F
        else:
            raise Reject(SYNTAX)
        if axis == "focus":
            direction = -direction  # Far (02/2p) runs towards the far end (low values)
        claims = ZOOM if axis == "zoom" else FOCUS

        def run(now: float) -> Effect:
            if axis == "focus" and self.focus_auto and direction:
                raise Reject(NOT_EXECUTABLE)  # manual focus while in AF (EVI-D100)
            if direction == 0:
                self.axes[axis].stop(now)
            else:
                self.axes[axis].drive(now, direction, self._travel_units_per_s(axis, speed))
            return Effect(claims=claims)

        name = f"CAM_{axis.capitalize()} {value:02X}"
        return name, NORMAL, run

    def _zoom_direct(self, data: bytes) -> Parsed:
        zoom = unsigned_nibbles(data[:4])
        high = self.axes["zoom"].high
        if not self.profile.zoom_range[0] <= zoom <= high:
            raise Reject(SYNTAX)
        focus = unsigned_nibbles(data[4:]) if len(data) == 8 else None
        if (
            focus is not None
            and not self.profile.focus_range[0] <= focus <= self.profile.focus_range[1]
        ):
            raise Reject(SYNTAX)

        def run(now: float) -> Effect:
            fastest = MAX_VARIABLE_SPEED
            self.axes["zoom"].move_to(now, zoom, self._travel_units_per_s("zoom", fastest))
            axes = ZOOM
            if focus is not None and not self.focus_auto:
                self.axes["focus"].move_to(now, focus, self._travel_units_per_s("focus", fastest))
                axes = ZOOM | FOCUS
            return Effect(claims=axes, waits=axes)

        return "CAM_Zoom Direct" if focus is None else "CAM_ZoomFocus Direct", NORMAL, run

    def _focus_direct(self, data: bytes) -> Parsed:
        focus = unsigned_nibbles(data)
        if not self.profile.focus_range[0] <= focus <= self.profile.focus_range[1]:
            raise Reject(SYNTAX)

        def run(now: float) -> Effect:
            if self.focus_auto:
                raise Reject(NOT_EXECUTABLE)
            speed = self._travel_units_per_s("focus", MAX_VARIABLE_SPEED)
            self.axes["focus"].move_to(now, focus, speed)
            return Effect(claims=FOCUS, waits=FOCUS)

        return "CAM_Focus Direct", NORMAL, run

    def _focus_mode(self, value: int) -> Parsed:
        if value not in (0x02, 0x03, 0x10):
            raise Reject(SYNTAX)

        def run(now: float) -> Effect:
            auto = (not self.focus_auto) if value == 0x10 else value == 0x02
            self._set_focus_auto(now, auto)
            return Effect(claims=FOCUS)

        return f"CAM_Focus Mode {value:02X}", NORMAL, run

    def _focus_one_push(self, *, infinity: bool) -> Parsed:
        def run(now: float) -> Effect:
            if self.focus_auto:
                if infinity:
                    raise Reject(NOT_EXECUTABLE)
                return INSTANT  # AF is already focusing
            zoom = self.axes["zoom"].position(now)
            target = self.profile.focus_range[0] if infinity else self.ideal_focus(zoom)
            speed = self._travel_units_per_s("focus", MAX_VARIABLE_SPEED)
            self.axes["focus"].move_to(now, target, speed)
            return Effect(claims=FOCUS, waits=FOCUS)

        return "CAM_Focus Infinity" if infinity else "CAM_Focus OnePushAF", NORMAL, run

    def _digital_zoom(self, value: int) -> Parsed:
        if value not in (0x02, 0x03):
            raise Reject(SYNTAX)

        def run(now: float) -> Effect:
            self.settings.modes[b"\x04\x06"] = value
            high = self.profile.zoom_range[1]
            if value == 0x02 and self.profile.digital_zoom_max:
                high = self.profile.digital_zoom_max
            zoom = self.axes["zoom"]
            zoom.set_range(now, zoom.low, float(high))
            if zoom.position(now) > high:
                zoom.stop(now)
                zoom.pos0 = float(high)
            return INSTANT

        return "CAM_DZoom", NORMAL, run

    # -- inquiries (8x 09 …) --------------------------------------------------------

    def _answer_inquiry(self, query: bytes, now: float) -> bytes:
        """Data bytes of the answer to ``query`` (bytes after ``8x 09``); ``Reject`` if unknown."""
        if query == b"\x00\x02":
            return self._version()
        if query == b"\x04\x00":
            return bytes((ON if self.power else OFF,))
        if query == b"\x04\x47":
            return nibbles(round(self.axes["zoom"].position(now)), 4, signed=False)
        if query == b"\x04\x48":
            return nibbles(round(self._focus_position(now)), 4, signed=False)
        if query == b"\x04\x38":
            return bytes((ON if self.focus_auto else OFF,))
        if query == b"\x04\x3f":
            return bytes((self.last_preset,))
        if query == b"\x06\x06":
            return bytes((ON if self.menu_open else OFF,))
        if query == b"\x06\x34":
            return b"\x00"  # IR condition: stable (no remote in a simulation)
        if query == b"\x06\x23":
            return bytes((_video_system(self.frame_s),))
        if query == b"\x06\x10":
            return self._pan_tilt_status(now)
        if query == b"\x06\x11":
            return bytes((self.profile.max_pan_speed, self.profile.max_tilt_speed))
        if query == b"\x06\x12":
            pan = round(self.axes["pan"].position(now))
            tilt = round(self.axes["tilt"].position(now))
            return nibbles(pan, self.profile.pan_nibbles) + nibbles(tilt, self.profile.tilt_nibbles)
        if len(query) == 3 and query[:2] == b"\x7e\x7e" and query[2] <= 0x05:
            return self._block(query[2], now)
        data = self.settings.inquiry(query)
        if data is None:
            raise Reject(SYNTAX)
        return data

    def _version(self) -> bytes:
        profile = self.profile
        vendor = profile.vendor_ids[0] if profile.vendor_ids else 0x0000
        model = profile.model_ids[0] if profile.model_ids else 0x0000
        return b"".join(v.to_bytes(2, "big") for v in (vendor, model, self.rom_version)) + bytes(
            (MAX_SOCKET,)
        )

    def _pan_tilt_status(self, now: float) -> bytes:
        pan, tilt = self.axes["pan"], self.axes["tilt"]
        moving = pan.moving(now) or tilt.moving(now)
        return PanTiltStatus(
            raw=0,
            init=InitStatus.INITIALIZING if self._resetting(now) else InitStatus.DONE,
            move=MoveStatus.MOVING if moving else MoveStatus.COMPLETED,
            pan_left_end=pan.at_limit(now) < 0,
            pan_right_end=pan.at_limit(now) > 0,
            tilt_up_end=tilt.at_limit(now) > 0,
            tilt_down_end=tilt.at_limit(now) < 0,
        ).to_data()

    # -- block inquiries (13 data bytes each) --------------------------------------

    def _lens_block(self, now: float) -> bytes:
        settings = self.settings
        return LensBlock(
            zoom_pos=round(self.axes["zoom"].position(now)),
            focus_near_limit=settings.words[0x28] & 0xFF00,  # the block carries the top byte
            focus_pos=round(self._focus_position(now)),
            af_mode=settings.mode(b"\x04\x57") & 0x03,
            af_sensitivity_normal=settings.mode(b"\x04\x58") == 0x02,
            digital_zoom=settings.mode(b"\x04\x06") == ON,
            focus_auto=self.focus_auto,
            low_contrast=False,
            memory_recall_executing=self._recalling(now),
            focus_executing=self.axes["focus"].moving(now),
            zoom_executing=self.axes["zoom"].moving(now),
        ).to_data()

    def _camera_block(self, now: float) -> bytes:
        levels, mode = self.settings.levels, self.settings.mode
        return CameraBlock(
            r_gain=levels[0x43],
            b_gain=levels[0x44],
            wb_mode=mode(b"\x04\x35"),
            aperture=levels[0x42],
            ae_mode=mode(b"\x04\x39"),
            high_resolution=mode(b"\x04\x52") == ON,
            wide_dynamic=mode(b"\x7e\x04\x00") != 0,
            backlight=mode(b"\x04\x33") == ON,
            exp_comp_on=mode(b"\x04\x3e") == ON,
            slow_shutter_auto=mode(b"\x04\x5a") == ON,
            shutter=levels[0x4A],
            iris=levels[0x4B],
            gain=levels[0x4C],
            bright=levels[0x4D],
            exp_comp=levels[0x4E],
        ).to_data()

    def _other_block(self, now: float) -> bytes:
        return OtherBlock(
            power=self.power,
            picture_effect=self.settings.mode(b"\x04\x63"),
            camera_id=self.settings.words[0x22],
            system_50hz=_video_system(self.frame_s) >= 0x08,
        ).to_data()

    def _enlargement_block(self, now: float) -> bytes:
        s = self.settings
        zoom = round(self.axes["zoom"].position(now))
        digital = max(0, zoom - self.profile.zoom_range[1]) >> 8
        interval = s.words[0x27]
        byte13 = (s.mode(b"\x04\x5b") & 0x07) << 4 | (1 << 3 if s.mode(b"\x04\x5e") == ON else 0)
        byte13 |= s.mode(b"\x04\x53") & 0x07
        byte14 = (s.mode(b"\x04\x5f") & 0x07) << 4 | (s.mode(b"\x04\x2c") & 0x0F)
        return bytes(
            (
                *nibbles(digital, 2, signed=False),
                *nibbles(interval, 4, signed=False),
                0x00,
                0x00,
                0x00,
                self.settings.color_gain[0],  # colour gain master (4 = 100 %)
                0x00,
                byte13,
                byte14,
            )
        )

    def _enlargement2_block(self, now: float) -> bytes:
        defog = 1 if self.settings.defog[0] == ON else 0
        return bytes((0, 0, 0, 0, 0, defog, 0, 0, 0, 0, 0, 0, 0))

    def _enlargement3_block(self, now: float) -> bytes:
        return bytes((self.settings.color_hue[0], *(0,) * 12))  # colour hue master (7 = 0°)

    def _block(self, number: int, now: float) -> bytes:
        """Block inquiry ``8x 09 7E 7E 0n FF`` (13 data bytes each)."""
        blocks = (
            self._lens_block,
            self._camera_block,
            self._other_block,
            self._enlargement_block,
            self._enlargement2_block,
            self._enlargement3_block,
        )
        return blocks[number](now)

    # -- internals ---------------------------------------------------------------------

    def _reply(self, kind: int, socket: int, *data: int) -> bytes:
        return bytes((self.header, kind | socket, *data, TERMINATOR))

    def _error(self, socket: int, code: int) -> bytes:
        return self._reply(ERROR, 0 if code in SOCKETLESS_ERRORS else socket, code)

    def _handle(self, packet: bytes, now: float, client: object) -> list[bytes]:
        if len(packet) > self._max_packet_len:
            return [self._error(0, LENGTH)]  # message over 14 bytes (VISCA.md §1.1, FCB)
        body = packet[1:-1]
        if not body:
            return [self._error(0, SYNTAX)]
        kind = body[0]
        if kind & 0xF0 == 0x20:
            return self._cancel(kind & 0x0F, now)
        if kind == 0x09:
            if body[1:] in self.faults.refused_inquiries:
                return [self._error(0, SYNTAX)]
            try:
                data = self._answer_inquiry(body[1:], now)
            except Reject as exc:
                return [self._error(0, exc.code)]
            return [self._reply(COMPLETION, 0, *data)]
        if kind == 0x0A and self.profile.preset_95_toggles_osd:
            return self._command(body, now, client)  # PTZOptics class-0A commands
        if kind != 0x01:
            return [self._error(0, SYNTAX)]
        if body[1:] == b"\x00\x01":
            self.clear(now)
            return [self._reply(COMPLETION, 0)]  # IF_Clear: z0 50 FF, no ACK
        return self._command(body[1:], now, client)

    def _command(self, msg: bytes, now: float, client: object) -> list[bytes]:
        forced = self.faults.take_error()
        if forced is not None:
            return [self._error(1, forced)]
        try:
            name, gate, run = self._parse_command(msg)
        except Reject as exc:
            return [self._error(0, exc.code)]
        free = [s for s in SOCKETS if s not in self._sockets]
        if not free:
            return [self._error(0, BUFFER_FULL)]
        socket = free[0]
        if (
            now < self._busy_until
            or (not self._power and not gate.when_off)
            or (self.menu_open and not gate.when_menu)
        ):
            return [self._error(socket, NOT_EXECUTABLE)]
        try:
            effect = run(now)
        except Reject as exc:
            return [self._error(socket, exc.code)]
        if name == "Pan-tiltReset":
            self._reset_until = now + effect.hold_s
        replies = [self._reply(ACK, socket)]
        for other in sorted(self._sockets.values(), key=lambda p: p.socket):
            if other.waits & effect.claims:
                del self._sockets[other.socket]
                replies.append(self._reply(COMPLETION, other.socket))
        self._sockets[socket] = _Pending(
            socket=socket,
            name=name,
            client=client,
            waits=effect.waits,
            not_before=now + max(self.frame_s, effect.hold_s),
            recall=name.startswith("CAM_Memory Recall"),
        )
        return replies

    def _cancel(self, socket: int, now: float) -> list[bytes]:
        pending = self._sockets.pop(socket, None)
        if pending is None:
            return [self._error(socket, NO_SOCKET)]
        for name in pending.waits:
            self.axes[name].stop(now)
        return [self._error(socket, CANCELED)]  # no completion follows (VISCA.md §1.2)

    def _due_time(self, pending: _Pending) -> float | None:
        axes = [self.axes[name] for name in pending.waits]
        if any(axis.velocity and axis.target is None for axis in axes):
            return None  # a drive took the axis over; its owner completed already
        return max([pending.not_before, *(axis.end_time() for axis in axes)])

    def _collect_due(self, now: float) -> None:
        due = [(self._due_time(p), p) for p in self._sockets.values()]
        for _when, pending in sorted(
            ((t, p) for t, p in due if t is not None and t <= now), key=lambda item: item[0]
        ):
            del self._sockets[pending.socket]
            self._outbox.append((self._reply(COMPLETION, pending.socket), pending.client))


def _preset_speed_value(speed: int) -> int:
    if not 1 <= speed <= MAX_PRESET_SPEED:
        raise Reject(SYNTAX)
    return speed


def _set(action: Callable[[], object]) -> Exec:
    def run(now: float) -> Effect:
        action()
        return INSTANT

    return run


def _video_system(frame_s: float) -> int:
    return min(_VIDEO_SYSTEM, key=lambda item: abs(item[0] - frame_s))[1]


__all__ = [
    "ONE_PUSH_WB_S",
    "PAN_TILT_RESET_S",
    "POWER_TRANSITION_S",
    "CameraSimulator",
]
