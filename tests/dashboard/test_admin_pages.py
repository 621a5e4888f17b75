"""The dashboard's alerts, schedule, audit, users and rooms-admin pages in a real Chromium
(Playwright, Debian's chromium) against a real hub and real agents on simulated hardware
(the demo province with 4 rooms; the last three carry planted faults), as in
test_dashboard.py. Issue 12's second half, one test per promise.

Screenshots of the new pages at 1366×768 go to ``$DASHBOARD_ARTIFACTS`` (default: the
test's temp dir), never into git.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from appliance.cli.demo_province import ROOMS, Province
from appliance.hub.web import pages
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

pytestmark = pytest.mark.timeout(600)  # the module starts a hub and 4 agents (~1 min loaded)

N_ROOMS = 4
VIEWER = ("xem", "mat-khau-nguoi-xem-1")
OPERATOR = ("dieu-hanh", "mat-khau-dieu-hanh-1")
VIETNAM = timezone(timedelta(hours=7))
NEW_PAGES = ("/alerts", "/schedule", "/audit", "/users", "/admin/rooms")
ADMIN_PAGES = ("/audit", "/users", "/admin/rooms")
# Titles this module gives meetings (data, not interface text: left out of the language check).
TITLES = ("Giao ban sáng thứ Hai", "Giao ban (đã đổi giờ)", "Hội nghị trực tuyến toàn tỉnh")
NEW_ROOM = ("phong-moi", "Phòng họp mới", "Huyện Mới")  # added (and removed) by a test
VIETNAMESE = re.compile(
    r"[ăâđêôơưĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]"
)
WEB = Path(pages.__file__).resolve().parent


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Province]:
    directory = tmp_path_factory.mktemp("province")
    prov = Province(directory=directory, rooms=list(ROOMS[:N_ROOMS]), lang="en", say=lambda _: None)
    try:
        prov.start()
        with _admin_client(prov) as client:
            for (user, password), role in ((VIEWER, "viewer"), (OPERATOR, "operator")):
                made = client.post(
                    "/api/v1/users", json={"username": user, "password": password, "role": role}
                )
                assert made.status_code == 201, made.text
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
    with httpx.Client(base_url=province.hub_url, timeout=30) as client:
        login = client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": province.admin_password}
        )
        assert login.status_code == 200, login.text
        client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        yield client


def _open(page: Page, path: str) -> None:
    """Go to a page and wait until its script has loaded what it shows."""
    page.goto(path)
    expect(page.locator("body")).to_have_attribute("data-ready", "1")


def _ready(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-ready", "1")


def _vn_input(moment: datetime) -> str:
    """What an operator types into a datetime-local field: Vietnam's wall clock."""
    return moment.astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M")


def _meetings(admin: httpx.Client) -> list[dict[str, Any]]:
    answer = admin.get("/api/v1/meetings")
    assert answer.status_code == 200, answer.text
    meetings: list[dict[str, Any]] = answer.json()
    return meetings


# -- every text on the new pages is in the catalogue ----------------------------------------


def test_every_text_of_the_new_pages_is_in_the_catalogue_and_sent_to_its_script() -> None:
    """Templates ask the catalogue on the server; scripts get their texts in the page
    (``T(key)``): a key missing there would show as the key itself. A key built from a
    prefix (``T("web.alert.rule." + rule)``) needs every key of that family sent."""
    from appliance import i18n

    def families(keys: set[str]) -> tuple[set[str], set[str]]:
        prefixes = {k for k in keys if k.endswith(".")}
        return keys - prefixes, prefixes

    catalogue = set(i18n.keys())
    used: set[str] = set()
    for template in WEB.joinpath("templates").glob("*.html"):
        used |= set(re.findall(r"""_\(["'](web\.[a-z0-9_.]+)["']""", template.read_text()))
    plain, prefixes = families(used)
    assert not sorted(k for k in plain if not i18n.has(k))
    assert all(any(k.startswith(p) for k in catalogue) for p in prefixes)
    for script, keys in (
        ("alerts.js", pages.ALERTS_TEXTS),
        ("schedule.js", pages.SCHEDULE_TEXTS),
        ("audit.js", pages.AUDIT_TEXTS),
        ("users.js", pages.USERS_TEXTS),
        ("rooms_admin.js", pages.ROOMS_ADMIN_TEXTS),
        ("scenes.js", pages.SCENES_TEXTS),
        ("fleet.js", ()),
    ):
        code = (WEB / "static" / script).read_text()
        plain, prefixes = families(set(re.findall(r"""T\("(web\.[a-z0-9_.]+)""", code)))
        sent = set(pages.SCRIPT_TEXTS) | set(keys)
        assert plain <= sent, (script, plain - sent)
        # web.status.*: the scripts ask for the statuses the API reports, all in SCRIPT_TEXTS.
        for prefix in prefixes:
            family = {k for k in catalogue if k.startswith(prefix)}
            assert family, prefix
            assert family <= sent, (script, family - sent)
        assert all(i18n.has(k) for k in keys), script


