"""The end of ``appliance check`` on a technician's terminal (80×24 and 100×40).

The table gives one line per item; every failure and warning follows with its fix, and
the summary line ends the output, so the last screen says what to do. Rendered with rich
at a fixed width exactly as the command prints it.
"""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from appliance.agent.checks.report import run_view

LONG = "phong-hop-lon-tang-3-toa-nha-uy-ban-nhan-dan-tinh-hoa-binh-goc-rr"  # 64 characters
PASSING = 150


def _result(ident: str, status: str, message: str, hint: str = "") -> dict[str, object]:
    remediation = {"vi": hint, "en": hint} if hint else None
    values = {"score": 0.93, "threshold": 0.8}
    return {"id": ident, "status": status, "message": {"vi": message, "en": message},
            "remediation": remediation, "values": values}  # fmt: skip


def _run() -> dict[str, object]:
    results = [
        _result(f"video.cam{i % 4}.focus.{i}", "pass", "Hình camera nét, độ sáng vừa phải " * 3)
        for i in range(PASSING)
    ]
    results[40:40] = [
        _result(
            f"camera.cam1.preset.{LONG}",
            "fail",
            f"Camera cam1 không về đúng vị trí {LONG}: ảnh khác ảnh mẫu",
            f"Lưu lại ảnh mẫu: appliance check reference cam1 {LONG}",
        ),
        _result(
            "camera.cam2.link",
            "fail",
            "Camera cam2 không trả lời lệnh VISCA",
            "Kiểm tra cáp RS-232 (/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0) "
            "và nguồn camera cam2, rồi chạy lại kiểm tra",
        ),
        _result("audio.mic1.noise", "warn", "Nhiễu nền cao", "Tắt quạt gần micro mic1"),
    ]
    results.append(_result("video.cam2.frozen", "fail", "Hình đứng", "Tắt bật lại camera cam2"))
    return {"run_id": "20261203T080000Z-abcdef", "status": "done", "overall": "fail",
            "health": "error", "results": results}  # fmt: skip


def _render(width: int, height: int) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=width, height=height, color_system=None)
    console.print(run_view(_run(), "vi", width=width, height=height))
    return out.getvalue().splitlines()


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(("width", "height"), [(80, 24), (100, 40)])
def test_the_last_screen_names_every_failure_and_its_fix(width: int, height: int) -> None:
    lines = _render(width, height)
    assert max(len(line) for line in lines) <= width
    last_screen = _squeeze("".join(lines[-(height - 1) :]))  # the prompt takes a line
    failing = [r for r in _run()["results"] if r["status"] in ("fail", "warn")]  # type: ignore[attr-defined]
    assert len(failing) == 4
    for result in failing:
        assert _squeeze(result["id"]) in last_screen, result["id"]
        assert _squeeze(result["remediation"]["vi"]) in last_screen, result["id"]
    assert lines[-1].startswith("Kết quả chung: LỖI") or "Kết quả chung: LỖI" in lines[-2]
    # One line per item (plus the folded long id): 154 items, not the 300 lines of before.
    table_end = next(i for i, line in enumerate(lines) if line.startswith("└"))
    assert table_end <= PASSING + 4 + 6


@pytest.mark.parametrize("width", [80, 100])
def test_a_64_character_preset_name_keeps_the_status_and_message_columns(width: int) -> None:
    lines = _render(width, 24)
    row = next(i for i, line in enumerate(lines) if "camera.cam1.preset." in line)
    assert "LỖI" in lines[row]
    assert "Camera cam1 không về" in lines[row]  # the message column still has room
    folded = "".join(line.split("│")[1].strip() for line in lines[row : row + 4])
    assert f"camera.cam1.preset.{LONG}" in folded  # the id folds inside its column
