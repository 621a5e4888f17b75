"""The dashboard's Scenes page in a real Chromium (Playwright, Debian's chromium) against a
real hub and real agents on simulated hardware (the demo province's first 3 rooms, no
planted faults), as in test_dashboard.py: an operator makes a scene over two rooms,
changes it and recalls it, each room's outcome on the page and the simulated cameras
really at their presets (read back through the agents' own API); an offline room shows
its error; a viewer sees the list only and the hub refuses them; English has no
Vietnamese left.

The screenshot at 1366×768 goes to ``$DASHBOARD_ARTIFACTS`` (default: the test's temp
dir), never into git.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from appliance.agent.simulate import SIM_PRESETS
from appliance.cli.demo_province import ROOMS, Province
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
from tests.support.room_agent import agent_call, camera_position

pytestmark = pytest.mark.timeout(600)  # the module starts a hub and 3 agents (~1 min loaded)

N_ROOMS = 3
ROOM_A, ROOM_B, ROOM_C = ROOMS[0], ROOMS[1], ROOMS[2]
VIEWER = ("xem", "mat-khau-nguoi-xem-1")
OPERATOR = ("dieu-hanh", "mat-khau-dieu-hanh-1")
SCENE = "Phát biểu của chủ tọa"
# Where each room's cam1 presets point (stored through the agent before the tests):
# different in every room and preset, so a camera at the wrong preset shows.
POSES: dict[str, dict[str, tuple[float, float]]] = {
    ROOM_A[0]: {"chu-toa": (-30.0, 5.0), "toan-canh": (25.0, -4.0)},
    ROOM_B[0]: {"chu-toa": (-12.0, 8.0), "toan-canh": (40.0, 0.0)},
    ROOM_C[0]: {"chu-toa": (-20.0, 3.0), "toan-canh": (15.0, -2.0)},
}
AWAY = (5.0, -2.0)  # none of the presets: a recall must move the head
VIETNAMESE = re.compile(
    r"[ăâđêôơưĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]"
)


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Province]:
    directory = tmp_path_factory.mktemp("province")
    prov = Province(
        directory=directory,
        rooms=list(ROOMS[:N_ROOMS]),
        lang="en",
        faults=False,
        say=lambda _: None,
    )
    try:
        prov.start()
        with _admin_client(prov) as client:
            for (user, password), role in ((VIEWER, "viewer"), (OPERATOR, "operator")):
                made = client.post(
                    "/api/v1/users", json={"username": user, "password": password, "role": role}
                )
                assert made.status_code == 201, made.text
        for room_id, poses in POSES.items():
            for name, (pan, tilt) in poses.items():
                _point(prov, room_id, (pan, tilt))
                stored = agent_call(
                    prov,
                    room_id,
                    "POST",
                    "/cameras/cam1/presets",
                    {"number": SIM_PRESETS["cam1"][name], "name": name},
                )
                assert stored.status_code == 201, stored.text
        yield prov
    finally:
        prov.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as b:
        yield b


@pytest.fixture(scope="module")
def admin(province: Province) -> Iterator[httpx.Client]:
    with _admin_client(province) as client:
        yield client


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    return artifacts_folder(tmp_path)


@contextmanager
def _admin_client(province: Province) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=province.hub_url, timeout=60) as client:
        login = client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": province.admin_password}
        )
        assert login.status_code == 200, login.text
        client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        yield client


def _point(province: Province, room_id: str, where: tuple[float, float]) -> None:
    moved = agent_call(
        province,
        room_id,
        "PUT",
        "/cameras/cam1/position",
        {"pan_deg": where[0], "tilt_deg": where[1]},
    )
    assert moved.status_code == 200, moved.text
    assert camera_position(province, room_id) == where


def _open(page: Page, path: str = "/scenes") -> None:
    """Go to a page and wait until its script has loaded what it shows."""
    page.goto(path)
    expect(page.locator("body")).to_have_attribute("data-ready", "1")


def _listed(page: Page) -> None:
    """The page ready with its scenes listed (the guide's English picture)."""
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("#scenes tbody tr").first).to_be_visible()


def _scenes(admin: httpx.Client) -> dict[str, dict[str, Any]]:
    answer = admin.get("/api/v1/scenes")
    assert answer.status_code == 200, answer.text
    return {s["name"]: s for s in answer.json()}


