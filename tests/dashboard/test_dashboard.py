"""The operators' dashboard in a real Chromium (Playwright, Debian's chromium) against a
real hub and real agents on simulated hardware (the demo province with 4 rooms: the
last three carry planted faults). Issue 12's acceptance, one test per promise.

Screenshots of the fleet grid, the room page and the fleet check page at 1366×768 go to
``$DASHBOARD_ARTIFACTS`` (default: the test's temp dir), never into git.
"""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from appliance.agent.checks.items.camera import REFERENCES_DIR
from appliance.cli.demo_province import ROOMS, Province
from drivers.video.reference_files import ReferenceFiles
from tests.support.browser import (
    Browser,
    Page,
    artifacts_folder,
    axe_violations,
    dashboard_context,
    docs_shot,
    expect,
    launch_chromium,
    login,
    outside_requests,
)
from tests.support.polling import until
from tests.support.room_agent import agent_api as _agent
from tests.support.room_agent import agent_call, agent_state_dir
from tests.support.room_agent import camera_position as _position

pytestmark = pytest.mark.timeout(600)  # the module starts a hub and 4 agents (~1 min loaded)

N_ROOMS = 4
VIEWER = ("xem", "mat-khau-nguoi-xem-1")
# Vietnamese letters that English UI text never contains (room names are taken out first).
VIETNAMESE = re.compile(
    r"[ăâđêôơưĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]"
)


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Province]:
    directory = tmp_path_factory.mktemp("province")
    prov = Province(directory=directory, rooms=list(ROOMS[:N_ROOMS]), lang="en", say=lambda _: None)
    try:
        prov.start()
        with httpx.Client(base_url=prov.hub_url, timeout=30) as client:
            login = client.post(
                "/api/v1/auth/login", json={"username": "admin", "password": prov.admin_password}
            )
            assert login.status_code == 200, login.text
            client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
            made = client.post(
                "/api/v1/users",
                json={"username": VIEWER[0], "password": VIEWER[1], "role": "viewer"},
            )
            assert made.status_code == 201, made.text
        yield prov
    finally:
        prov.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as b:
        yield b


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    return artifacts_folder(tmp_path)


def _snapshot_shown(page: Page) -> None:
    expect(page.locator("#snapshot")).to_have_attribute("data-loaded", re.compile(r"\d+"))


def _tiles_shown(page: Page) -> None:
    """Every tile with its last check, presets and (but the killed room's) its picture."""
    expect(page.locator(".tile")).to_have_count(N_ROOMS)
    expect(page.locator(".tile .last-check", has_text="never checked")).to_have_count(0)
    expect(page.locator(".tile .thumb[data-loaded]")).to_have_count(N_ROOMS - 1)
    expect(page.locator(".tile .preset")).to_have_count(3 * N_ROOMS)


def _cell_opened(page: Page, room: str) -> None:
    """The results of the fleet check shown, the failing room's camera 2 cell opened."""
    cell = page.locator(
        f"#matrix tbody tr[data-room={room}] .cell-button[data-item='camera.cam2.link']"
    )
    expect(cell).to_have_attribute("data-status", "fail", timeout=60_000)
    cell.click()
    expect(page.locator("#cell-detail .hint")).to_contain_text("RS-232")


def test_login_see_every_room_accessible_and_self_contained(
    browser: Browser, province: Province, artifacts: Path
) -> None:
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    outside = outside_requests(page, province.hub_url)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    docs_shot(page, "login", english="/login")
    login(page, "admin", province.admin_password)
    expect(page.locator(".tile")).to_have_count(N_ROOMS)
    for room_id, name, _ in ROOMS[:N_ROOMS]:
        expect(page.locator(f"#room-{room_id} h3")).to_have_text(name)
        expect(page.locator(f"#room-{room_id} .status")).not_to_have_text("Mất kết nối")
    expect(page.locator("#role")).to_have_text("quản trị")
    expect(page.locator(".tile .preset").first).to_be_visible()
    page.screenshot(path=str(artifacts / "fleet-grid.png"))
    assert axe_violations(page) == []
    assert outside == [], outside
    context.close()


def test_pages_send_a_strict_content_security_policy(province: Province) -> None:
    answer = httpx.get(f"{province.hub_url}/login", timeout=10)
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy


