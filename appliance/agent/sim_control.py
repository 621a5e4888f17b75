"""Fault control of ``appliance agent --simulate``: unplug a camera, mute the microphone…

The simulators' fault APIs run inside the agent process (the agent's own event loop), so
a demo, a trainer or a test reaches them through this small control: a Unix socket
``sim-control.sock`` beside the simulated room's config, mode 0600 — local only, never on
the network and never part of the control API (a real room has no such thing).

One JSON object per line each way::

    {"op": "unplug", "camera": 2}            camera 2's VISCA cable pulled off the chain:
                                              it hears and answers nothing (cameras 1… go on)
    {"op": "replug", "camera": 2}            the cable back
    {"op": "video", "camera": 1, "fault": "black"}   a drivers.video.Fault value
    {"op": "microphone", "silent": true}     the room microphone goes dead (and back)
    {"op": "tv", "power": "standby"}          the room's TV is off: the display shows nothing
                                              ("on" switches it back on)
    {"op": "clear"}                          every fault cleared
    → {"ok": true, "message": "…"}  or  {"ok": false, "error": "…"}

:func:`send` is the client (blocking; a few milliseconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

from drivers.errors import CommandRejectedError, DeviceUnavailableError

if TYPE_CHECKING:
    from drivers.audio.simulator import RoomAudioSimulator
    from drivers.display.cec_simulator import CecClientSimulator
    from drivers.video.simulator import VideoSimulator
    from drivers.visca.sim import PtySimulator

log = logging.getLogger(__name__)

SOCKET_NAME: Final = "sim-control.sock"
REQUEST_TIMEOUT_S: Final = 5.0  # one request, both ends (pactl for the microphone is ~50 ms)
MAX_LINE: Final = 4096
DEVICE_ID: Final = "sim-control"
OPS: Final = ("unplug", "replug", "video", "microphone", "tv", "clear")


class SimulatedRoom(Protocol):
    """What the fault control needs of the simulated hardware (``simulate.SimulatedHardware``;
    a protocol, so this module does not import the one that starts it)."""

    visca: PtySimulator | None
    videos: list[VideoSimulator]
    tv: CecClientSimulator | None


class SimControl:
    """The control socket of one simulated room (serve with :meth:`start` / :meth:`stop`)."""

    def __init__(
        self,
        path: Path,
        hardware: SimulatedRoom,
        audio: RoomAudioSimulator | None = None,
        *,
        request_timeout_s: float = REQUEST_TIMEOUT_S,
    ) -> None:
        self.path = path
        self._hardware = hardware
        self._audio = audio
        self._timeout_s = request_timeout_s
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # a stale socket of an earlier run
        old = os.umask(0o177)  # the socket is created 0600: local user only
        try:
            self._server = await asyncio.start_unix_server(
                self._serve, path=str(self.path), limit=MAX_LINE
            )
        except OSError as exc:  # e.g. a path over AF_UNIX's 107 bytes: the room runs without
            log.warning("simulator fault control not available at %s: %s", self.path, exc)
            return
        finally:
            os.umask(old)
        log.info("simulator fault control on %s", self.path)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def apply(self, request: Mapping[str, object]) -> str:
        """Apply one fault request; raise ``ValueError`` (bad request) with the reason."""
        op = request.get("op")
        visca = self._hardware.visca
        if op == "clear":
            if visca is not None:
                visca.clear_faults()
            await self._video_fault(None, "none")
            if self._audio is not None:
                await asyncio.to_thread(self._audio.reset_faults)
            if self._hardware.tv is not None:
                # the switched-on room of --simulate (simulate.SIM_TV_POWER)
                await asyncio.to_thread(self._hardware.tv.set, power="on")
            return "all faults cleared"
        if op in ("unplug", "replug"):
            address = _camera(request, len(self._hardware.videos))
            if visca is None:
                raise ValueError("no simulated cameras")
            visca.silent(op == "unplug", address=address)
            return f"camera {address} {op}ged"
        if op == "video":
            address = _camera(request, len(self._hardware.videos))
            fault = str(request.get("fault", ""))
            await self._video_fault(address, fault)
            return f"camera {address} video: {fault}"
        if op == "microphone":
            if self._audio is None:
                raise ValueError("no simulated room audio (PulseAudio not running)")
            silent = request.get("silent")
            if not isinstance(silent, bool):
                raise ValueError('"silent" must be true or false')
            await asyncio.to_thread(self._audio.set_microphone_silent, silent)
            return "microphone silent" if silent else "microphone back"
        if op == "tv":
            tv = self._hardware.tv
            if tv is None:
                raise ValueError("no simulated TV (the room runs without a display)")
            power = request.get("power")
            if power not in ("on", "standby"):
                raise ValueError('"power" must be "on" or "standby"')
            await asyncio.to_thread(tv.set, power=str(power))
            return f"TV {power}"
        raise ValueError(f"unknown op {op!r}; one of {', '.join(OPS)}")

    # -- internals ---------------------------------------------------------------------

    async def _video_fault(self, address: int | None, name: str) -> None:
        from drivers.video.simulator import Fault

        try:
            fault = Fault(name)
        except ValueError:
            raise ValueError(
                f"unknown video fault {name!r}; one of {', '.join(f.value for f in Fault)}"
            ) from None
        videos = self._hardware.videos
        for video in videos if address is None else [videos[address - 1]]:
            await video.set_fault(fault)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(self._timeout_s):
                line = await reader.readline()
                answer = await self._answer(line)
                writer.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
                await writer.drain()
        except (TimeoutError, OSError, ValueError) as exc:  # ValueError: line over MAX_LINE
            log.warning("simulator fault control: %s", exc or type(exc).__name__)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _answer(self, line: bytes) -> dict[str, object]:
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("a request is one JSON object")
            message = await self.apply(request)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError too
            return {"ok": False, "error": str(exc)}
        log.warning("simulated fault: %s", message)
        return {"ok": True, "message": message}


def send(
    path: Path | str, request: Mapping[str, object], *, timeout_s: float = REQUEST_TIMEOUT_S
) -> str:
    """Send one request to a simulated room's control; its message, or a typed error."""
    data = json.dumps(dict(request)).encode() + b"\n"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(str(path))
            sock.sendall(data)
            answer = sock.makefile("rb").readline(MAX_LINE)
    except OSError as exc:  # socket.timeout is an OSError
        raise DeviceUnavailableError(
            DEVICE_ID,
            f"no simulated room answers on {path}: {exc.strerror or exc}",
            operation=str(request.get("op")),
        ) from None
    try:
        reply = json.loads(answer)
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        raise DeviceUnavailableError(
            DEVICE_ID, f"no answer from {path}", operation=str(request.get("op"))
        )
    if not reply.get("ok"):
        raise CommandRejectedError(
            DEVICE_ID, str(reply.get("error")), operation=str(request.get("op"))
        )
    return str(reply.get("message", ""))


def _camera(request: Mapping[str, object], count: int) -> int:
    address = request.get("camera")
    if isinstance(address, bool) or not isinstance(address, int) or not 1 <= address <= count:
        raise ValueError(f'"camera" must be a camera number 1…{count}, not {address!r}')
    return address
