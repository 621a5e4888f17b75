"""Device handles of the service: VISCA links and cameras, device status, preset names.

    ViscaLink      one physical VISCA link (serial port or URL): one ViscaPort, one supervisor
    ReplyWatch     which cameras of a link were sent a message and have not answered since
    CameraHandle   one camera (link + address): typed, timed operations for the API/checks
    PresetNames    preset name → number per camera: the config's names plus names stored
                   through the API (kept in <state.dir>/presets.json)

Every operation goes through :meth:`CameraHandle._call`, which checks the link is ready
(else ``DeviceUnavailableError`` naming the camera), turns a driver ``ValueError`` (a
value outside the model's range) into ``InvalidRequestError`` and reports its duration
to the latency observers (Prometheus histogram).
"""

from __future__ import annotations

import json
import logging
import time
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

from appliance.agent.errors import (
    CameraInStandbyError,
    DiskFullError,
    InvalidRequestError,
    PresetNameTakenError,
    is_disk_full,
)
from appliance.agent.status import DeviceStatus, LatencyObserver, Scalar
from appliance.config import CameraConfig
from drivers.errors import CommandRejectedError, DeviceError, DeviceUnavailableError
from drivers.supervision import DeviceState

if TYPE_CHECKING:
    from appliance.agent.media import VideoHandle
    from drivers.visca.camera import FocusAction, Position, ViscaCamera, ZoomAction
    from drivers.visca.messages import VersionInfo
    from drivers.visca.protocol import ViscaPort

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_DRIVE_SPEED: Final = 8  # pan/tilt drive speed when the client gives none
# One connect attempt of a link: open + AddressSet + IF_Clear + a version inquiry per
# camera (drivers/visca/supervisor.py); a silent camera costs 3 × 0.5 s of it.
CONNECT_TIMEOUT_S: Final = 3.0
NOT_EXECUTABLE: Final = 0x41  # VISCA "command not executable" (standby, menu, busy)
HEALTH_INTERVAL_S: Final = 10.0  # idle power inquiry per camera: a quiet death is noticed
# VISCA.md §1.1 headers: 8x = controller → camera x (88 = broadcast), (8+x)0 = camera x → us.
_FIRST_CAMERA_HEADER: Final = 0x81
_LAST_CAMERA_HEADER: Final = 0x87


