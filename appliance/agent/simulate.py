"""``appliance agent --simulate``: the real agent on simulated hardware.

:class:`SimulatedHardware` starts the drivers' own simulators — a 2-camera VISCA daisy
chain on a pseudo-terminal (``drivers.visca.sim_server.PtySimulator``), one MJPEG scene
stream per camera rendered from that camera's pan/tilt/zoom
(``drivers.video.simulator.VideoSimulator``) — and writes a normal config file that
points at them. The agent then runs the normal code path (``run_agent``) on that file:
nothing in the agent knows it is simulated. Audio and displays are listed in the config;
where their simulators (PulseAudio, Xvfb) are not available the devices show as
unavailable and a message names the Debian package.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

from appliance.i18n import t

if TYPE_CHECKING:
    from drivers.audio.simulator import RoomAudioSimulator
    from drivers.video.simulator import VideoSimulator
    from drivers.visca.sim_server import PtySimulator

log = logging.getLogger(__name__)

SIM_CAMERAS: Final = 2
SIM_MODEL: Final = "srg-300h"
SIM_VIDEO_SIZE: Final = (640, 360)  # small frames: the demo runs 31 rooms on 2 cores
SIM_VIDEO_FPS: Final = 5.0
# The names the PulseAudio room simulator gives its devices (drivers/audio/simulator.py).
SIM_MIC: Final = "Room Mic"
SIM_SPEAKER: Final = "Room Speaker"
SIM_PRESETS: Final = {"cam1": {"chu-toa": 1, "toan-canh": 2}, "cam2": {"dai-bieu": 1}}


class SimulatedHardware:
    """The simulated devices of one room, and the config file that describes them."""

    def __init__(
        self, directory: Path, *, room_id: str = "sim-room", room_name: str | None = None
    ) -> None:
        self.directory = directory
        self.room_id = room_id
        self.room_name = room_name or f"Điểm cầu mô phỏng {room_id}"
        self.visca: PtySimulator | None = None
        self.videos: list[VideoSimulator] = []
        self.notes: list[str] = []

    async def start(self) -> None:
        from drivers.video.simulator import VideoSimulator, visca_camera_view
        from drivers.visca.sim_server import PtySimulator

        self.directory.mkdir(parents=True, exist_ok=True)
        self.visca = PtySimulator(
            SIM_CAMERAS, link=str(self.directory / "visca-chain"), model=SIM_MODEL
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

    async def stop(self) -> None:
        for video in self.videos:
            with contextlib.suppress(Exception):
                await video.stop()
        self.videos.clear()
        if self.visca is not None:
            with contextlib.suppress(Exception):
                await self.visca.stop()
            self.visca = None

    def config_text(self, listen: str, state_dir: Path) -> str:
        """A config file for these devices (the same format a real room uses)."""
        if self.visca is None:
            raise RuntimeError("start the simulated hardware first")
        cameras = []
        for i, video in enumerate(self.videos, start=1):
            cam_id = f"cam{i}"
            presets = "\n".join(f"{name} = {n}" for name, n in SIM_PRESETS.get(cam_id, {}).items())
            cameras.append(
                f'[[cameras]]\nid = "{cam_id}"\nport = "{self.visca.path}"\nbaud = 9600\n'
                f'address = {i}\nmodel = "{SIM_MODEL}"\nvideo = "{video.url}"\n'
                f"[cameras.presets]\n{presets}\n"
            )
        return (
            f'[room]\nid = "{self.room_id}"\nname = "{self.room_name}"\ndistrict = "Mô phỏng"\n\n'
            + "\n".join(cameras)
            + f'\n[[microphones]]\nid = "mic1"\nname = "{SIM_MIC}"\n'
            + f'\n[[speakers]]\nid = "spk1"\nname = "{SIM_SPEAKER}"\n'
            + f'\n[api]\nlisten = "{listen}"\n\n[state]\ndir = "{state_dir}"\n'
        )

    def write_config(self, listen: str) -> Path:
        path = self.directory / "appliance.toml"
        path.write_text(self.config_text(listen, self.directory / "state"), encoding="utf-8")
        return path


def _start_room_audio(lang: str) -> RoomAudioSimulator | None:
    """The PulseAudio room simulator, activated in this process (the agent's own)."""
    from drivers.audio.simulator import RoomAudioSimulator
    from drivers.errors import DeviceError

    if shutil.which("pulseaudio") is None:
        log.warning("%s", t("agent.simulate.no_pulse", lang))
        return None
    room = RoomAudioSimulator()
    try:
        room.start()
        room.activate()
    except DeviceError as exc:
        room.stop()
        log.warning("%s (%s)", t("agent.simulate.no_pulse", lang), exc)
        return None
    return room


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def run_simulated(
    *, rooms_dir: str | None, room_id: str, listen: str | None, lang: str
) -> None:
    """Start the simulated room, write its config, run the agent on it until SIGTERM."""
    from appliance.agent.server import run_agent
    from appliance.config import load_config

    temp = None if rooms_dir else tempfile.mkdtemp(prefix="appliance-sim-")
    directory = Path(rooms_dir or temp or ".") / room_id
    hardware = SimulatedHardware(directory, room_id=room_id)
    audio = None
    try:
        await hardware.start()
        audio = _start_room_audio(lang)
        path = hardware.write_config(listen or f"127.0.0.1:{free_loopback_port()}")
        log.warning("%s", t("agent.simulate.started", lang, path=str(path)))
        await run_agent(load_config(path))
    finally:
        if audio is not None:
            audio.stop()
        await hardware.stop()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
