"""The monthly PDF report: fetched over HTTP from a real hub (and written by the CLI) over
the planted history of test_reports plus three weeks online, then read back with
poppler-utils: one A4 page, the Vietnamese title as text, and the chart's bars in the
page rendered to PNG."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from appliance.hub.report_pdf import ONLINE_COLOUR
from appliance.hub.store import Store
from tests.hub.test_reports import DAY, R3_NAME, START, A, B, _plant
from tests.support.hub import HubHandle, running_hub

TITLE_VI = "Báo cáo tháng 11/2026 — Phòng họp trực tuyến"
# r2 online 3 → 25 November besides its half hour of test_reports' day.
R2_EXTRA_S = 22 * DAY
NOVEMBER_S = 30 * DAY
DISTRICT_A_ONLINE = (21_200 + 1800 + R2_EXTRA_S) / (2 * NOVEMBER_S)  # 37.1 %
# Pixels of the time-online blue at 50 dpi: district A's bar is about 37 % of a 240 px
# axis by 8 px (~700 px); the legend's swatch alone is under 150.
MIN_BAR_PIXELS = 400
COLOUR_TOLERANCE = 12  # per channel: the bars' inside is the exact colour, edges blend


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[HubHandle]:
    async with running_hub(tmp_path / "hub") as handle:
        yield handle


async def _plant_month(hub: HubHandle) -> None:
    """test_reports' day of history, and r2 online from 3 to 25 November."""
    await _plant(hub)
    now = [START + 2 * DAY]
    planted = await Store.open(hub.settings.database_url, upgrade=False, clock=lambda: now[0])
    try:
        session = await planted.open_link_session("r2")
        now[0] += R2_EXTRA_S
        await planted.close_link_session(session)
    finally:
        await planted.close()


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(
            f"{tool} not found: the PDF tests need poppler-utils (apt install poppler-utils)"
        )
    return path


