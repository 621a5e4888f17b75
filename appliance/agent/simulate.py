"""``appliance agent --simulate``: the real agent on simulated hardware.

:class:`SimulatedHardware` starts the drivers' own simulators and writes a normal config
file that points at them; the agent then runs the normal code path (``run_agent``) on
that file — nothing in the agent knows it is simulated:

- a 2-camera VISCA daisy chain on a pseudo-terminal (``drivers.visca.sim.
  PtySimulator``), its bytes paced at the configured 9600 baud (a pty alone has no line
  speed, PLATFORM.md Infra 1), so commands take as long as on a real RS-232 line;
- one MJPEG scene stream per camera rendered from that camera's pan/tilt/zoom
  (``drivers.video.simulator.VideoSimulator``);
- a screen: Xvfb on a free display number with an ``HDMI-1`` output
  (``drivers.display.simulator.DisplaySimulator``), and a TV behind a stand-in
  ``cec-client`` (``drivers.display.cec_simulator``) that :meth:`SimulatedHardware.agent_env`
  puts first on the agent's ``PATH``;
- audio: the PulseAudio room (``drivers.audio.simulator``), started by :func:`run_simulated`.

In the demo province (``appliance demo province``, 31 rooms on 2 cores) a room gets a
:class:`ProvinceRoom`: its audio is built inside one shared PulseAudio server, its display
is a monitor of one shared Xvfb screen (a window per room), and the agent is enrolled at
the hub with a one-time token before it starts.

Where a system part is missing (Xvfb, PulseAudio) the agent still runs: a warning names
the Debian package and the device shows as unavailable with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from appliance.i18n import t
from drivers.errors import DeviceError

if TYPE_CHECKING:
    from appliance.config import AgentConfig
    from drivers.audio.simulator import RoomAudioSimulator
    from drivers.display.cec_simulator import CecClientSimulator
    from drivers.display.simulator import DisplaySimulator
    from drivers.video.simulator import VideoSimulator
    from drivers.visca.sim import PtySimulator

log = logging.getLogger(__name__)

SIM_CAMERAS: Final = 2
SIM_MODEL: Final = "srg-300h"
SIM_BAUD: Final = 9600  # the config says 9600 and the simulator paces the line at it
SIM_VIDEO_SIZE: Final = (640, 360)  # small frames: the demo runs 31 rooms on 2 cores
SIM_VIDEO_FPS: Final = 5.0
SIM_SCREEN: Final = (1280, 720)  # one Xvfb per room: 2.7 MB of frame buffer at this size
SIM_OUTPUT: Final = "HDMI-1"
SIM_DISPLAY: Final = "main"
SIM_TV_POWER: Final = "on"  # the technician switched the room on (the check expects it)
# The names the PulseAudio room simulator gives its devices (drivers/audio/simulator.py).
SIM_MIC: Final = "Room Mic"
SIM_SPEAKER: Final = "Room Speaker"
SIM_PRESETS: Final = {"cam1": {"chu-toa": 1, "toan-canh": 2}, "cam2": {"dai-bieu": 1}}
_UNUSED_X_FROM: Final = 900  # without Xvfb: an X display number nobody serves
_NOTIFY_VARIABLES: Final = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")
_STOP_SIGNALS: Final = (signal.SIGTERM, signal.SIGINT)
LOCK_NAME: Final = ".simulate.lock"  # held (flock) by the --simulate that owns the room dir


@dataclass(frozen=True)
class ProvinceRoom:
    """What the demo province gives one simulated room (all optional)."""

    room_name: str | None = None
    district: str = "Mô phỏng"
    audio_server: str | None = None  # drivers.audio.simulator.SharedAudioServer.server
    x_display: str | None = None  # the shared Xvfb screen …
    x_output: str | None = None  # … and this room's monitor on it
    hub_url: str | None = None
    enrolment_token_file: Path | None = None


class SimulatedHardware:
    """The simulated devices of one room, and the config file that describes them."""

    def __init__(
        self,
        directory: Path,
        *,
        room_id: str = "sim-room",
        room_name: str | None = None,
        baud: int | None = SIM_BAUD,
        display: bool = True,
        xvfb_command: str = "Xvfb",
        lang: str = "vi",
        province: ProvinceRoom | None = None,
    ) -> None:
        self.province = province or ProvinceRoom()
        self.directory = directory
        self.room_id = room_id
        self.room_name = room_name or f"Điểm cầu mô phỏng {room_id}"
        self.baud = baud  # None: bytes as fast as the pty moves them (config still says 9600)
        self.display = display
        self.xvfb_command = xvfb_command
        self.lang = lang
        self.visca: PtySimulator | None = None
        self.videos: list[VideoSimulator] = []
        self.screen: DisplaySimulator | None = None
        self.tv: CecClientSimulator | None = None
        self.xdisplay: str | None = None
        self.output: str | None = None  # the display's RandR monitor, when there is a screen
        self.notes: list[str] = []  # what is missing, for the technician (Vietnamese keys)
        # The hub this room links to (docs/LINK.md) and the enrolment token it uses once
        # (the agent enrols itself from hub.enrolment_token_file).
        self.hub_url: str | None = self.province.hub_url
        self.hub_token_file: Path | None = self.province.enrolment_token_file

    async def start(self) -> None:
        from drivers.video.simulator import VideoSimulator, visca_camera_view
        from drivers.visca.sim import PtySimulator

        self.directory.mkdir(parents=True, exist_ok=True)
        self.visca = PtySimulator(
            SIM_CAMERAS,
            link=str(self.directory / "visca-chain"),
            model=SIM_MODEL,
            baud=self.baud,
        )
        await self.visca.start()
        width, height = SIM_VIDEO_SIZE
        for address in range(1, SIM_CAMERAS + 1):
            video = VideoSimulator(
                visca_camera_view(self.visca.camera(address)),
                width=width,
                height=height,
                fps=SIM_VIDEO_FPS,
                room_name=self.room_name,
            )
            await video.start()
            self.videos.append(video)
        if self.display:
            await self._start_display()

    async def stop(self) -> None:
        for video in self.videos:
            with contextlib.suppress(Exception):
                await video.stop()
        self.videos.clear()
        if self.screen is not None:
            with contextlib.suppress(Exception):
                await self.screen.stop()
            self.screen = None
        if self.visca is not None:
            with contextlib.suppress(Exception):
                await self.visca.stop()
            self.visca = None

    def agent_env(self) -> dict[str, str]:
        """Environment for the agent: the stand-in ``cec-client`` first on ``PATH``."""
        if self.tv is None:
            return {}
        return {"PATH": self.tv.path_with_simulator()}

    def config_text(self, listen: str, state_dir: Path) -> str:
        """A config file for these devices (the same format a real room uses)."""
        if self.visca is None:
            raise RuntimeError("start the simulated hardware first")
        cameras = []
        for i, video in enumerate(self.videos, start=1):
            cam_id = f"cam{i}"
            presets = "\n".join(f"{name} = {n}" for name, n in SIM_PRESETS.get(cam_id, {}).items())
            cameras.append(
                f'[[cameras]]\nid = "{cam_id}"\nport = "{self.visca.path}"\nbaud = {SIM_BAUD}\n'
                f'address = {i}\nmodel = "{SIM_MODEL}"\nvideo = "{video.url}"\n'
                f"[cameras.presets]\n{presets}\n"
            )
        displays = ""
        if self.display:
            xdisplay = self.xdisplay or _unused_x_display()
            output = f'output = "{self.output}"\n' if self.output is not None else ""
            cec = "true" if self.tv is not None else "false"
            displays = (
                f'\n[[displays]]\nid = "{SIM_DISPLAY}"\nx_display = "{xdisplay}"\n{output}'
                f"cec = {cec}\n"
            )
        district = self.province.district
        return (
            f'[room]\nid = "{self.room_id}"\nname = "{self.room_name}"\ndistrict = "{district}"\n\n'
            + "\n".join(cameras)
            + f'\n[[microphones]]\nid = "mic1"\nname = "{SIM_MIC}"\n'
            + f'\n[[speakers]]\nid = "spk1"\nname = "{SIM_SPEAKER}"\n'
            + displays
            + f'\n[api]\nlisten = "{listen}"\n\n[state]\ndir = "{state_dir}"\n'
            + self._hub_section()
        )

    def _hub_section(self) -> str:
        if self.hub_url is None:
            return ""
        token = f'enrolment_token_file = "{self.hub_token_file}"\n' if self.hub_token_file else ""
        return f'\n[hub]\nurl = "{self.hub_url}"\n{token}'

    def write_config(self, listen: str) -> Path:
        path = self.directory / "appliance.toml"
        path.write_text(self.config_text(listen, self.directory / "state"), encoding="utf-8")
        return path

    async def _start_display(self) -> None:
        from drivers.display.cec_simulator import CecClientSimulator
        from drivers.display.simulator import DisplaySimulator

        self.tv = CecClientSimulator(self.directory / "cec", power=SIM_TV_POWER)
        self.tv.install()
        if self.province.x_display is not None:  # the province's shared screen
            self.xdisplay = self.province.x_display
            self.output = self.province.x_output
            return
        width, height = SIM_SCREEN
        screen = DisplaySimulator(
            size=SIM_SCREEN,
            monitors=[(SIM_OUTPUT, f"{width}x{height}+0+0")],
            command=self.xvfb_command,
        )
        try:
            self.xdisplay = await screen.start()
        except DeviceError as exc:  # Xvfb missing or not starting: the display is unavailable
            log.warning("%s (%s)", t("agent.simulate.no_xvfb", self.lang), exc)
            self.notes.append("agent.simulate.no_xvfb")
        else:
            self.screen = screen
            self.output = SIM_OUTPUT


def _unused_x_display() -> str:
    """``:N`` with no X server socket: the agent reports the display as unavailable."""
    for number in range(_UNUSED_X_FROM, _UNUSED_X_FROM + 100):
        if not Path(f"/tmp/.X11-unix/X{number}").exists():  # noqa: S108 - X11's fixed path
            return f":{number}"
    return f":{_UNUSED_X_FROM}"


AUDIO_START_TRIES: Final = 4


def room_audio_prefix(room_id: str) -> str:
    """The names of a room's sinks and sources in a shared sound server start with this
    (``hdnd-tinh`` → ``hdnd_tinh_``: PulseAudio names take letters, digits and ``_``)."""
    return "".join(c if c.isalnum() else "_" for c in room_id) + "_"


def _start_room_audio(
    lang: str, server: str | None = None, room_id: str = ""
) -> RoomAudioSimulator | None:
    """The PulseAudio room simulator, activated in this process (the agent's own); with
    ``server``, the room is built inside that shared server under the room's prefix."""
    from drivers.audio.simulator import RoomAudioSimulator

    if shutil.which("pulseaudio") is None and server is None:
        log.warning("%s", t("agent.simulate.no_pulse", lang))
        return None
    prefix = room_audio_prefix(room_id) if server else ""
    # In a shared server (the demo province) 31 rooms load their modules at once; on a
    # loaded 2-core machine one room's pactl could time out and that room ran the whole
    # demo without sound (tests/reliability/test_soak.py: its planted silent microphone
    # could not be planted). A busy server gets more tries; no server at all does not.
    for attempt in range(1, AUDIO_START_TRIES + 1):
        room = RoomAudioSimulator(server=server, prefix=prefix)
        try:
            room.start()
            room.activate()
        except DeviceError as exc:
            room.stop()
            if server is None or attempt == AUDIO_START_TRIES:
                log.warning("%s (%s)", t("agent.simulate.no_pulse", lang), exc)
                return None
            log.info("room audio in the shared sound server, try %d failed: %s", attempt, exc)
            time.sleep(attempt)
            continue
        return room
    return None


@contextlib.contextmanager
def _without_notify_socket() -> Iterator[None]:
    """Hide systemd's notify socket from the simulators' child processes: PulseAudio
    speaks sd_notify and would send READY=1 before the agent is up."""
    saved = {k: os.environ.pop(k) for k in _NOTIFY_VARIABLES if k in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _say_how_to_reach(config: AgentConfig, lang: str) -> None:
    """Once the API answers: its /api/v1 base, the token file and a request that works."""
    from appliance.agent.api import API_PREFIX, OPENAPI_URL
    from appliance.config import parse_listen

    host, port = parse_listen(config.api.listen)
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104 - connect here
    origin = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    log.warning(
        "%s",
        t(
            "agent.simulate.ready",
            lang,
            base=origin + API_PREFIX,
            openapi=origin + OPENAPI_URL,
            token_file=str(config.token_file),
        ),
    )


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def bound_loopback_socket() -> socket.socket:
    """A socket bound to a free loopback port, kept for the API to listen on.

    Choosing a free port and binding it later is a race: in the soak (31 agents beside the
    rest of the suite) another program took an agent's port in between and the agent
    stopped ("address already in use"). The socket held from the start closes that gap.
    """
    # No SO_REUSEADDR (uvicorn sets it on sockets it binds itself): without it no other
    # socket can bind this port until ours closes, whatever options that one sets.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


async def run_simulated(
    *,
    rooms_dir: str | None,
    room_id: str,
    listen: str | None,
    lang: str,
    display: bool = True,
    province: ProvinceRoom | None = None,
) -> None:
    """Start the simulated room, write its config, run the agent on it until SIGTERM."""
    from appliance.config import parse_config

    # The id becomes a directory name: check it before anything is written (a
    # "../../etc" would otherwise put a config outside the rooms directory first).
    parse_config({"room": {"id": room_id, "name": room_id}}, source="--room-id")
    temp = None if rooms_dir else tempfile.mkdtemp(prefix="appliance-sim-")
    directory = Path(rooms_dir or temp or ".") / room_id
    try:
        lock = _lock_room(directory, lang)
    except BaseException:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
        raise
    with lock:
        await _run_locked(directory, temp, room_id, listen, lang, display, province)


def _lock_room(directory: Path, lang: str) -> contextlib.closing[Any]:
    """Own ``directory`` for this process: a second ``--simulate`` on it would overwrite
    the first one's config and delete its fault socket. flock ends with the process."""
    directory.mkdir(parents=True, exist_ok=True)
    handle = (directory / LOCK_NAME).open("a+", encoding="ascii")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "?"
        handle.close()
        raise RuntimeError(
            t("agent.simulate.locked", lang, directory=str(directory), pid=owner)
        ) from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return contextlib.closing(handle)


async def _run_locked(
    directory: Path,
    temp: str | None,
    room_id: str,
    listen: str | None,
    lang: str,
    display: bool,
    province: ProvinceRoom | None = None,
) -> None:
    from appliance.agent.server import run_agent
    from appliance.agent.sim_control import SOCKET_NAME, SimControl
    from appliance.config import load_config

    province = province or ProvinceRoom()
    hardware = SimulatedHardware(
        directory,
        room_id=room_id,
        room_name=province.room_name,
        display=display,
        lang=lang,
        province=province,
    )
    audio = None
    control = None
    sock: socket.socket | None = None
    # SIGTERM while the simulators start must not kill the process outright (its Xvfb
    # would be left running): it ends the start-up, then everything is stopped.
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in _STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    try:
        with _without_notify_socket():
            await hardware.start()
            audio = _start_room_audio(lang, province.audio_server, room_id)
        # Fault switches for demo and training: a local socket, not the control API.
        control = SimControl(directory / SOCKET_NAME, hardware, audio)
        await control.start()
        os.environ.update(hardware.agent_env())  # this process is the agent
        if listen is None:
            sock = bound_loopback_socket()
            listen = f"127.0.0.1:{sock.getsockname()[1]}"
        path = hardware.write_config(listen)
        log.warning("%s", t("agent.simulate.started", lang, path=str(path)))
        config = load_config(path)
        if not stop.is_set():
            await run_agent(
                config, stop=stop, on_ready=lambda _: _say_how_to_reach(config, lang), sock=sock
            )
    finally:
        for sig in _STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
        if sock is not None:
            sock.close()
        if control is not None:
            await control.stop()
        if audio is not None:
            audio.stop()
        await hardware.stop()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