# -- alerts ----------------------------------------------------------------------------------


def test_an_alert_appears_live_and_an_operator_acknowledges_it(
    browser: Browser, province: Province, admin: httpx.Client, artifacts: Path
) -> None:
    faulty = ROOMS[N_ROOMS - 1][0]  # camera 2 off its chain (demo_province.FAULTS)
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    outside = outside_requests(page, province.hub_url)
    login(page, *OPERATOR)
    _open(page, "/alerts")
    row = page.locator(f"#active-alerts tr[data-room='{faulty}'][data-rule=check_failed]")
    expect(row).to_have_count(0)
    page.evaluate("window.__marker = 'same page'")
    # A readiness check of the faulty room fails: the hub raises check_failed at once.
    started = admin.post("/api/v1/checks", json={"room_ids": [faulty]})
    assert started.status_code == 202, started.text
    expect(row).to_have_count(1, timeout=180_000)
    expect(row.locator(".state")).to_have_text("Chưa xác nhận")
    expect(row.locator(".detail")).to_contain_text("camera.cam2.link")
    assert page.evaluate("window.__marker") == "same page"  # live, no reload
    page.screenshot(path=str(artifacts / "alerts.png"), full_page=True)
    docs_shot(page, "alerts", english="/alerts", ready=_ready)
    row.locator("button.ack").focus()
    page.keyboard.press("Enter")  # keyboard-usable
    expect(row.locator(".state")).to_have_text("Đã xác nhận")
    expect(row.locator(".acked")).to_contain_text(OPERATOR[0])
    expect(row.locator("button.ack")).to_have_count(0)
    alert_id = int((row.get_attribute("id") or "").removeprefix("alert-"))
    stored = admin.get(f"/api/v1/alerts/{alert_id}").json()
    assert (stored["state"], stored["acked_by"]) == ("acknowledged", OPERATOR[0])
    # The filters: another room's alerts only → this row is hidden; history only → too.
    page.select_option("#filter-room", ROOMS[0][0])
    expect(row).to_have_count(0)
    page.select_option("#filter-room", faulty)
    expect(row).to_have_count(1)
    page.select_option("#filter-state", "resolved")
    expect(page.locator("#active-section")).to_be_hidden()
    page.select_option("#filter-state", "acknowledged")
    expect(row).to_be_visible()
    assert axe_violations(page) == []
    assert outside == [], outside
    context.close()


# -- schedule --------------------------------------------------------------------------------


