"""The technician CLI against the camera simulator on a real pty, in both languages.

``appliance camera`` runs in-process through typer's CliRunner (the same parsing and
code as the shell command) while the simulator serves a 2-camera chain at 9600 baud
from a background thread. Error cases must give one line on stderr and exit code 1,
never a traceback. Two cases run real processes: permission denied (the CLI as user
``nobody``) and ``appliance sim visca`` in the foreground, stopped by SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import serial
from typer.testing import CliRunner

from appliance.cli.main import app
from drivers.visca.models import profile_for
from drivers.visca.sim import PtySimulator, SimulatorThread

SRG = profile_for("srg-300h")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def chain() -> Iterator[SimulatorThread[PtySimulator]]:
    runner = SimulatorThread(lambda: PtySimulator(cameras=2, baud=9600, power_transition_s=0.2))
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


def cli(
    chain: SimulatorThread[PtySimulator], *args: str, lang: str | None = None
) -> tuple[int, str, str]:
    argv = ["camera", "--port", chain.sim.path, *(["--lang", lang] if lang else [])]
    result = CliRunner().invoke(app, [*argv, *args])
    return result.exit_code, result.stdout, result.stderr


@contextmanager
def running(argv: list[str]) -> Iterator[subprocess.Popen[str]]:
    """``argv`` as a child process with text pipes; killed if the test leaves it running."""
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def one_line_error(code: int, err: str) -> str:
    assert code == 1
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    return err


def test_info_in_vietnamese(chain: SimulatorThread[PtySimulator]) -> None:
    code, out, err = cli(chain, "info")
    assert (code, err) == (0, "")
    assert "Camera địa chỉ 1 trên" in out
    assert "Chuỗi nối tiếp có 2 camera" in out
    assert "Mã hãng 0001, mã model 0513" in out
    assert "Camera đang bật" in out
    assert "Lấy nét: tự động" in out


def test_goto_in_degrees_and_position_in_english(chain: SimulatorThread[PtySimulator]) -> None:
    code, out, _ = cli(chain, "--address", "2", "goto", "-30", "12.5", "--degrees", lang="en")
    assert code == 0
    assert "Camera 2 reached pan -30.0°, tilt +12.5°" in out
    state = chain.sim.camera(2).state
    assert (state.pan, state.tilt) == (SRG.pan_from_degrees(-30), SRG.tilt_from_degrees(12.5))
    assert chain.sim.camera(1).state.pan == 0  # only the addressed camera moved
    code, out, _ = cli(chain, "--address", "2", "position", lang="en")
    assert code == 0
    assert f"Position: pan -30.0° ({state.pan} units), tilt +12.5° ({state.tilt} units)" in out


def test_move_for_a_duration_then_stop(chain: SimulatorThread[PtySimulator]) -> None:
    code, out, _ = cli(chain, "move", "up-right", "--duration", "0.3", "--speed", "10")
    assert code == 0
    assert "Camera 1 đang quay lên trên, sang phải, tốc độ 10" in out
    assert "Đã dừng sau" in out
    state = chain.sim.camera(1).state
    assert state.pan > 0
    assert state.tilt > 0
    assert not state.moving
    code, out, _ = cli(chain, "stop")
    assert (code, out.strip()) == (0, "Đã dừng camera 1")


def test_preset_store_and_recall(chain: SimulatorThread[PtySimulator]) -> None:
    assert cli(chain, "goto", "0x800", "0x200")[0] == 0
    code, out, _ = cli(chain, "preset", "store", "4")
    assert (code, out.strip()) == (0, "Đã lưu vị trí đặt sẵn 4")
    assert cli(chain, "goto", "0", "0")[0] == 0
    code, out, _ = cli(chain, "preset", "recall", "4", lang="en")
    assert code == 0
    assert out.startswith("Moved to preset 4 (")
    state = chain.sim.camera(1).state
    assert (state.pan, state.tilt, state.last_preset) == (0x800, 0x200, 4)


def test_power_and_zoom(chain: SimulatorThread[PtySimulator]) -> None:
    code, out, _ = cli(chain, "power", "off")
    assert (code, out.strip()) == (0, "Đã tắt camera 1 (chế độ chờ)")
    assert not chain.sim.camera(1).state.power
    code, out, _ = cli(chain, "power", "on", lang="en")
    assert (code, out.strip()) == (0, "Camera 1 switched on")
    code, out, _ = cli(chain, "zoom", "to", "4096")
    assert (code, out.strip()) == (0, "Zoom đã đến vị trí 4096 (25% dải zoom quang học)")
    assert chain.sim.camera(1).state.zoom == 4096


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("vi", "Lỗi: không tìm thấy cổng"), ("en", "Error: port /nonexistent/ttyUSB9 not found")],
)
def test_missing_port(lang: str, expected: str) -> None:
    result = CliRunner().invoke(
        app, ["camera", "--port", "/nonexistent/ttyUSB9", "--lang", lang, "info"]
    )
    assert expected in one_line_error(result.exit_code, result.stderr)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("vi", "đang bị chương trình khác giữ"), ("en", "is held by another program")],
)
def test_busy_port(chain: SimulatorThread[PtySimulator], lang: str, expected: str) -> None:
    holder = serial.Serial(chain.sim.path, 9600, exclusive=True)
    try:
        code, _, err = cli(chain, "info", lang=lang)
    finally:
        holder.close()
    assert expected in one_line_error(code, err)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("vi", "camera địa chỉ 1 trên"), ("en", "does not answer")],
)
def test_silent_camera(chain: SimulatorThread[PtySimulator], lang: str, expected: str) -> None:
    chain.call(lambda sim: sim.silent())
    code, _, err = cli(chain, "position", lang=lang)
    assert expected in one_line_error(code, err)
    assert ("không trả lời" in err) == (lang == "vi")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("vi", "camera từ chối lệnh"), ("en", "the camera refused")],
)
def test_refused_command(chain: SimulatorThread[PtySimulator], lang: str, expected: str) -> None:
    chain.call(lambda sim: sim.error_reply(0x41, count=-1))
    code, _, err = cli(chain, "power", "on", lang=lang)
    message = one_line_error(code, err)
    assert expected in message
    assert ("không thực hiện được lúc này" in message) == (lang == "vi")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--address", "5", "info"), "không có camera địa chỉ 5"),
        (("move", "sideways"), "giá trị không hợp lệ"),
        (("goto", "40000", "0"), "giá trị không hợp lệ"),  # outside the model's pan range
        (("preset", "recall", "16"), "giá trị không hợp lệ"),  # SRG-300H has 0–15
    ],
)
def test_bad_requests(
    chain: SimulatorThread[PtySimulator], args: tuple[str, ...], expected: str
) -> None:
    code, _, err = cli(chain, *args)
    assert expected in one_line_error(code, err)


def test_bad_url() -> None:
    result = CliRunner().invoke(app, ["camera", "--port", "ftp://camera", "--lang", "en", "info"])
    assert "Error: invalid port" in one_line_error(result.exit_code, result.stderr)


def test_permission_denied_as_an_unprivileged_user(chain: SimulatorThread[PtySimulator]) -> None:
    device = chain.call(lambda sim: sim.device)
    assert device is not None
    command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    command += [sys.executable, "-m", "appliance", "camera", "--port", device, "info"]
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "HOME": "/nonexistent"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, cwd="/")
    assert "không có quyền mở cổng" in one_line_error(done.returncode, done.stderr)


def test_sim_command_runs_in_the_foreground_and_stops_on_sigterm(tmp_path: Path) -> None:
    link = tmp_path / "cam"
    sim = subprocess.Popen(
        [sys.executable, "-m", "appliance", "sim", "visca", "--cameras", "2", "--link", str(link)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert sim.stdout is not None
        assert sim.stdout.readline().strip() == str(link)
        assert "Đang mô phỏng 2 camera srg-300h" in sim.stdout.readline()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "appliance",
                "camera",
                "--port",
                str(link),
                "--address",
                "2",
                "position",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
        assert done.returncode == 0, done.stderr
        assert "Vị trí: pan +0.0°" in done.stdout
        sim.send_signal(signal.SIGTERM)
        out, err = sim.communicate(timeout=10)
    finally:
        if sim.poll() is None:
            sim.kill()
            sim.wait(5)
    assert sim.returncode == 0, err
    assert "Đã dừng mô phỏng camera" in out
    assert not os.path.lexists(link)  # the pty link goes with the simulator


@pytest.mark.parametrize("duration", ["-1", "nan"])
def test_negative_move_duration_is_refused(
    chain: SimulatorThread[PtySimulator], duration: str
) -> None:
    code, out, err = cli(chain, "move", "right", "--duration", duration)
    assert "thời gian quay phải ≥ 0 giây" in one_line_error(code, err)
    assert "đang quay" not in out
    assert not chain.sim.camera(1).state.moving
    assert chain.sim.camera(1).state.pan == 0


@pytest.mark.parametrize(
    ("lang", "expected"), [("vi", "Ctrl-C: đã dừng camera 1"), ("en", "Ctrl-C: camera 1 stopped")]
)
def test_ctrl_c_during_a_move_stops_the_camera_and_says_so(
    chain: SimulatorThread[PtySimulator], lang: str, expected: str
) -> None:
    command = [sys.executable, "-m", "appliance", "camera", "--port", chain.sim.path]
    command += ["--lang", lang, "move", "right", "--speed", "2", "--duration", "60"]
    with running(command) as proc:
        assert proc.stdout is not None
        started = proc.stdout.readline()  # printed once the camera acknowledged the drive
        assert "speed 2" in started or "tốc độ 2" in started, started
        assert chain.sim.camera(1).state.moving
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert expected in err
    state = chain.sim.camera(1).state
    assert not state.moving
    assert state.pan > 0


def _position_through_cli(link: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "appliance", "camera", "--port", str(link), "position"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=REPO, check=False)


def test_sim_unplug_and_replug_switches(tmp_path: Path) -> None:
    """The README's promise: the simulated cable can be pulled and plugged back, by a
    signal (for a running agent) or a timer."""
    link = tmp_path / "cam"
    argv = [sys.executable, "-m", "appliance", "sim", "visca", "--link", str(link), "--lang", "en"]
    with running(argv) as sim:
        assert sim.stdout is not None
        assert sim.stdout.readline().strip() == str(link)
        assert "Simulating 1" in sim.stdout.readline()
        sim.send_signal(signal.SIGUSR1)
        assert sim.stdout.readline().startswith("Cable pulled (simulated)")
        pulled = _position_through_cli(link)
        assert pulled.returncode == 1, pulled.stdout
        sim.send_signal(signal.SIGUSR2)
        assert sim.stdout.readline().startswith("Cable plugged back (simulated)")
        back = _position_through_cli(link)
        assert back.returncode == 0, back.stderr
        sim.send_signal(signal.SIGTERM)
        sim.communicate(timeout=10)
    assert sim.returncode == 0
    with running([*argv, "--unplug-after", "0", "--replug-after", "0.1"]) as sim:
        assert sim.stdout is not None
        lines = [sim.stdout.readline() for _ in range(4)]
        assert lines[2].startswith("Cable pulled"), lines
        assert lines[3].startswith("Cable plugged back"), lines
        sim.send_signal(signal.SIGTERM)
        sim.communicate(timeout=10)
    refused = CliRunner().invoke(app, ["sim", "visca", "--port", "tcp:0", "--unplug-after", "1"])
    assert refused.exit_code == 1
    assert "--unplug-after/--replug-after chỉ dùng với --port pty" in refused.stderr


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("vi", "camera 1 đang ở chế độ chờ (tắt): hãy bật camera trước"),
     ("en", "camera 1 is in standby (off): switch it on first")],
)  # fmt: skip
def test_a_camera_in_standby_is_named_as_such(
    chain: SimulatorThread[PtySimulator], lang: str, expected: str
) -> None:
    assert cli(chain, "power", "off")[0] == 0
    deadline = time.monotonic() + 5
    while chain.sim.camera(1).state.power:  # the power transition ends
        assert time.monotonic() < deadline
        time.sleep(0.02)
    code, _, err = cli(chain, "move", "right", lang=lang)
    message = one_line_error(code, err)
    assert expected in message
    assert f"appliance camera --port {chain.sim.path} --address 1 power on" in message
    assert not chain.sim.camera(1).state.moving


def test_a_wrong_model_profile_is_warned_about(chain: SimulatorThread[PtySimulator]) -> None:
    assert cli(chain, "goto", "5000", "0")[0] == 0  # fine for the SRG-300H it is
    code, out, err = cli(chain, "--model", "evi-d70", "position", lang="en")
    assert code == 0, err
    assert "Position: pan" in out
    assert "--model evi-d70 was given but the camera says it is srg-300h" in err
    assert "pan 5000, tilt 0 is outside the range of model evi-d70 (pan -2267…2267" in err
    code, _, err = cli(chain, "position")  # --model auto: the right profile, no warning
    assert (code, err) == (0, "")


def test_info_and_position_show_what_the_camera_did_answer(
    chain: SimulatorThread[PtySimulator],
) -> None:
    # One inquiry refused (a model without it): the others are still shown (item 10).
    chain.call(lambda sim: sim.refuse_inquiry(bytes.fromhex("0447")))  # CAM_ZoomPosInq
    code, out, err = cli(chain, "info", lang="en")
    assert (code, err) == (0, ""), err
    assert "Zoom: the camera did not answer this inquiry — the camera refused" in out
    assert "Position: pan" in out
    assert "Focus: " in out
    assert "Vendor " in out
    code, out, err = cli(chain, "position")
    assert (code, err) == (0, ""), err
    assert "Vị trí: pan" in out
    assert "Zoom: camera không trả lời câu hỏi này" in out
    chain.call(lambda sim: sim.refuse_inquiry(bytes.fromhex("0612")))  # Pan-tiltPosInq too
    code, _, err = cli(chain, "position", lang="en")
    assert "the camera refused" in one_line_error(code, err)  # nothing answered: an error
