"""The agent's audio endpoints: the start-up look-up in a child process and its failures.

The happy path runs in an agent process against the PulseAudio room simulator
(tests/agent/test_agent_sim.py: PortAudio stays out of the idle agent); here the look-up
child itself is run and made to fail.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from appliance.agent.audio import AudioDevices
from appliance.config import AudioDeviceConfig
from drivers.audio.simulator import RoomAudioSimulator
from drivers.supervision import DeviceState


def _no_observer(device: str, operation: str, seconds: float) -> None:
    return None


def _look_up_children() -> list[int]:
    """This process's children running the look-up module."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (proc / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"appliance.agent.audio" in cmdline:
            found.append(int(proc.name))
    return found


async def test_a_look_up_that_does_not_answer_in_time_marks_the_devices_unavailable() -> None:
    audio = AudioDevices(
        [AudioDeviceConfig(id="mic1", name="Room Mic")],
        [AudioDeviceConfig(id="spk1", name="Room Speaker")],
        _no_observer,
        probe_timeout_s=0.001,  # the child cannot even start in that time: it is killed
    )
    await audio._probe_in_child()
    for endpoint in audio.endpoints():
        assert endpoint.state is DeviceState.DISCONNECTED
        assert "no answer within" in (endpoint.last_error or "")
        assert endpoint.device_name is None
    await audio.stop()


def test_the_look_up_child_answers_json_per_endpoint(pulse_room: RoomAudioSimulator) -> None:
    wanted = [
        {"id": "mic1", "name": "room mic", "input": True},  # substring, any case
        {"id": "spk1", "name": "Room Speaker", "input": False},
        {"id": "spk2", "name": "Room Mic", "input": False},  # a microphone is no speaker
    ]
    run = subprocess.run(
        [sys.executable, "-m", "appliance.agent.audio", json.dumps(wanted)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=dict(os.environ, **pulse_room.env()),
    )
    answer = json.loads(run.stdout)
    assert "Room Mic" in answer["mic1"]["name"]
    assert "Room Speaker" in answer["spk1"]["name"]
    assert "no speaker (output) device matches" in answer["spk2"]["error"]


async def test_stop_during_a_look_up_leaves_no_child(pulse_room: RoomAudioSimulator) -> None:
    audio = AudioDevices([AudioDeviceConfig(id="mic1", name="Room Mic")], [], _no_observer)
    # sounddevice is loaded in this test process, so ask for the child explicitly.
    task = asyncio.create_task(audio._probe_in_child())
    for _ in range(200):
        if _look_up_children():
            break
        await asyncio.sleep(0.01)
    assert _look_up_children(), "the look-up child never started"
    task.cancel()  # what AudioDevices.stop() does to a running look-up
    await asyncio.gather(task, return_exceptions=True)
    assert _look_up_children() == []  # killed and reaped
    assert audio.endpoint("mic1").state is DeviceState.DISCONNECTED  # nothing half-set