def test_a_meeting_made_in_the_form_is_listed_changed_and_deleted(
    browser: Browser, province: Province, admin: httpx.Client, artifacts: Path
) -> None:
    room_id, room_name, _ = ROOMS[1]
    start = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, *OPERATOR)
    _open(page, "/schedule")
    page.fill("#m-title", TITLES[0])
    page.fill("#m-start", _vn_input(start))
    page.fill("#m-end", _vn_input(start + timedelta(hours=1, minutes=30)))
    page.check(f"#m-rooms input[value='{room_id}']")
    page.check("#m-weekly")
    page.fill("#m-check", "20")
    page.click("#m-save")
    row = page.locator("#meetings tbody tr", has_text=TITLES[0])
    expect(row).to_have_count(1)
    expect(row.locator(".rooms")).to_have_text(room_name)
    expect(row.locator(".start")).to_have_text(start.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M"))
    check_at = start - timedelta(minutes=20)
    expect(row.locator(".check-at")).to_have_text(
        check_at.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
    )
    stored = [m for m in _meetings(admin) if m["title"] == TITLES[0]]
    assert len(stored) == 1
    assert stored[0]["rooms"] == [room_id]
    assert stored[0]["weekly"] is True
    assert stored[0]["starts_at"] == start.timestamp()  # typed as Vietnam time, stored right
    assert stored[0]["check_before_min"] == 20
    page.screenshot(path=str(artifacts / "schedule.png"), full_page=True)
    docs_shot(page, "schedule", english="/schedule", ready=_ready)
    # Change it: the form fills from the row, the new title is saved (PUT).
    row.locator("button.edit").click()
    expect(page.locator("#m-title")).to_have_value(TITLES[0])
    expect(page.locator(f"#m-rooms input[value='{room_id}']")).to_be_checked()
    page.fill("#m-title", TITLES[1])
    page.click("#m-save")
    changed = page.locator("#meetings tbody tr", has_text=TITLES[1])
    expect(changed).to_have_count(1)
    mine = [m for m in _meetings(admin) if m["id"] == stored[0]["id"]]
    assert mine[0]["title"] == TITLES[1]
    assert mine[0]["starts_at"] == start.timestamp()
    # Delete it (the browser asks first).
    page.once("dialog", lambda dialog: dialog.accept())
    changed.locator("button.delete").click()
    expect(changed).to_have_count(0)
    assert all(m["id"] != stored[0]["id"] for m in _meetings(admin))
    assert axe_violations(page) == []
    context.close()


def test_an_icalendar_upload_imports_its_meetings(
    browser: Browser, province: Province, admin: httpx.Client, tmp_path: Path
) -> None:
    start = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    stamp = "%Y%m%dT%H%M%SZ"
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//dashboard//VI\r\n"
        "BEGIN:VEVENT\r\n"
        "UID:hoi-nghi-toan-tinh@test\r\n"
        f"SUMMARY:{TITLES[2]}\r\n"
        f"LOCATION:{ROOMS[0][1]}\\, {ROOMS[2][0]}\r\n"
        f"DTSTART:{start.strftime(stamp)}\r\n"
        f"DTEND:{(start + timedelta(hours=2)).strftime(stamp)}\r\n"
        "END:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    file = tmp_path / "lich-hop.ics"
    file.write_text(calendar, encoding="utf-8")
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, *OPERATOR)
    _open(page, "/schedule")
    page.set_input_files("#ical-file", str(file))
    page.fill("#ical-check", "0")
    page.click("#ical-import")
    expect(page.locator("#ical-result")).to_contain_text("1")
    row = page.locator("#meetings tbody tr", has_text=TITLES[2])
    expect(row).to_have_count(1)
    expect(row.locator(".check-at")).to_have_text("không kiểm tra tự động")
    imported = [m for m in _meetings(admin) if m["title"] == TITLES[2]]
    assert len(imported) == 1
    assert sorted(imported[0]["rooms"]) == sorted([ROOMS[0][0], ROOMS[2][0]])
    assert imported[0]["uid"] == "hoi-nghi-toan-tinh@test"
    # A file that names no room is refused with the hub's reason, nothing imported.
    bad = tmp_path / "sai.ics"
    bad.write_text(calendar.replace(f"{ROOMS[0][1]}\\, {ROOMS[2][0]}", "khong-co-phong"))
    page.set_input_files("#ical-file", str(bad))
    page.click("#ical-import")
    expect(page.locator("#ical-result")).to_contain_text("khong-co-phong")
    assert len([m for m in _meetings(admin) if m["title"] == TITLES[2]]) == 1
    admin.delete(f"/api/v1/meetings/{imported[0]['id']}")
    context.close()