@contextmanager
def _scene(admin: httpx.Client, name: str, items: list[tuple[str, str]]) -> Iterator[int]:
    """A scene made through the API (cam1 of each room), deleted afterwards."""
    body = {
        "name": name,
        "items": [{"room_id": r, "camera": "cam1", "preset": p} for r, p in items],
    }
    made = admin.post("/api/v1/scenes", json=body)
    assert made.status_code == 201, made.text
    try:
        yield int(made.json()["id"])
    finally:
        admin.delete(f"/api/v1/scenes/{made.json()['id']}")


def _add_item(page: Page, room_id: str, preset: str, camera: str = "cam1") -> None:
    """Add a line to the form and pick room, camera and preset from the hub's lists."""
    page.click("#s-add")
    row = page.locator("#s-items tbody tr").last
    expect(row.locator("select.room")).to_be_focused()
    row.locator("select.room").select_option(room_id)
    # The room's cameras and presets as the hub knows them (from its agent), not typed.
    expect(row.locator("select.camera option")).to_have_text(["— Chọn —", "cam1", "cam2"])
    row.locator("select.camera").select_option(camera)
    expect(row.locator("select.preset option")).to_have_text(
        ["— Chọn —", *sorted(SIM_PRESETS[camera])]
    )
    row.locator("select.preset").select_option(preset)


def _outcome(page: Page, room_id: str) -> Any:
    return page.locator(f"#recall-outcomes tr[data-room='{room_id}'][data-camera=cam1]")


# -- operator: create, change, recall, delete --------------------------------------------------


