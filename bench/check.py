"""Readiness check duration of one room on simulated hardware (DESIGN.md §7: ≤ 8 s).

    .venv/bin/python bench/check.py [--runs 5] [--video 640x360@5] [--no-audio] [--no-display]

The room is the demo's: a 2-camera VISCA daisy chain on a pty paced at 9600 baud, one
MJPEG scene stream per camera, the PulseAudio room ("Room Mic", "Room Speaker") and a
1920x1080 Xvfb screen that VLC draws into, three presets with stored reference pictures.
The agent service and the check engine run in this process exactly as in the agent. Prints
the median / min / max of full runs, the ratio to the target, and where the time goes
(the slowest items; items of one device run one after another, devices in parallel).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from report import record

from appliance.agent.checks import CheckRun, install
from appliance.agent.checks.items.camera import capture_reference
from appliance.agent.service import AgentService
from appliance.config import load_config
from drivers.video.simulator import VideoSimulator, visca_camera_view
from drivers.visca.sim import PtySimulator

TARGET_S = 8.0
DESIGN_TARGET_S = 3.0  # DESIGN.md §7: readiness check, one room ≤ 3 s (the report's target)
PRESETS = {
    "cam1": {"chu-toa": (1, -25.0, -5.0), "toan-canh": (2, 20.0, 0.0)},
    "cam2": {"dai-bieu": (1, 35.0, -8.0)},
}


def _config(
    d: Path, visca: PtySimulator, videos: list[VideoSimulator], audio: bool, xdisplay: str | None
) -> Path:
    text = '[room]\nid = "bench"\nname = "Phòng họp đo thời gian"\n\n'
    for i, video in enumerate(videos, start=1):
        names = "\n".join(f'"{name}" = {n}' for name, (n, _, _) in PRESETS[f"cam{i}"].items())
        text += (
            f'[[cameras]]\nid = "cam{i}"\nport = "{visca.path}"\naddress = {i}\nbaud = 9600\n'
            f'model = "srg-300h"\nvideo = "{video.url}"\n[cameras.presets]\n{names}\n\n'
        )
    if audio:
        text += '[[microphones]]\nid = "mic1"\nname = "Room Mic"\n\n[[speakers]]\nid = "spk1"\nname = "Room Speaker"\n\n'
    if xdisplay:
        text += f'[[displays]]\nid = "main"\nx_display = "{xdisplay}"\n\n'
    text += f'[api]\nlisten = "127.0.0.1:1"\n\n[state]\ndir = "{d / "state"}"\n'
    path = d / "appliance.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def main(args: argparse.Namespace) -> None:
    size, fps = args.video.split("@")
    width, height = (int(v) for v in size.split("x"))
    d = Path(tempfile.mkdtemp(prefix="bench-check-"))
    async with contextlib.AsyncExitStack() as stack:
        visca = PtySimulator(2, link=str(d / "visca"), model="srg-300h", baud=9600)
        await visca.start()
        stack.push_async_callback(visca.stop)
        videos = []
        for address in (1, 2):
            video = VideoSimulator(
                visca_camera_view(visca.camera(address)), width=width, height=height, fps=float(fps)
            )
            await video.start()
            stack.push_async_callback(video.stop)
            videos.append(video)
        parts = [f"2 cameras at 9600 baud, video {width}x{height} @ {fps} fps"]
        audio = False
        if args.audio:
            from drivers.audio.simulator import RoomAudioSimulator

            room_audio = RoomAudioSimulator()
            room_audio.start()
            room_audio.activate()
            stack.callback(room_audio.stop)
            audio = True
            parts.append("PulseAudio room")
        xdisplay = None
        if args.display:
            from drivers.display.simulator import DisplaySimulator

            screen = DisplaySimulator()
            xdisplay = await screen.start()
            stack.push_async_callback(screen.stop)
            parts.append("Xvfb 1920x1080 + VLC")
        service = AgentService(
            load_config(_config(d, visca, videos, audio, xdisplay)), hotplug=False
        )
        engine = install(service)
        await service.start()
        stack.push_async_callback(service.stop)
        stack.push_async_callback(engine.close)
        for link in service.links.values():
            await link.supervisor.wait_ready(10)
        for cam_id, presets in PRESETS.items():
            cam = service.camera(cam_id)
            for number, pan, tilt in presets.values():
                await cam.goto_degrees(pan, tilt, None)
                await cam.preset_store(number, None)
            for name in presets:
                await capture_reference(service, cam_id, name)
        print(f"room: {', '.join(parts)}; 3 presets with references")
        durations: list[float] = []
        last: CheckRun | None = None
        for _ in range(args.runs):
            start = time.perf_counter()
            last = await engine.wait(await engine.start())
            durations.append(time.perf_counter() - start)
        assert last is not None
        median = statistics.median(durations)
        print(
            f"one-room check: median {median:.2f} s, min {min(durations):.2f} s, max {max(durations):.2f} s "
            f"over {len(durations)} runs; {len(last.results)} items, overall {last.overall}; "
            f"target ≤ {TARGET_S:.0f} s → ratio {median / TARGET_S:.2f}"
        )
        record(
            "check.one_room.median",
            median,
            "s",
            target=DESIGN_TARGET_S,
            title="Readiness check, one room, median",
        )
        for r in last.results:
            record(f"check.item.{r.id}", r.duration_s, "s", title=r.id, series="check")
        slow = sorted(last.results, key=lambda r: r.duration_s, reverse=True)[:8]
        print(
            "slowest items (last run): " + ", ".join(f"{r.id} {r.duration_s:.2f} s" for r in slow)
        )
        per_device: dict[str, float] = {}
        for r in last.results:
            per_device[r.device or "pc"] = per_device.get(r.device or "pc", 0.0) + r.duration_s
        print(
            "sum of item times per device: "
            + ", ".join(f"{k} {v:.2f} s" for k, v in per_device.items())
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--video", default="640x360@5", help="WxH@fps of the simulated cameras")
    parser.add_argument("--no-audio", dest="audio", action="store_false")
    parser.add_argument("--no-display", dest="display", action="store_false")
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    asyncio.run(main(parser.parse_args()))