def test_a_meeting_under_way_shows_in_meeting_on_the_fleet_and_schedule_live(
    browser: Browser, province: Province, admin: httpx.Client
) -> None:
    room_id = ROOMS[0][0]
    context = dashboard_context(browser, province.hub_url)
    fleet = context.new_page()
    login(fleet, "admin", province.admin_password)
    badge = fleet.locator(f"#room-{room_id} .in-meeting")
    expect(fleet.locator(".tile")).to_have_count(N_ROOMS)
    expect(badge).to_be_hidden()
    schedule = context.new_page()
    _open(schedule, "/schedule")
    expect(schedule.locator("#nobody-in-meeting")).to_be_visible()
    now = datetime.now(VIETNAM)
    made = admin.post(
        "/api/v1/meetings",
        json={
            "title": "Hop dang dien ra",
            "start": (now - timedelta(minutes=5)).isoformat(),
            "end": (now + timedelta(hours=1)).isoformat(),
            "room_ids": [room_id],
            "check_before_min": 0,
        },
    )
    assert made.status_code == 201, made.text
    try:
        expect(badge).to_be_visible(timeout=30_000)  # the scheduler's `meeting` event
        expect(badge).to_have_text("Đang họp")
        expect(fleet.locator(f"#room-{room_id} .status")).not_to_have_text("Đang họp")
        expect(schedule.locator(f"#in-meeting li[data-room='{room_id}']")).to_contain_text(
            "Hop dang dien ra"
        )
        rooms = {r["id"]: r for r in admin.get("/api/v1/rooms").json()}
        assert rooms[room_id]["in_meeting"] is True
    finally:
        admin.delete(f"/api/v1/meetings/{made.json()['id']}")
    expect(badge).to_be_hidden(timeout=30_000)
    expect(schedule.locator(f"#in-meeting li[data-room='{room_id}']")).to_have_count(0)
    context.close()


def test_a_meetings_automatic_check_is_announced_and_linked_to_its_results(
    browser: Browser, province: Province, admin: httpx.Client
) -> None:
    room_id = ROOMS[0][0]
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, *OPERATOR)
    _open(page, "/schedule")
    # Its check window (10 min before the start) is already open: the scheduler starts
    # the check at once and says so on the stream (`meeting.check`).
    start = datetime.now(VIETNAM) + timedelta(minutes=5)
    made = admin.post(
        "/api/v1/meetings",
        json={
            "title": "Kiem tra truoc hop",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "room_ids": [room_id],
            "check_before_min": 10,
        },
    )
    assert made.status_code == 201, made.text
    try:
        expect(page.locator("#toast")).to_contain_text("Kiem tra truoc hop", timeout=30_000)
        link = page.locator(f"#meeting-{made.json()['id']} a.last-check")
        expect(link).to_be_visible(timeout=30_000)
        link.click()
        expect(page).to_have_url(re.compile(r"/checks\?id="))
        expect(page.locator(f"#room-progress li[data-room='{room_id}']")).to_have_count(1)
    finally:
        admin.delete(f"/api/v1/meetings/{made.json()['id']}")
    context.close()


# -- audit -----------------------------------------------------------------------------------


def test_the_audit_page_filters_by_action_and_pages_back(
    browser: Browser, province: Province, admin: httpx.Client
) -> None:
    # Rows to find: a few maintenance switches of one room (on, off, …).
    room_id = ROOMS[1][0]
    for on in (True, False, True, False):
        answer = admin.put(f"/api/v1/rooms/{room_id}/maintenance", json={"on": on})
        assert answer.status_code == 200, answer.text
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, *OPERATOR)
    _open(page, "/audit")
    rows = page.locator("#audit tbody tr")
    expect(rows.first).to_be_visible()
    page.fill("#audit-action", "room.maintenance")
    page.press("#audit-action", "Enter")
    expect(rows.first).to_have_attribute("data-action", "room.maintenance")
    actions = {rows.nth(i).get_attribute("data-action") for i in range(rows.count())}
    assert actions == {"room.maintenance"}
    assert rows.count() >= 4
    docs_shot(page, "audit", english="/audit", ready=_ready)
    # Newest first: ids fall down the page.
    ids = [int(rows.nth(i).get_attribute("data-id") or 0) for i in range(rows.count())]
    assert ids == sorted(ids, reverse=True)
    # By user and room too: the admin's switches of that room.
    page.fill("#audit-user", "admin")
    page.select_option("#audit-room", room_id)
    page.click("#audit-apply")
    expect(rows.first.locator(".who")).to_have_text("admin")
    page.fill("#audit-user", OPERATOR[0])
    page.click("#audit-apply")
    expect(page.locator("#audit-empty")).to_be_visible()
    expect(rows).to_have_count(0)
    # Paging: the API's before_id, one page of 50 at a time.
    for on in (True, False) * 26:
        admin.put(f"/api/v1/rooms/{room_id}/maintenance", json={"on": on})
    page.fill("#audit-user", "")
    page.click("#audit-apply")
    expect(rows).to_have_count(50)
    expect(page.locator("#audit-more")).to_be_visible()
    page.click("#audit-more")
    expect(rows).to_have_count(56)
    ids = [int(rows.nth(i).get_attribute("data-id") or 0) for i in range(rows.count())]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == len(ids)
    expect(page.locator("#audit-more")).to_be_hidden()
    assert axe_violations(page) == []
    context.close()