def test_an_operator_makes_changes_and_recalls_a_scene_and_the_cameras_go_there(
    browser: Browser, province: Province, admin: httpx.Client, artifacts: Path
) -> None:
    room_a, room_b = ROOM_A[0], ROOM_B[0]
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    outside = outside_requests(page, province.hub_url)
    login(page, *OPERATOR)
    page.click("header nav a[href='/scenes']")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("#no-scenes")).to_be_visible()
    error = page.locator("#s-error")
    # The page's own checks, in Vietnamese, with the field to fix focused.
    page.click("#s-save")
    expect(error).to_have_text("Hãy nhập tên cảnh.")
    expect(page.locator("#s-name")).to_be_focused()
    page.fill("#s-name", SCENE)
    page.click("#s-save")
    expect(error).to_have_text("Hãy thêm ít nhất một điểm cầu.")
    _add_item(page, room_a, "chu-toa")
    _add_item(page, room_b, "toan-canh")
    _add_item(page, room_a, "toan-canh")  # cam1 of room A a second time
    page.click("#s-save")
    expect(error).to_have_text(
        f"Dòng 3: camera cam1 của {ROOM_A[1]} đã có ở dòng 1; mỗi camera chỉ về một vị trí."
    )
    page.locator("#s-items tbody tr").last.locator("button.remove").click()
    expect(page.locator("#s-items tbody tr")).to_have_count(2)
    page.click("#s-save")
    expect(page.locator("#toast")).to_have_text(f"Đã lưu cảnh «{SCENE}»")
    row = page.locator("#scenes tbody tr", has_text=SCENE)
    expect(row.locator("li")).to_have_text(
        [f"{ROOM_A[1]}: cam1 → chu-toa", f"{ROOM_B[1]}: cam1 → toan-canh"]
    )
    stored = _scenes(admin)[SCENE]
    assert [(i["room_id"], i["camera"], i["preset"]) for i in stored["items"]] == [
        (room_a, "cam1", "chu-toa"),
        (room_b, "cam1", "toan-canh"),
    ]
    assert stored["created_by"] == OPERATOR[0]
    # The hub refuses a second scene of the same name: its own message, in Vietnamese.
    page.fill("#s-name", SCENE)
    _add_item(page, room_b, "chu-toa")
    page.click("#s-save")
    expect(error).to_have_text(f"Đã có cảnh tên {SCENE}")
    assert list(_scenes(admin)) == [SCENE]
    # Change it: the form fills from the scene; room B's preset becomes chu-toa (PUT).
    row.locator("button.edit").click()
    expect(page.locator("#editor-h")).to_have_text(f"Sửa cảnh «{SCENE}»")
    expect(page.locator("#s-name")).to_have_value(SCENE)
    lines = page.locator("#s-items tbody tr")
    expect(lines).to_have_count(2)
    expect(lines.nth(1).locator("select.room")).to_have_value(room_b)
    expect(lines.nth(1).locator("select.preset")).to_have_value("toan-canh")
    lines.nth(1).locator("select.preset").select_option("chu-toa")
    page.click("#s-save")
    expect(row.locator("li").nth(1)).to_have_text(f"{ROOM_B[1]}: cam1 → chu-toa")
    changed = _scenes(admin)[SCENE]
    assert changed["id"] == stored["id"]
    assert [(i["room_id"], i["preset"]) for i in changed["items"]] == [
        (room_a, "chu-toa"),
        (room_b, "chu-toa"),
    ]

    # Recall, by keyboard. Room B's agent is paused (SIGSTOP) until room A has answered: A's
    # outcome is on the page while B's is still awaited and the buttons are disabled.
    for room_id in (room_a, room_b):
        _point(province, room_id, AWAY)
    expect(page.locator("body")).to_have_attribute("data-live", "1")  # the event stream
    agent_b = province.processes[room_b]
    agent_b.send_signal(signal.SIGSTOP)
    try:
        row.locator("button.recall").focus()
        page.keyboard.press("Enter")
        expect(_outcome(page, room_a)).to_have_attribute("data-outcome", "ok", timeout=60_000)
        expect(_outcome(page, room_a).locator(".result")).to_have_text("Đã về vị trí")
        expect(_outcome(page, room_b)).to_have_attribute("data-outcome", "pending")
        expect(_outcome(page, room_b).locator(".result")).to_have_text("Đang chờ…")
        expect(page.locator("#recall-summary")).to_have_text(
            "Đang gọi cảnh: 1/2 camera đã trả lời."
        )
        for button in ("button.recall", "button.edit", "button.delete"):
            expect(row.locator(button)).to_be_disabled()
        expect(page.locator("#s-save")).to_be_disabled()
        assert camera_position(province, room_a) == POSES[room_a]["chu-toa"]
    finally:
        agent_b.send_signal(signal.SIGCONT)
    expect(_outcome(page, room_b)).to_have_attribute("data-outcome", "ok", timeout=60_000)
    expect(page.locator("#recall-summary")).to_have_text(
        "Xong: 2/2 camera đã về vị trí, 0 không thực hiện được."
    )
    expect(row.locator("button.recall")).to_be_enabled()
    expect(page.locator("#s-save")).to_be_enabled()
    assert camera_position(province, room_a) == POSES[room_a]["chu-toa"]
    assert camera_position(province, room_b) == POSES[room_b]["chu-toa"]
    # The hub audited it: the scene's changes and each room's recall, by the operator.
    audit = admin.get("/api/v1/audit", params={"user": OPERATOR[0]}).json()
    actions = [(a["action"], a.get("room_id"), a["outcome"]) for a in audit]
    assert ("scene.create", None, "ok") in actions
    assert ("scene.update", None, "ok") in actions
    for room_id in (room_a, room_b):
        assert ("camera.preset.recall", room_id, "ok") in actions
    page.screenshot(path=str(artifacts / "scenes.png"))  # 1366×768
    docs_shot(page, "scenes", english="/scenes", ready=_listed, full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []
    # A tablet held upright: nothing runs off the side.
    page.set_viewport_size({"width": 768, "height": 1024})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts / "scenes-tablet.png"), full_page=True)
    # Delete, after the browser asks (no: kept; yes: gone).
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.locator("button.delete").click()
    expect(row).to_have_count(1)
    assert SCENE in _scenes(admin)
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button.delete").click()
    expect(row).to_have_count(0)
    expect(page.locator("#no-scenes")).to_be_visible()
    assert _scenes(admin) == {}
    assert outside == [], outside
    context.close()


# -- viewer ------------------------------------------------------------------------------------