def test_preset_click_moves_the_camera_and_the_picture(
    browser: Browser, province: Province
) -> None:
    room = ROOMS[0][0]  # healthy room: both cameras on the chain
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, "admin", province.admin_password)
    thumb = page.locator(f"#room-{room} .thumb")
    expect(thumb).to_have_attribute("data-loaded", re.compile(r"\d+"))
    before_pic = thumb.get_attribute("data-loaded")
    # Away from the preset first, through the agent, so the recall must move the head.
    url, token = _agent(province, room)
    moved = httpx.put(
        f"{url}/cameras/cam1/position",
        json={"pan_deg": -40.0, "tilt_deg": 10.0},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert moved.status_code == 200, moved.text
    assert _position(province, room) == (-40.0, 10.0)
    page.click(f"#room-{room} .preset[data-camera=cam1][data-preset=toan-canh]")
    expect(page.locator("#toast")).to_contain_text("toan-canh")
    # toan-canh is preset 2 of the simulated room: pan 20°, tilt 0° (appliance/agent/simulate.py)
    until(lambda: _position(province, room) != (-40.0, 10.0), timeout_s=20, what="camera moved")
    expect(thumb).not_to_have_attribute("data-loaded", before_pic or "")
    context.close()


def test_store_a_preset_with_its_reference_picture(browser: Browser, province: Province) -> None:
    """The room page's "store preset" keeps the preset in the camera and, with the box on
    (the default), the view as its reference picture in the room (issue 12)."""
    room = ROOMS[0][0]
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, "admin", province.admin_password)
    page.goto(f"/rooms/{room}")
    expect(page.locator("#presets .preset").first).to_be_visible()
    moved = agent_call(
        province, room, "PUT", "/cameras/cam1/position", {"pan_deg": 15.0, "tilt_deg": 5.0}
    )
    assert moved.status_code == 200, moved.text
    page.fill("#preset-number", "12")
    page.fill("#preset-name", "dai-bieu-12")
    expect(page.locator("#preset-reference")).to_be_checked()
    page.click("#preset-store button[type=submit]")
    expect(page.locator("#toast")).to_contain_text("dai-bieu-12", timeout=60_000)
    expect(page.locator("#toast")).to_contain_text("ảnh mẫu")
    expect(page.locator("#presets .preset[data-preset=dai-bieu-12]")).to_be_visible()
    # Ground truth in the room: the camera holds preset 12, the reference picture is on disk
    # with the position it was taken at.
    presets = agent_call(province, room, "GET", "/cameras/cam1/presets").json()
    assert {"number": 12, "name": "dai-bieu-12"} in presets, presets
    image, meta_path = ReferenceFiles(Path(agent_state_dir(province, room)) / REFERENCES_DIR).paths(
        "cam1", 12
    )
    meta = json.loads(meta_path.read_text("utf-8"))
    assert abs(meta["position"]["pan_deg"] - 15.0) < 1.0, meta
    assert image.stat().st_size > 0
    context.close()


def test_ptz_press_and_hold_moves_and_release_stops(
    browser: Browser, province: Province, artifacts: Path
) -> None:
    room = ROOMS[0][0]
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, "admin", province.admin_password)
    page.goto(f"/rooms/{room}")
    expect(page.locator("#presets .preset").first).to_be_visible()
    start = _position(province, room)
    button = page.locator("#ptz [data-pan=right][data-tilt=stop]")
    button.hover()
    page.mouse.down()
    until(lambda: _position(province, room)[0] > start[0] + 1, timeout_s=20, what="pan moves")
    page.mouse.up()

    def settled() -> bool:
        first = _position(province, room)
        return _position(province, room) == first

    until(settled, timeout_s=20, what="the head stops")
    stopped = _position(province, room)
    assert stopped[0] > start[0]
    expect(page.locator("#snapshot")).to_have_attribute("data-loaded", re.compile(r"\d+"))
    page.screenshot(path=str(artifacts / "room-page.png"))
    docs_shot(page, "room-page", english=f"/rooms/{room}", ready=_snapshot_shown, full_page=True)
    # Still there after the page's own stop went out: nothing keeps it moving.
    assert _position(province, room) == stopped
    assert axe_violations(page) == []
    context.close()


