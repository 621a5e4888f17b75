"""``make demo`` (``appliance demo``): the end-to-end smoke run a technician can watch.

Runs the real command in a real process, short mode: a simulated 2-camera chain on a
pty, driven through the technician CLI; it must exit 0, speak Vietnamese by default and
leave no simulator behind.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_demo_runs_every_step_in_vietnamese() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "appliance", "demo", "--short"],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    path = re.search(r"trên cổng nối tiếp ảo (\S+)", out)
    assert path is not None, out
    steps = re.findall(r"^── Bước (\d+): ", out, flags=re.MULTILINE)
    assert steps == [str(n) for n in range(1, len(steps) + 1)]
    assert len(steps) >= 8
    for line in (
        "Chuỗi nối tiếp có 2 camera",
        "Camera 1 đang quay sang phải",
        "Đã dừng camera 1",
        "Camera 1 đã đến pan -30.0°, tilt +10.0°",
        "Đã lưu vị trí đặt sẵn 1",
        "Đã chuyển đến vị trí đặt sẵn 1",
        "Vị trí: pan -30.0°",
        "Camera 2 đã đến pan +45.0°, tilt -5.0°",
        "Hoàn tất trình diễn",
    ):
        assert line in out, line
    assert not Path(path.group(1)).exists()  # the simulator cleaned up its pty link