async def _run(*argv: str) -> subprocess.CompletedProcess[bytes]:
    done = await asyncio.to_thread(subprocess.run, argv, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done


async def _pages(pdf: Path) -> int:
    info = (await _run(_poppler("pdfinfo"), str(pdf))).stdout.decode()
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert "(A4)" in fields["Page size"]
    return int(fields["Pages"])


async def _text(pdf: Path) -> str:
    return (await _run(_poppler("pdftotext"), "-enc", "UTF-8", str(pdf), "-")).stdout.decode()


async def _bar_pixels(pdf: Path) -> int:
    """Pixels of ONLINE_COLOUR in the page rendered at 50 dpi."""
    prefix = pdf.with_suffix("")
    await _run(_poppler("pdftoppm"), "-png", "-r", "50", "-singlefile", str(pdf), str(prefix))
    image = cv2.imread(str(prefix.with_suffix(".png")))
    assert image is not None
    rgb = bytes.fromhex(ONLINE_COLOUR.removeprefix("#"))
    bgr = np.array(list(rgb[::-1]), dtype=np.int16)
    near = np.all(np.abs(image.astype(np.int16) - bgr) <= COLOUR_TOLERANCE, axis=2)
    return int(near.sum())


async def test_monthly_pdf_over_http(hub: HubHandle, tmp_path: Path) -> None:
    await _plant_month(hub)
    query = {"month": "2026-11", "group": "district"}
    async with await hub.client("viewer") as client:
        resp = await client.get("/api/v1/reports/monthly.pdf", params=query)
        october = await client.get("/api/v1/reports/monthly.pdf", params={"month": "2026-10"})
        english = await client.get(
            "/api/v1/reports/monthly.pdf", params={**query, "group": "room", "lang": "en"}
        )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    assert (
        resp.headers["content-disposition"]
        == 'attachment; filename="bao-cao-thang-2026-11-district.pdf"'
    )
    assert resp.content.startswith(b"%PDF")
    pdf = tmp_path / "november.pdf"
    pdf.write_bytes(resp.content)
    assert await _pages(pdf) == 1

    text = await _text(pdf)
    assert TITLE_VI in text
    assert "Số điểm cầu: 3" in text
    assert f"{DISTRICT_A_ONLINE * 100:.1f}%".replace(".", ",") in text  # the bar's label
    for name in (A, B, R3_NAME, "audio.mic1.level"):
        assert name in text

    # The chart: November's bars in the bar colour, against October (same rooms, no history:
    # bars of zero length, the legend alone).
    empty = tmp_path / "october.pdf"
    empty.write_bytes(october.content)
    november_px, october_px = await _bar_pixels(pdf), await _bar_pixels(empty)
    assert november_px - october_px > MIN_BAR_PIXELS, (november_px, october_px)

    assert english.status_code == 200
    english_pdf = tmp_path / "english.pdf"
    english_pdf.write_bytes(english.content)
    text = await _text(english_pdf)
    assert "Monthly report 11/2026 — Online meeting rooms" in text
    assert "Phòng 2" in text  # per room: the names in the chart and the table


async def test_monthly_pdf_scope_auth_and_bad_months(hub: HubHandle, tmp_path: Path) -> None:
    await _plant_month(hub)
    async with await hub.client("technician", districts=(B,)) as tech:
        resp = await tech.get("/api/v1/reports/monthly.pdf", params={"month": "2026-11"})
        assert resp.status_code == 200
        pdf = tmp_path / "b.pdf"
        pdf.write_bytes(resp.content)
        text = await _text(pdf)
        assert "Số điểm cầu: 1" in text
        assert R3_NAME in text
        assert A not in text
        assert "Phòng 1" not in text
        for bad in ("2026-13", "11/2026", "2026-11-01", "soon"):
            wrong = await tech.get("/api/v1/reports/monthly.pdf", params={"month": bad})
            assert wrong.status_code == 422, bad
            assert (
                wrong.json()["message"]
                == f"Tháng không hợp lệ: {bad} (dạng YYYY-MM, ví dụ 2026-11)"
            )
        missing = await tech.get("/api/v1/reports/monthly.pdf")
        assert missing.status_code == 422
        assert "month" in missing.json()["message"]
    async with httpx.AsyncClient(base_url=hub.base_url, timeout=10) as anonymous:
        resp = await anonymous.get("/api/v1/reports/monthly.pdf", params={"month": "2026-11"})
        assert resp.status_code == 401


async def test_cli_writes_the_monthly_pdf(hub: HubHandle, tmp_path: Path) -> None:
    await _plant_month(hub)
    out = tmp_path / "bao-cao-thang.pdf"
    base = [sys.executable, "-m", "appliance", "hub", "report"]
    base += ["--state-dir", str(hub.settings.state_dir)]

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*base, *args], capture_output=True, text=True, timeout=120)

    done = await asyncio.to_thread(
        cli, "--month", "2026-11", "--format", "pdf", "--group", "room", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "Đã ghi báo cáo (3 dòng)" in done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert await _pages(out) == 1
    assert TITLE_VI in await _text(out)
    assert await _bar_pixels(out) > MIN_BAR_PIXELS

    # --month also bounds the other formats.
    as_json = await asyncio.to_thread(cli, "--month", "2026-11", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["to"] - json.loads(as_json.stdout)["from"] == NOVEMBER_S

    bad_month = await asyncio.to_thread(cli, "--month", "2026-13", "--format", "pdf")
    assert bad_month.returncode == 2
    assert "Tháng không hợp lệ: 2026-13" in bad_month.stderr
    dates = ("--from", "2026-11-01", "--to", "2026-12-01")
    pdf_by_dates = await asyncio.to_thread(cli, *dates, "--format", "pdf")
    assert pdf_by_dates.returncode == 2
    assert "--month YYYY-MM" in pdf_by_dates.stderr
    both = await asyncio.to_thread(cli, *dates, "--month", "2026-11")
    assert both.returncode == 2
    assert "không dùng cùng lúc" in both.stderr


def test_the_hub_does_not_import_matplotlib_until_a_pdf_is_asked() -> None:
    probe = (
        "import sys\n"
        "import appliance.hub.app, appliance.hub.api.routes.reports, appliance.cli.hub\n"
        "print('matplotlib' in sys.modules)"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert run.stdout.strip() == "False"
