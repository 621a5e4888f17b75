"""One simulated VISCA camera: state, the two command sockets, and their timing.

Pure logic (no I/O, no clock of its own): :meth:`CameraSimulator.handle` takes one
packet (``8x … FF``) and the instant the camera processes it, and returns the replies
sent at that instant; :meth:`CameraSimulator.poll` returns completions that fell due.
The engine (``sim_engine.py``) decides *when* a packet is processed — one message per
video frame (VISCA.md §1.3) — and the servers (``simulator.py``) pace the bytes.

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
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Final

from drivers.visca.messages import MAX_PACKET_LEN
from drivers.visca.models import ModelProfile
from drivers.visca.sim.commands import parse_command, recall_effect
from drivers.visca.sim.inquiry import answer_inquiry
from drivers.visca.sim.motion import Axis
from drivers.visca.sim.settings import Settings
from drivers.visca.sim.state import (
    ACK,
    BUFFER_FULL,
    CANCELED,
    COMPLETION,
    ERROR,
    LENGTH,
    NO_SOCKET,
    NOT_EXECUTABLE,
    SOCKETLESS_ERRORS,
    SYNTAX,
    CameraState,
    Effect,
    Faults,
    Preset,
    Reject,
)

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
            zoom, focus = self.axes["zoom"].position(now), self.focus_position(now)
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

    # -- used by sim_commands / sim_inquiry ------------------------------------------------

    @property
    def power(self) -> bool:
        return self._power

    def set_power(self, on: bool) -> None:
        self._power = on

    def hold(self, now: float, seconds: float) -> None:
        """Answer Not Executable to every command for ``seconds`` (power, one-push WB)."""
        self._busy_until = max(self._busy_until, now + seconds)

    def focus_position(self, now: float) -> float:
        """Focus follows the zoom while AF is on; otherwise the focus axis."""
        if self.focus_auto:
            return self.ideal_focus(self.axes["zoom"].position(now))
        return self.axes["focus"].position(now)

    def set_focus_auto(self, now: float, auto: bool) -> None:
        if self.focus_auto and not auto:  # manual starts where AF left the lens
            self.axes["focus"].stop(now)
            self.axes["focus"].pos0 = self.focus_position(now)
        self.focus_auto = auto

    def snapshot_preset(self, now: float) -> Preset:
        return Preset(
            pan=self.axes["pan"].position(now),
            tilt=self.axes["tilt"].position(now),
            zoom=self.axes["zoom"].position(now),
            focus=self.focus_position(now),
            focus_auto=self.focus_auto,
        )

    def recall(self, now: float, preset: Preset | None, degrees_per_s: float) -> Effect:
        return recall_effect(self, now, preset, degrees_per_s)

    def recalling(self, now: float) -> bool:
        return any(p.recall for p in self._sockets.values())

    def resetting(self, now: float) -> bool:
        return now < self._reset_until

    # -- internals ---------------------------------------------------------------------

    def _reply(self, kind: int, socket: int, *data: int) -> bytes:
        return bytes((self.header, kind | socket, *data, 0xFF))

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
                data = answer_inquiry(self, body[1:], now)
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
            name, gate, run = parse_command(self, msg)
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


__all__ = [
    "ONE_PUSH_WB_S",
    "PAN_TILT_RESET_S",
    "POWER_TRANSITION_S",
    "CameraSimulator",
    "CameraState",
    "Faults",
]