def test_a_viewer_sees_the_scenes_without_controls_and_the_hub_refuses_them(
    browser: Browser, province: Province, admin: httpx.Client
) -> None:
    with _scene(admin, "Toàn cảnh", [(ROOM_A[0], "toan-canh")]) as scene_id:
        context = dashboard_context(browser, province.hub_url)
        page = context.new_page()
        login(page, *VIEWER)
        expect(page.locator("header nav a[href='/scenes']")).to_have_count(1)
        _open(page)
        row = page.locator(f"#scene-{scene_id}")
        expect(row.locator("li")).to_have_text([f"{ROOM_A[1]}: cam1 → toan-canh"])
        expect(page.locator("#scenes button")).to_have_count(0)
        assert page.locator("#scene-form").count() == 0
        assert page.locator("#recall-panel").count() == 0
        # The page hides the controls; the hub refuses the viewer's session anyway
        # (with its CSRF token, so the refusal is the role's).
        statuses = page.evaluate(
            """async (id) => {
                const csrf = decodeURIComponent((document.cookie.match(/hub_csrf=([^;]*)/) || [])[1] || "");
                const body = JSON.stringify({name: "Của người xem",
                    items: [{room_id: "tinh-uy", camera: "cam1", preset: "chu-toa"}]});
                const call = async (method, path, data) => (await fetch("/api/v1" + path, {
                    method, credentials: "same-origin", body: data,
                    headers: {"X-CSRF-Token": csrf, "Content-Type": "application/json"}})).status;
                return [await call("POST", "/scenes", body),
                        await call("PUT", "/scenes/" + id, body),
                        await call("POST", "/scenes/" + id + "/recall"),
                        await call("DELETE", "/scenes/" + id)];
            }""",
            scene_id,
        )
        assert statuses == [403, 403, 403, 403]
        assert list(_scenes(admin)) == ["Toàn cảnh"]
        context.close()


# -- language ----------------------------------------------------------------------------------


def test_in_english_the_scenes_page_has_no_untranslated_text(
    browser: Browser, province: Province, admin: httpx.Client
) -> None:
    with _scene(admin, "Wide shot", [(ROOM_A[0], "toan-canh"), (ROOM_B[0], "toan-canh")]) as sid:
        context = dashboard_context(browser, province.hub_url)
        page = context.new_page()
        outside = outside_requests(page, province.hub_url)
        login(page, *OPERATOR)
        _open(page)
        page.click("#lang-switch")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("body")).to_have_attribute("data-ready", "1")
        # Everything the page can say: the list, a recall's outcomes and summary, the
        # form with a line and its own error.
        page.locator(f"#scene-{sid} button.recall").click()
        expect(page.locator("#recall-panel")).to_have_attribute(
            "data-state", "done", timeout=60_000
        )
        expect(page.locator("#recall-summary")).to_have_text(
            "Done: 2 of 2 cameras on their presets, 0 failed."
        )
        page.click("#s-add")
        page.fill("#s-name", "x")
        page.click("#s-save")
        expect(page.locator("#s-error")).to_have_text(
            "Line 1: choose the room, the camera and the preset."
        )
        text = page.evaluate("document.body.innerText")
        data = [n for _, n, _ in ROOMS[:N_ROOMS]] + [d for _, _, d in ROOMS[:N_ROOMS]]
        for name in sorted(data, key=len, reverse=True):
            text = text.replace(name, "")
        assert "web." not in text, text
        assert not VIETNAMESE.search(text.replace("Tiếng Việt", "")), text
        assert axe_violations(page) == []
        assert outside == [], outside
        context.close()


# -- an offline room (last: its agent stays down) ----------------------------------------------


def test_a_room_whose_agent_is_killed_shows_offline_not_success(
    browser: Browser, province: Province, admin: httpx.Client
) -> None:
    room_a, room_c = ROOM_A[0], ROOM_C[0]
    with _scene(admin, "Hai điểm cầu", [(room_a, "toan-canh"), (room_c, "chu-toa")]) as scene_id:
        agent_c = province.processes[room_c]
        os.kill(agent_c.pid, signal.SIGTERM)  # by its PID: the link closes, Offline at once
        agent_c.wait(60)

        def offline() -> bool:
            rooms = {r["id"]: r for r in admin.get("/api/v1/rooms").json()}
            return rooms[room_c]["online"] is False

        until(offline, timeout_s=60, what=f"{room_c} offline at the hub")
        _point(province, room_a, AWAY)
        context = dashboard_context(browser, province.hub_url)
        page = context.new_page()
        login(page, *OPERATOR)
        _open(page)
        page.locator(f"#scene-{scene_id} button.recall").click()
        expect(_outcome(page, room_c)).to_have_attribute("data-outcome", "offline")
        expect(_outcome(page, room_c).locator(".result")).to_have_text(
            "Mất kết nối: điểm cầu không nối với trung tâm"
        )
        expect(_outcome(page, room_a)).to_have_attribute("data-outcome", "ok", timeout=60_000)
        summary = page.locator("#recall-summary")
        expect(summary).to_have_text("Xong: 1/2 camera đã về vị trí, 1 không thực hiện được.")
        expect(summary).to_have_class("error")
        assert camera_position(province, room_a) == POSES[room_a]["toan-canh"]
        context.close()
