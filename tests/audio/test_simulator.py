"""The room simulator's own lifecycle: started and stopped by PID, clean up, clear errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drivers.audio.simulator import RoomAudioSimulator
from drivers.errors import DeviceUnavailableError

_LIST_NAMES = "import sounddevice as sd; print([d['name'] for d in sd.query_devices()])"
_OWNER = (
    "import sys, time\n"
    "from drivers.audio.simulator import RoomAudioSimulator\n"
    "sim = RoomAudioSimulator(base_dir=sys.argv[1]); sim.start()\n"
    "print(sim.pid, flush=True); time.sleep(60)\n"
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still "exists"; /proc tells whether it is really running.
    state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    return state != "Z"


def test_start_stop_by_pid_and_clean_up(tmp_path: Path) -> None:
    sim = RoomAudioSimulator(base_dir=tmp_path)
    sim.start()
    try:
        pid, directory = sim.pid, sim.dir
        assert pid is not None
        assert directory is not None
        assert _alive(pid)
        assert (directory / "native").is_socket()
        assert 'pcm."Room Mic"' in sim.alsa_config.read_text()
        # Another process reaches the room through env() alone (how the agent is started).
        out = subprocess.run(
            [sys.executable, "-c", _LIST_NAMES],
            env=dict(os.environ, **sim.env()),
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        assert "'Room Speaker'" in out
        assert "'Room Mic'" in out
    finally:
        sim.stop()
    assert not _alive(pid)
    assert not directory.exists()
    assert sim.pid is None
    sim.stop()  # idempotent


def test_a_killed_owner_leaves_no_server_behind(tmp_path: Path) -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", _OWNER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert owner.stdout is not None
        server_pid = int(owner.stdout.readline())
        assert _alive(server_pid)
    finally:
        owner.kill()  # SIGKILL: no Python cleanup runs in the owner
        owner.wait(5)
        if owner.stdout is not None:
            owner.stdout.close()
    deadline = time.monotonic() + 5.0
    while _alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(server_pid)


def test_missing_pulseaudio_names_the_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without pulseaudio on it
    sim = RoomAudioSimulator(base_dir=tmp_path)
    with pytest.raises(DeviceUnavailableError) as err:
        sim.start()
    assert "'pulseaudio' is not installed" in str(err.value)
    assert "pulseaudio pulseaudio-utils libasound2-plugins libportaudio2" in str(err.value)
    assert sim.pid is None
    assert list(tmp_path.iterdir()) == []


def test_faults_need_a_running_server() -> None:
    with pytest.raises(DeviceUnavailableError, match="not running"):
        RoomAudioSimulator().set_microphone_silent(True)


def test_runs_in_the_foreground_as_a_script_until_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "drivers.audio.simulator"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("export PULSE_SERVER=unix:")
        socket_path = Path(first.strip().split("unix:", 1)[1])
        assert socket_path.is_socket()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert not socket_path.parent.exists()  # its temp dir is gone with the server
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