# -- users and rooms (administrators) --------------------------------------------------------


def test_an_admin_creates_a_user_changes_and_disables_it(
    browser: Browser, province: Province, admin: httpx.Client, artifacts: Path
) -> None:
    district = ROOMS[2][2]
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, "admin", province.admin_password)
    _open(page, "/users")
    page.fill("#u-name", "ky-thuat-1")
    page.fill("#u-password", "mat-khau-ky-thuat-1")
    page.select_option("#u-role", "technician")
    page.fill("#u-districts", district)
    page.click("#u-create")
    row = page.locator("#users tbody tr[data-user='ky-thuat-1']")
    expect(row).to_have_count(1)
    expect(row.locator("select.role")).to_have_value("technician")
    expect(row.locator("input.districts")).to_have_value(district)
    users = {u["username"]: u for u in admin.get("/api/v1/users").json()}
    assert users["ky-thuat-1"]["role"] == "technician"
    assert users["ky-thuat-1"]["districts"] == [district]
    # The new account logs in and sees its district's rooms only.
    other = dashboard_context(browser, province.hub_url)
    tech = other.new_page()
    login(tech, "ky-thuat-1", "mat-khau-ky-thuat-1")
    expect(tech.locator(".tile")).to_have_count(
        len([r for r in ROOMS[:N_ROOMS] if r[2] == district])
    )
    other.close()
    # Role change, password reset, disable.
    row.locator("select.role").select_option("operator")
    row.locator("button.save").click()
    expect(page.locator("#toast")).to_have_text("Đã lưu tài khoản ky-thuat-1")
    until_role = admin.get(f"/api/v1/users/{users['ky-thuat-1']['id']}").json()
    assert until_role["role"] == "operator"
    page.select_option("#r-user", str(users["ky-thuat-1"]["id"]))
    expect(page.locator("#r-user option:checked")).to_have_text("ky-thuat-1")
    page.fill("#r-password", "mat-khau-moi-dai-hon-1")
    page.click("#r-submit")
    expect(page.locator("#toast")).to_have_text("Đã đặt lại mật khẩu của ky-thuat-1")
    relogin = httpx.post(
        f"{province.hub_url}/api/v1/auth/login",
        json={"username": "ky-thuat-1", "password": "mat-khau-moi-dai-hon-1"},
        timeout=30,
    )
    assert relogin.status_code == 200, relogin.text
    row.locator("button.disable").click()
    expect(row.locator(".state")).to_have_text("đã vô hiệu hóa")
    assert admin.get(f"/api/v1/users/{users['ky-thuat-1']['id']}").json()["disabled"] is True
    page.screenshot(path=str(artifacts / "users.png"), full_page=True)
    docs_shot(page, "users", english="/users", ready=_ready)
    assert axe_violations(page) == []
    context.close()


def test_an_admin_adds_a_room_issues_its_token_and_switches_maintenance(
    browser: Browser, province: Province, admin: httpx.Client, artifacts: Path
) -> None:
    context = dashboard_context(browser, province.hub_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=province.hub_url)
    page = context.new_page()
    login(page, "admin", province.admin_password)
    _open(page, "/admin/rooms")
    expect(page.locator("#rooms-admin tbody tr")).to_have_count(N_ROOMS)
    page.fill("#ra-id", NEW_ROOM[0])
    page.fill("#ra-name", NEW_ROOM[1])
    page.fill("#ra-district", NEW_ROOM[2])
    page.click("#ra-add")
    row = page.locator("#rooms-admin tbody tr[data-room='phong-moi']")
    try:
        expect(row).to_have_count(1)
        expect(row.locator(".enrolled")).to_have_text("Không")
        row.locator("button.token").click()
        box = page.locator("#token-box")
        expect(box).to_be_visible()
        token = page.locator("#token-value").input_value()
        assert len(token) >= 20
        page.click("#token-copy")
        expect(page.locator("#toast")).to_have_text("Đã sao chép mã")
        assert page.evaluate("navigator.clipboard.readText()") == token
        page.screenshot(path=str(artifacts / "rooms-admin.png"), full_page=True)
        docs_shot(page, "rooms-admin", english="/admin/rooms", ready=_ready)
        # The token is the one the hub accepts for that room (once): the enrolment route.
        enrol = httpx.post(
            f"{province.hub_url}/api/v1/enrol",
            json={"room_id": "phong-moi", "token": token, "agent_version": "0-test"},
            timeout=30,
        )
        assert enrol.status_code in (200, 201), enrol.text
        row.locator("button.maintenance").click()
        expect(row.locator(".maintenance-state")).to_have_text("Có")
        expect(row.locator("button.maintenance")).to_have_attribute("aria-pressed", "true")
        rooms = {r["id"]: r for r in admin.get("/api/v1/rooms").json()}
        assert rooms["phong-moi"]["maintenance"] is True
        assert rooms["phong-moi"]["enrolled"] is True
        assert axe_violations(page) == []
    finally:
        admin.delete("/api/v1/rooms/phong-moi")
    context.close()