class ReplyWatch:
    """Which cameras of one link were sent a message and have not answered since.

    Fed by the port's trace hook (every packet sent and received). A camera that has
    not answered anything for the port's whole reply budget — ``(1 + retries)`` tries of
    the reply timeout, i.e. by the time a command, inquiry, readiness check or idle health
    poll on it timed out — is silent until any packet from it arrives. The port's own
    silence mark needs ``SILENT_LIMIT`` (3) such messages: three idle polls, 30 s, during
    which the camera would still show ``ready``.
    """

    def __init__(self, budget_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.budget_s = budget_s
        self._clock = clock
        self._waiting: dict[int, float] = {}  # address → first unanswered send

    def trace(self, direction: str, packet: bytes) -> None:
        """The port's ``on_trace`` hook ("tx", "tx-again", "rx")."""
        if not packet:
            return
        header = packet[0]
        if direction == "rx":
            self._waiting.pop((header >> 4) - 8, None)
        elif _FIRST_CAMERA_HEADER <= header <= _LAST_CAMERA_HEADER:
            self._waiting.setdefault(header & 0x0F, self._clock())

    def silent(self, address: int) -> bool:
        """True once a message to ``address`` went unanswered for the whole budget."""
        since = self._waiting.get(address)
        return since is not None and self._clock() - since >= self.budget_s

    def heard(self, address: int) -> None:
        self._waiting.pop(address, None)

    def reset(self) -> None:
        """The port (re)opens: nothing is awaited any more."""
        self._waiting.clear()


class ViscaLink:
    """One physical VISCA link shared by every camera configured on it.

    Its supervisor is :class:`drivers.visca.supervisor.ViscaSupervisor`: connect = open
    the port (AddressSet + IF_Clear on serial chains) and ask each configured camera for
    its version; watch = link loss (the transport reports an unplug at once), every
    camera silent, an idle power inquiry every ``health_interval_s``; while disconnected
    the serial path is polled every 0.2 s, so a replug is back within 2 s even without a
    hotplug ``kick()`` (DESIGN.md §8). The port object survives reconnects.

    One camera of a chain that stops answering while the link is up is reported by
    :meth:`camera_problem` (its handle shows ``disconnected``): missing at connect, marked
    silent by the port, or — at once — a message to it unanswered (:class:`ReplyWatch`).
    """

    def __init__(
        self,
        cameras: Sequence[CameraConfig],
        *,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        health_interval_s: float | None = HEALTH_INTERVAL_S,
    ) -> None:
        from drivers.visca.protocol import ViscaPort
        from drivers.visca.supervisor import ViscaSupervisor
        from drivers.visca.transport import SerialTransport, Transport, transport_from_url

        if not cameras:
            raise ValueError("a VISCA link needs at least one camera")
        first = cameras[0]
        self.id = f"visca:{first.link}"
        self.serial_path = first.port
        self.baud = first.baud
        self.url = first.url
        self.addresses = tuple(sorted({cam.address for cam in cameras}))
        transport: Transport
        if self.serial_path is not None:
            transport = SerialTransport(self.serial_path, self.baud, device_id=self.id)
        else:  # the config check parsed the URL already (appliance/config.py)
            transport = transport_from_url(self.url or "", device_id=self.id)
        self._port = ViscaPort(transport, device_id=self.id)  # opened by the supervisor
        port = self._port
        self.replies = ReplyWatch(
            (1 + port.retries) * min(port.ack_timeout_s, port.inquiry_timeout_s)
        )
        port.on_trace = self.replies.trace
        self.supervisor = ViscaSupervisor(
            self._port,
            addresses=self.addresses,
            device_id=self.id,
            connect_timeout_s=connect_timeout_s,
            health_interval_s=health_interval_s,
        )
        # Connect asks every camera again (and lists the silent ones in ``missing``).
        self.supervisor.on_state_change(lambda _old, _new, _error: self.replies.reset())

    @property
    def state(self) -> DeviceState:
        return self.supervisor.state

    @property
    def camera_count(self) -> int | None:
        """Cameras AddressSet counted on the chain (None on network links)."""
        return self._port.camera_count

    def version(self, address: int) -> VersionInfo | None:
        """What the camera at ``address`` answered to the version inquiry at connect."""
        return self.supervisor.versions.get(address)

    def camera_problem(self, address: int) -> str | None:
        """Why the camera at ``address`` is not answering while the link is up, or None."""
        missing = self.supervisor.missing.get(address)
        if missing is not None:
            return missing
        if address in self._port.unavailable:
            return f"camera {address} does not answer (marked silent)"
        if self.replies.silent(address):
            return (
                f"camera {address} does not answer (no reply within {self.replies.budget_s:.1f} s)"
            )
        return None

    def answered(self, address: int) -> None:
        """The camera at ``address`` just answered: it is no longer missing."""
        self.supervisor.answered(address)
        self.replies.heard(address)

    def port(self, device_id: str, operation: str) -> ViscaPort:
        """The open port, or ``DeviceUnavailableError`` naming ``device_id``."""
        port = self._port
        if self.supervisor.state is not DeviceState.READY or not port.is_open:
            reason = self.supervisor.last_error or self.supervisor.state.value
            raise DeviceUnavailableError(
                device_id, f"link {self.id} not ready: {reason}", operation=operation
            )
        return port

    def status(self) -> DeviceStatus:
        details: dict[str, Scalar] = {
            "link": self.serial_path or self.url,
            "baud": self.baud if self.serial_path else None,
            "cameras_on_chain": self.camera_count,
        }
        if self._port.open_note:  # what the open got past (a peer without IF_Clear echo)
            details["open_note"] = self._port.open_note
        return DeviceStatus(self.id, "camera_port", self.state, self.supervisor.last_error, details)

    async def start(self) -> None:
        await self.supervisor.start()

    async def stop(self) -> None:
        await self.supervisor.stop()


def preset_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a preset, or None. It is a path segment of
    ``/presets/{preset}/recall`` and a word on the command line: no '/', no control
    characters, not blank, not a number (a number recalls by number)."""
    if not name.strip():
        return "a preset name must not be blank"
    if name.strip().isdigit():
        return "a preset name must not be a number"
    if "/" in name:
        return f"a preset name must not contain '/' (it could never be recalled): {name!r}"
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        return f"a preset name must not contain control characters: {name!r}"
    return None


class PresetNames:
    """Preset names per camera: config first, then names stored through the API."""

    def __init__(self, path: Path, cameras: Sequence[CameraConfig]) -> None:
        self.path = path
        self._names: dict[str, dict[str, int]] = {c.id: dict(c.presets) for c in cameras}
        stored = self._read()
        for cam_id, names in stored.items():
            if cam_id in self._names:
                for name, number in names.items():
                    self._assign(cam_id, name, number)

    def names(self, camera_id: str) -> dict[str, int]:
        return dict(self._names.get(camera_id, {}))

    def name_of(self, camera_id: str, number: int) -> str | None:
        return next((n for n, k in self._names.get(camera_id, {}).items() if k == number), None)

    def set(self, camera_id: str, name: str, number: int) -> None:
        """Give ``number`` the ``name`` (a name names one number; a number has one name)."""
        self._assign(camera_id, name, number)
        self._write()

    def _assign(self, camera_id: str, name: str, number: int) -> None:
        names = self._names.setdefault(camera_id, {})
        for old in [n for n, k in names.items() if k == number or n == name]:
            del names[old]
        names[name] = number

    def _read(self) -> dict[str, dict[str, int]]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable preset names %s: %s", self.path, exc)
            return {}
        if not isinstance(raw, dict):
            return {}
        out: dict[str, dict[str, int]] = {}
        for cam, names in raw.items():
            if isinstance(names, dict):
                out[str(cam)] = {str(n): int(k) for n, k in names.items() if isinstance(k, int)}
        return out

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(self._names, ensure_ascii=False, indent=1), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            tmp.unlink(missing_ok=True)  # a full disk: give the partial file's space back
            raise


class CameraHandle:
    """One camera: the API's and the checks' way to it (see the module docstring)."""

    kind: Final = "camera"

    def __init__(
        self,
        config: CameraConfig,
        link: ViscaLink,
        names: PresetNames,
        observe: LatencyObserver,
        video: VideoHandle | None = None,
    ) -> None:
        from drivers.visca.models import profile_for

        self.config = config
        self.id = config.id
        self.link = link
        self.video = video
        self.profile = profile_for(config.model)
        self._names = names
        self._observe = observe
        self._camera: ViscaCamera | None = None
        self._camera_port: ViscaPort | None = None

    # -- state --------------------------------------------------------------------------

    @property
    def state(self) -> DeviceState:
        """The link's state; DISCONNECTED while the link is up but this camera is silent."""
        state = self.link.state
        if state is DeviceState.READY and self.link.camera_problem(self.config.address):
            return DeviceState.DISCONNECTED
        return state

    @property
    def last_error(self) -> str | None:
        return self.link.supervisor.last_error or self.link.camera_problem(self.config.address)

    def status(self) -> DeviceStatus:
        details: dict[str, Scalar] = {
            "model": self.config.model,
            "link": self.config.link,
            "address": self.config.address,
        }
        version = self.link.version(self.config.address)
        if version is not None:  # what the camera said it is when the link connected
            details["vendor_id"] = f"0x{version.vendor:04X}"
            details["model_id"] = f"0x{version.model:04X}"
            details["rom"] = f"0x{version.rom:04X}"
        return DeviceStatus(self.id, "camera", self.state, self.last_error, details)

    def presets(self) -> list[tuple[int, str | None]]:
        """Named presets, by number."""
        named = self._names.names(self.id)
        return sorted(((n, name) for name, n in named.items()), key=lambda p: p[0])

    # -- operations ---------------------------------------------------------------------

    async def power(self, on: bool) -> None:
        await self._call("power", lambda c: c.power(on))

    async def power_state(self) -> bool:
        return await self._call("power_inquiry", lambda c: c.inquire_power())

    async def drive(
        self, pan: str, tilt: str, pan_speed: int | None, tilt_speed: int | None
    ) -> None:
        from drivers.visca.messages import PanDir, TiltDir

        ps = pan_speed or min(DEFAULT_DRIVE_SPEED, self.profile.max_pan_speed)
        ts = tilt_speed or min(DEFAULT_DRIVE_SPEED, self.profile.max_tilt_speed)
        pd = PanDir[pan.upper()]
        td = TiltDir[tilt.upper()]
        await self._call("drive", lambda c: c.move(pd, td, ps, ts))

    async def stop(self) -> None:
        await self._call("stop", lambda c: c.stop())

    async def position(self) -> Position:
        return await self._call("position", lambda c: c.position())

    async def goto(self, pan: int, tilt: int, speed: int | None) -> None:
        await self._call("goto", lambda c: c.goto(pan, tilt, speed))

    async def goto_degrees(self, pan_deg: float, tilt_deg: float, speed: int | None) -> None:
        await self._call("goto", lambda c: c.goto_degrees(pan_deg, tilt_deg, speed))

    async def zoom(self, action: ZoomAction, speed: int | None) -> None:
        await self._call("zoom", lambda c: c.zoom(action, speed))

    async def zoom_to(self, position: int) -> None:
        await self._call("zoom", lambda c: c.zoom_to(position))

    async def zoom_position(self) -> int:
        return await self._call("zoom_inquiry", lambda c: c.zoom_position())

    async def focus(self, action: FocusAction, speed: int | None) -> None:
        await self._call("focus", lambda c: c.focus(action, speed))

    async def focus_auto(self, on: bool) -> None:
        await self._call("focus", lambda c: c.focus_auto(on))

    async def focus_to(self, position: int) -> None:
        await self._call("focus", lambda c: c.focus_to(position))

    async def focus_position(self) -> int:
        return await self._call("focus_inquiry", lambda c: c.focus_position())

    async def preset_store(self, number: int, name: str | None) -> None:
        """Store the camera's position as preset ``number``, optionally named. The name
        is checked before the camera is touched: bad input changes nothing."""
        if name is not None:
            name = name.strip()
            problem = preset_name_problem(name)
            if problem is not None:
                raise InvalidRequestError(self.id, problem, operation="preset_store")
            taken = self._names.names(self.id).get(name)
            if taken is not None and taken != number:
                raise PresetNameTakenError(self.id, name, taken)
        await self._call("preset_store", lambda c: c.preset_store(number))
        if name is not None:
            try:
                self._names.set(self.id, name, number)
            except OSError as exc:
                if not is_disk_full(exc):
                    raise
                # The camera stored the preset: say so, and that only its name is unsaved.
                raise DiskFullError(
                    self.id,
                    f"camera stored preset {number}; its name was not saved: disk full",
                    str(self._names.path),
                    operation="preset_store",
                ) from exc

    async def preset_recall(self, ref: str) -> tuple[int, str | None, float]:
        """Recall by number or name; wait until the head stops; (number, name, seconds)."""
        number = self._preset_number(ref)
        start = time.perf_counter()
        await self._call("preset_recall", lambda c: c.preset_recall(number))
        return number, self._names.name_of(self.id, number), time.perf_counter() - start

    async def snapshot(self) -> bytes:
        if self.video is None:
            raise InvalidRequestError(
                self.id, "no video source configured for this camera", operation="snapshot"
            )
        return await self.video.snapshot_jpeg(self._observe)

    async def inquire(self, operation: str, ask: Callable[[ViscaCamera], Awaitable[T]]) -> T:
        """Any driver inquiry the handle has no method for (the check's version and power
        state), through the same path as the handle's own operations: the link's ready
        port, the camera's one driver object, the timing reported to /metrics."""
        return await self._call(operation, ask)

    # -- internals ----------------------------------------------------------------------

    def _preset_number(self, ref: str) -> int:
        ref = ref.strip()
        if ref.isdigit():
            return int(ref)
        names = self._names.names(self.id)
        if ref not in names:
            known = ", ".join(sorted(names)) or "none"
            raise InvalidRequestError(
                self.id, f"unknown preset name {ref!r} (known: {known})", operation="preset_recall"
            )
        return names[ref]

    async def _in_standby(self) -> bool:
        from drivers.visca.messages import PowerState

        try:
            return await self._driver("power_inquiry").power_state() == PowerState.STANDBY
        except DeviceError:
            return False

    def _driver(self, operation: str) -> ViscaCamera:
        port = self.link.port(self.id, operation)
        if self._camera is None or self._camera_port is not port:
            from drivers.visca.camera import ViscaCamera

            self._camera = ViscaCamera(port, self.config.address, self.profile, self.id)
            self._camera_port = port
        return self._camera

    async def _call(self, operation: str, fn: Callable[[ViscaCamera], Awaitable[T]]) -> T:
        start = time.perf_counter()
        try:
            result = await fn(self._driver(operation))
        except ValueError as exc:
            raise InvalidRequestError(self.id, str(exc), operation=operation) from None
        except CommandRejectedError as exc:
            # 41 "not executable now" covers standby, an open menu and busy: name standby.
            if exc.code == NOT_EXECUTABLE and operation != "power" and await self._in_standby():
                raise CameraInStandbyError(self.id, operation) from None
            raise
        finally:
            self._observe(self.id, operation, time.perf_counter() - start)
        self.link.answered(self.config.address)
        return result