def test_fleet_check_reaches_100_percent_and_shows_the_failing_room(
    browser: Browser, province: Province, artifacts: Path
) -> None:
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, "admin", province.admin_password)
    page.goto("/checks")
    # Its script listens to the form once it has the rooms (a slow /rooms under load
    # left an early click to the browser's own submit: a reload, no check).
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    page.click("#start-check")
    # The rows come with the hub's answer to the start (seconds on a loaded CI core).
    expect(page.locator("#room-progress li")).to_have_count(N_ROOMS, timeout=60_000)
    expect(page.locator("#overall-text")).to_have_text("100 %", timeout=180_000)
    expect(page.locator("#matrix tbody tr")).to_have_count(N_ROOMS, timeout=60_000)
    # The last room of the demo has its camera 2 off the chain (demo_province.FAULTS).
    faulty = ROOMS[N_ROOMS - 1][0]
    row = page.locator(f"#matrix tbody tr[data-room={faulty}]")
    expect(row).to_have_class(re.compile("overall-fail"))
    cell = row.locator(".cell-button[data-item='camera.cam2.link']")
    expect(cell).to_have_attribute("data-status", "fail")
    cell.click()
    expect(page.locator("#cell-detail .hint")).to_contain_text("RS-232")
    # The planted fault is that room's alone: the first room's camera 2 is on its chain.
    healthy = page.locator(f"#matrix tbody tr[data-room={ROOMS[0][0]}]")
    expect(healthy.locator(".cell-button[data-item='camera.cam2.link']")).to_have_attribute(
        "data-status", "pass"
    )
    page.screenshot(path=str(artifacts / "fleet-check.png"), full_page=True)
    docs_shot(
        page,
        "fleet-check",
        english=f"/checks?id={page.evaluate('current.id')}",
        ready=lambda other: _cell_opened(other, faulty),
        full_page=True,
    )
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.click("#export-csv")
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: spreadsheets read Vietnamese right
    assert "camera.cam2.link" in data.decode("utf-8")
    context.close()


def test_viewer_sees_no_controls_and_cannot_command(browser: Browser, province: Province) -> None:
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, *VIEWER)
    expect(page.locator(".tile")).to_have_count(N_ROOMS)
    expect(page.locator(".tile .preset")).to_have_count(0)
    page.goto(f"/rooms/{ROOMS[0][0]}")
    expect(page.locator("#room-name")).to_have_text(ROOMS[0][1])
    assert page.locator("#ptz").count() == 0
    assert page.locator("#run-check").count() == 0
    status = page.evaluate(
        """async (room) => {
            const csrf = decodeURIComponent((document.cookie.match(/hub_csrf=([^;]*)/) || [])[1] || "");
            const r = await fetch(`/api/v1/rooms/${room}/cameras/cam1/presets/toan-canh/recall`,
                {method: "POST", headers: {"X-CSRF-Token": csrf}, credentials: "same-origin"});
            return r.status;
        }""",
        ROOMS[0][0],
    )
    assert status == 403
    context.close()


def test_language_switch_leaves_no_untranslated_text(browser: Browser, province: Province) -> None:
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, "admin", province.admin_password)
    page.click("#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".tile")).to_have_count(N_ROOMS)
    expect(page.locator(".tile .last-check").first).not_to_have_text("")
    names = [n for _, n, d in ROOMS[:N_ROOMS]] + [d for _, _, d in ROOMS[:N_ROOMS]]
    for path in ("/", f"/rooms/{ROOMS[0][0]}", "/checks"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        text = page.evaluate("document.body.innerText")
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, "")
        assert "web." not in text, text
        assert not VIETNAMESE.search(text.replace("Tiếng Việt", "")), (path, text)
    context.close()


def test_killed_agent_turns_its_tile_offline_without_reload(
    browser: Browser, province: Province
) -> None:
    room = ROOMS[1][0]
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, "admin", province.admin_password)
    tile = page.locator(f"#room-{room}")
    expect(tile).not_to_have_class(re.compile("status-offline"))
    page.evaluate("window.__marker = 'same page'")
    province.processes[room].send_signal(signal.SIGTERM)  # closed link: Offline at once
    expect(tile).to_have_class(re.compile("status-offline"), timeout=45_000)
    expect(tile.locator(".status")).to_have_text("Mất kết nối")
    assert page.evaluate("window.__marker") == "same page"  # no reload happened
    # The guide's picture of the grid: after the fleet check, one room offline.
    docs_shot(page, "fleet-grid", english="/", ready=_tiles_shown)
    context.close()


def test_pages_need_alogin(province: Province) -> None:
    for path in ("/", "/checks", f"/rooms/{ROOMS[0][0]}"):
        answer = httpx.get(f"{province.hub_url}{path}", timeout=10, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login")
    assert json.loads(httpx.get(f"{province.hub_url}/api/v1/rooms", timeout=10).text)["error"]