# -- roles, language, self-containment --------------------------------------------------------


def test_a_viewer_sees_no_admin_links_and_is_refused_the_admin_pages(
    browser: Browser, province: Province
) -> None:
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, *VIEWER)
    nav = page.locator("header nav")
    for path in ("/alerts", "/schedule"):
        expect(nav.locator(f"a[href='{path}']")).to_have_count(1)
    for path in ADMIN_PAGES:
        expect(nav.locator(f"a[href='{path}']")).to_have_count(0)
    for path in ADMIN_PAGES:
        answer = page.goto(path)
        assert answer is not None
        assert answer.status == 403, path
        expect(page.locator("#forbidden")).to_be_visible()
    _open(page, "/alerts")
    expect(page.locator("button.ack")).to_have_count(0)
    _open(page, "/schedule")
    assert page.locator("#meeting-form").count() == 0
    assert page.locator("#ical-form").count() == 0
    context.close()
    # The operator: alerts, schedule and audit; no users or rooms admin.
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, *OPERATOR)
    nav = page.locator("header nav")
    expect(nav.locator("a[href='/audit']")).to_have_count(1)
    expect(nav.locator("a[href='/users']")).to_have_count(0)
    answer = page.goto("/users")
    assert answer is not None
    assert answer.status == 403
    context.close()


def test_new_pages_need_alogin(province: Province) -> None:
    for path in NEW_PAGES:
        answer = httpx.get(f"{province.hub_url}{path}", timeout=10, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next="), path


def test_language_switch_leaves_no_untranslated_text_on_the_new_pages(
    browser: Browser, province: Province, admin: httpx.Client
) -> None:
    # Something on every page: a meeting (ASCII title) and, on /alerts, whatever the
    # planted faults raised.
    start = datetime.now(VIETNAM) + timedelta(days=1)
    made = admin.post(
        "/api/v1/meetings",
        json={
            "title": "Weekly briefing",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "room_ids": [ROOMS[0][0]],
        },
    )
    assert made.status_code == 201, made.text
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    outside = outside_requests(page, province.hub_url)
    login(page, "admin", province.admin_password)
    page.click("#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # Data, not interface text (the audit log's arguments carry what users typed).
    data = [n for _, n, _ in ROOMS[:N_ROOMS]] + [d for _, _, d in ROOMS[:N_ROOMS]]
    data += [*TITLES, *NEW_ROOM[1:]]
    try:
        for path in NEW_PAGES:
            _open(page, path)
            page.wait_for_load_state("networkidle")
            text = page.evaluate("document.body.innerText")
            for name in sorted(data, key=len, reverse=True):
                text = text.replace(name, "")
            assert "web." not in text, (path, text)
            assert not VIETNAMESE.search(text.replace("Tiếng Việt", "")), (path, text)
        assert outside == [], outside
    finally:
        admin.delete(f"/api/v1/meetings/{made.json()['id']}")
    context.close()


def test_the_nav_fits_at_1366_and_every_new_page_is_accessible(
    browser: Browser, province: Province, artifacts: Path
) -> None:
    context = dashboard_context(browser, province.hub_url)
    page = context.new_page()
    login(page, "admin", province.admin_password)
    for path in NEW_PAGES:
        _open(page, path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        assert axe_violations(page) == [], path
    page.screenshot(path=str(artifacts / "nav-admin.png"))
    context.close()
