"""Security acceptance of the hub (issue 8), against a real hub on loopback.

- every route (HTTP, the link WebSocket, the SSE stream) refuses anonymous and forged
  credentials: the list is taken from the app itself, so a route added later is covered;
- a viewer cannot command (every state-changing route answers 403);
- a technician neither sees nor touches another district's room (404, like a room that
  does not exist) and reads only their districts' audit rows;
- CSRF: with the session cookie, a state-changing request without / with a forged / with
  another session's token fails; cookie flags HttpOnly + SameSite=Strict (+ Secure
  under TLS, with a real TLS hub);
- lockout after repeated wrong passwords (also for the right password, until an admin
  resets it); the per-client rate limit;
- an enrolment token issued through the admin API works once, for its room only.
"""

from __future__ import annotations

import re
import secrets
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from appliance.hub.db.records import Role, RoomIn
from appliance.hub.security.deps import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from appliance.hub.security.login import LoginGuard
from tests.support.hub import HubHandle, running_hub
from tests.support.tls import self_signed

PASSWORD = "mật khẩu đủ dài 2026"  # noqa: S105 (test accounts)
# Open by nature, with no data behind them: liveness, the login form, the language cookie.
OPEN_ROUTES = {("GET", "/healthz"): 200, ("GET", "/login"): 200, ("GET", "/lang/{code}"): 303}
# The dashboard's pages: without a valid session they send the browser to the login form.
PAGE_ROUTES = {
    ("GET", path)
    for path in (
        "/",
        "/checks",
        "/scenes",
        "/rooms/{room_id}",
        "/alerts",
        "/schedule",
        "/audit",
        "/users",
        "/admin/rooms",
    )
}
# Routes whose credential is in the body: anonymous use with a made-up one is refused.
BODY_CREDENTIAL = {
    ("POST", "/api/v1/auth/login"): {"username": "nobody", "password": "x" * 12},
    ("POST", "/api/v1/enrol"): {"token": "t" * 43, "room_id": "r1", "agent_version": "1"},
}
# What any signed-in user may change about their own account.
SELF_SERVICE = {
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/password"),
    ("POST", "/api/v1/tokens"),
    ("DELETE", "/api/v1/tokens/{token_id}"),
}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
PARAMS = {"room_id": "r1", "camera": "cam1", "device": "mic1", "display": "main"}
# Values for the required fields of request bodies, so that a body is valid and the
# answer shows the access rule rather than input validation.
FIELD_VALUES: dict[str, Any] = {
    "on": True,
    "pan_deg": 0.0,
    "tilt_deg": 0.0,
    "number": 1,
    "what": "slate",
}


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[HubHandle]:
    async with running_hub(tmp_path / "hub") as handle:
        await handle.store.import_rooms(
            [
                RoomIn(id="r1", name="Phòng 1", district="d1"),
                RoomIn(id="r2", name="Phòng 2", district="d2"),
            ]
        )
        yield handle


def _routes(hub: HubHandle) -> list[tuple[str, str]]:
    """(method, path template) of every route of the running app; "WS" for WebSockets."""
    out: list[tuple[str, str]] = []
    for rc in iter_route_contexts(hub.app.router.routes):
        route = rc.original_route
        if isinstance(route, APIWebSocketRoute):
            out.append(("WS", str(rc.path)))
        elif isinstance(route, APIRoute):
            out.extend((m, str(rc.path)) for m in sorted(rc.methods or ()) if m != "HEAD")
    return out


def _valid_bodies(hub: HubHandle) -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path) → a body with every required field, from the app's OpenAPI schema."""
    schema = hub.app.openapi()
    models = schema["components"]["schemas"]
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            ref = (
                op.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
                .get("$ref", "")
            )
            required = models.get(ref.rsplit("/", 1)[-1], {}).get("required", [])
            out[(method.upper(), path)] = {
                f: FIELD_VALUES[f] for f in required if f in FIELD_VALUES
            }
    # One of two optional fields is required (a model validator the schema cannot say).
    for what, body in (("zoom", {"action": "tele"}), ("focus", {"action": "near"})):
        out[("POST", f"/api/v1/rooms/{{room_id}}/cameras/{{camera}}/{what}")] = body
    return out


def _fill(template: str, **override: str) -> str:
    values = {**PARAMS, **override}
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "1"), template)


async def _user(hub: HubHandle, name: str, role: Role, districts: list[str] | None = None) -> str:
    """A user with an API token; returns the token."""
    user = await hub.store.create_user(name, PASSWORD, role, districts=districts or [])
    token, _ = await hub.store.create_api_token(user.id, f"{name}-script")
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_every_route_refuses_anonymous_and_forged_credentials(hub: HubHandle) -> None:
    routes = _routes(hub)
    assert ("WS", "/api/v1/link") in routes
    assert ("GET", "/api/v1/events") in routes
    assert len(routes) > 40
    forged = secrets.token_urlsafe(32)
    attempts = [
        ("anonymous", {}, {}),
        ("forged bearer", _bearer(forged), {}),
        ("forged cookie", {CSRF_HEADER: forged}, {SESSION_COOKIE: forged}),
    ]
    refused: list[str] = []
    async with httpx.AsyncClient(base_url=hub.base_url, timeout=20) as client:
        for method, template in routes:
            path = _fill(template)
            if (method, template) in OPEN_ROUTES:
                expected = OPEN_ROUTES[(method, template)]
                assert (await client.request(method, path)).status_code == expected, path
                continue
            for label, headers, cookies in attempts:
                if (method, template) in PAGE_ROUTES:
                    client.cookies.clear()
                    for k, v in cookies.items():
                        client.cookies.set(k, v)
                    resp = await client.get(path, headers=headers, follow_redirects=False)
                    assert resp.status_code == 303, f"{label} page {path}: {resp.status_code}"
                    assert resp.headers["location"].startswith("/login"), resp.headers
                    refused.append(f"page {path}")
                    continue
                if method == "WS":
                    with pytest.raises(InvalidStatus) as exc:
                        async with connect(
                            f"ws://127.0.0.1:{hub.port}{path}",
                            additional_headers=headers,
                            open_timeout=10,
                        ):
                            pass
                    status = exc.value.response.status_code
                    assert status in (401, 403), f"{label} WS {path}: {status}"
                    refused.append(f"WS {path}")
                    continue
                body = BODY_CREDENTIAL.get((method, template), {})
                client.cookies.clear()
                for k, v in cookies.items():
                    client.cookies.set(k, v)
                resp = await client.request(
                    method,
                    path,
                    headers=headers,
                    json=body if method in STATE_CHANGING else None,
                )
                assert resp.status_code == 401, (
                    f"{label} {method} {path}: {resp.status_code} {resp.text[:200]}"
                )
                refused.append(f"{method} {path}")
    assert len(refused) == 3 * (len(routes) - len(OPEN_ROUTES))


async def test_a_viewer_cannot_command(hub: HubHandle) -> None:
    token = await _user(hub, "xem", "viewer")
    commands = [
        (m, t) for m, t in _routes(hub) if m in STATE_CHANGING and (m, t) not in SELF_SERVICE
    ]
    commands = [c for c in commands if c not in BODY_CREDENTIAL]
    assert ("POST", "/api/v1/rooms/{room_id}/cameras/{camera}/presets/{preset}/recall") in commands
    assert ("POST", "/api/v1/scenes/{scene_id}/recall") in commands
    async with httpx.AsyncClient(
        base_url=hub.base_url, timeout=20, headers=_bearer(token)
    ) as client:
        for method, template in commands:
            resp = await client.request(method, _fill(template), json={})
            assert resp.status_code == 403, (
                f"{method} {template}: {resp.status_code} {resp.text[:200]}"
            )
        # Reading is allowed; the admin's and the operators' pages are not.
        assert (await client.get("/api/v1/rooms")).status_code == 200
        assert (await client.get("/api/v1/users")).status_code == 403
        assert (await client.get("/api/v1/audit")).status_code == 403
    audit = await hub.store.list_audit()
    assert not [a for a in audit if a.who.startswith("xem") and a.outcome == "ok"]


async def test_a_technician_only_sees_and_touches_their_district(hub: HubHandle) -> None:
    token = await _user(hub, "kythuat", "technician", ["d1"])
    await hub.store.audit("an", "r1", "room.on", {}, "ok", 0.1)
    await hub.store.audit("an", "r2", "room.on", {}, "ok", 0.1)
    room_routes = [(m, t) for m, t in _routes(hub) if "{room_id}" in t and m != "WS"]
    assert len(room_routes) > 15
    bodies = _valid_bodies(hub)
    async with httpx.AsyncClient(
        base_url=hub.base_url, timeout=20, headers=_bearer(token)
    ) as client:
        listed = (await client.get("/api/v1/rooms")).json()
        ids = [r["id"] for r in (listed["rooms"] if isinstance(listed, dict) else listed)]
        assert ids == ["r1"]
        for method, template in room_routes:
            if (method, template) in {
                ("POST", "/api/v1/rooms/{room_id}/enrolment-token"),
                ("DELETE", "/api/v1/rooms/{room_id}"),
            }:
                continue  # admin only: 403 whatever the room (checked below)
            resp = await client.request(
                method,
                _fill(template, room_id="r2"),
                json=bodies.get((method, template), {}) if method in STATE_CHANGING else None,
            )
            assert resp.status_code == 404, (
                f"{method} {template} on r2: {resp.status_code} {resp.text[:200]}"
            )
        # Their own room: visible and commandable (no agent linked → offline, 503).
        assert (await client.get("/api/v1/rooms/r1")).status_code == 200
        power = await client.post("/api/v1/rooms/r1/cameras/cam1/power", json={"on": True})
        assert power.status_code == 503, power.text
        maint = await client.put("/api/v1/rooms/r1/maintenance", json={"on": True})
        assert (maint.status_code, maint.json()["maintenance"]) == (200, True)
        # Administration stays out of reach.
        for method, path, body in [
            ("POST", "/api/v1/rooms/r1/enrolment-token", {}),
            ("DELETE", "/api/v1/rooms/r1", None),
            ("POST", "/api/v1/rooms", {"id": "r9", "name": "x", "district": "d1"}),
            ("GET", "/api/v1/users", None),
        ]:
            resp = await client.request(method, path, json=body)
            assert resp.status_code == 403, f"{method} {path}: {resp.status_code}"
        audit = (await client.get("/api/v1/audit")).json()
    assert {a["room_id"] for a in audit} == {"r1"}
    assert (await hub.store.get_room("r2")).maintenance is False  # type: ignore[union-attr]


async def _login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )


async def test_csrf_and_cookie_flags(hub: HubHandle) -> None:
    await hub.store.create_user("quantri", PASSWORD, "admin")
    async with (
        httpx.AsyncClient(base_url=hub.base_url, timeout=20) as browser,
        httpx.AsyncClient(base_url=hub.base_url, timeout=20) as other,
    ):
        resp = await _login(browser, "quantri")
        assert resp.status_code == 200, resp.text
        csrf = resp.json()["csrf_token"]
        cookies = resp.headers.get_list("set-cookie")
        session_cookie = next(c for c in cookies if c.startswith(f"{SESSION_COOKIE}="))
        csrf_cookie = next(c for c in cookies if c.startswith(f"{CSRF_COOKIE}="))
        assert "httponly" in session_cookie.lower()
        assert "samesite=strict" in session_cookie.lower()
        assert "secure" not in session_cookie.lower()  # plain HTTP on loopback
        assert "httponly" not in csrf_cookie.lower()  # the page's script reads it
        other_csrf = (await _login(other, "quantri")).json()["csrf_token"]

        me = await browser.get("/api/v1/auth/me")  # safe method: no CSRF token needed
        assert (me.status_code, me.json()["via"]) == (200, "session")
        for headers in (
            {},
            {CSRF_HEADER: secrets.token_urlsafe(32)},
            {CSRF_HEADER: other_csrf},
            {CSRF_HEADER: ""},
        ):
            resp = await browser.post("/api/v1/tokens", json={"name": "x"}, headers=headers)
            assert resp.status_code == 403, (headers.keys(), resp.status_code)
            resp = await browser.put(
                "/api/v1/rooms/r1/maintenance", json={"on": True}, headers=headers
            )
            assert resp.status_code == 403
        assert (await hub.store.get_room("r1")).maintenance is False  # type: ignore[union-attr]
        assert await hub.store.list_api_tokens() == []
        ok = await browser.post("/api/v1/tokens", json={"name": "x"}, headers={CSRF_HEADER: csrf})
        assert ok.status_code == 201, ok.text
        out = await browser.post("/api/v1/auth/logout", headers={CSRF_HEADER: csrf})
        assert out.status_code == 204
        assert (await browser.get("/api/v1/auth/me")).status_code == 401
        assert (await other.get("/api/v1/auth/me")).status_code == 200  # other session lives on


async def test_lockout_after_repeated_wrong_passwords(hub: HubHandle) -> None:
    hub.app.state.login_guard = LoginGuard(max_failures=3, lockout_s=600, rate_per_window=100)
    user = await hub.store.create_user("an", PASSWORD, "operator")
    admin_token = await _user(hub, "quantri", "admin")
    async with httpx.AsyncClient(base_url=hub.base_url, timeout=30) as client:
        for _ in range(2):
            assert (await _login(client, "an", "sai mật khẩu rồi")).status_code == 401
        third = await _login(client, "an", "sai mật khẩu rồi")
        assert third.status_code == 423, third.text
        assert int(third.headers["retry-after"]) > 500
        right = await _login(client, "an")
        assert right.status_code == 423  # locked: even the right password is refused
        assert SESSION_COOKIE not in right.cookies
        unknown = await _login(client, "khong-co", "sai mật khẩu rồi")
        assert unknown.status_code == 401
        locked = await hub.store.get_user(user.id)
        assert locked is not None
        assert locked.locked_until is not None
        reset = await client.put(
            f"/api/v1/users/{user.id}/password",
            json={"password": PASSWORD},
            headers=_bearer(admin_token),
        )
        assert reset.status_code == 204
        assert (await _login(client, "an")).status_code == 200
    audit = await hub.store.list_audit(action="user.password")
    assert [(a.who, a.args) for a in audit] == [
        ("quantri (token quantri-script)", {"user_id": user.id})
    ]


async def test_login_rate_limit_per_client(hub: HubHandle) -> None:
    hub.app.state.login_guard = LoginGuard(max_failures=100, rate_per_window=3, window_s=600)
    async with httpx.AsyncClient(base_url=hub.base_url, timeout=30) as client:
        codes = [(await _login(client, "nobody", "sai mật khẩu rồi")).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        resp = await _login(client, "nobody")
        assert resp.status_code == 429
        assert int(resp.headers["retry-after"]) > 500


async def test_enrolment_token_from_the_admin_api_works_once(hub: HubHandle) -> None:
    admin = _bearer(await _user(hub, "quantri", "admin"))
    async with httpx.AsyncClient(base_url=hub.base_url, timeout=20) as client:
        issued = await client.post("/api/v1/rooms/r1/enrolment-token", json={}, headers=admin)
        assert issued.status_code == 201, issued.text
        token = issued.json()["token"]
        enrol: dict[str, Any] = {"token": token, "room_id": "r2", "agent_version": "0.1"}
        assert (await client.post("/api/v1/enrol", json=enrol)).status_code == 409  # other room
        enrol["room_id"] = "r1"
        first = await client.post("/api/v1/enrol", json=enrol)
        assert first.status_code == 200, first.text
        assert await hub.store.room_for_secret(first.json()["secret"]) == "r1"
        again = await client.post("/api/v1/enrol", json=enrol)
        assert again.status_code == 401
        missing = await client.post("/api/v1/rooms/ghost/enrolment-token", json={}, headers=admin)
        assert missing.status_code == 404
    rows = await hub.store.list_audit(action="room.enrolment_token")
    assert [(r.room_id, r.outcome) for r in rows] == [("ghost", "error"), ("r1", "ok")]


async def test_rooms_admin_api(hub: HubHandle) -> None:
    admin = _bearer(await _user(hub, "quantri", "admin"))
    async with httpx.AsyncClient(base_url=hub.base_url, timeout=20, headers=admin) as client:
        added = await client.post(
            "/api/v1/rooms", json={"id": "r3", "name": "Phòng 3", "district": "d1"}
        )
        assert added.status_code == 201, added.text
        again = await client.post("/api/v1/rooms", json={"id": "r3", "name": "x", "district": "d"})
        assert (again.status_code, again.json()["message"]) == (409, "Điểm cầu r3 đã có")
        again = await client.post(
            "/api/v1/rooms",
            json={"id": "r3", "name": "x", "district": "d"},
            headers={"accept-language": "en"},
        )
        assert again.json()["message"] == "Room r3 exists already"
        bad = await client.post(
            "/api/v1/rooms", json={"id": "bad id", "name": "x", "district": "d"}
        )
        assert bad.status_code == 422
        csv_body = "id,name,district\nr3,Phòng ba,d1\nr4,Phòng 4,d4\n".encode()
        imported = await client.post(
            "/api/v1/rooms/import", content=csv_body, headers={"content-type": "text/csv"}
        )
        assert imported.json() == {"added": ["r4"], "updated": ["r3"], "unchanged": []}
        broken = await client.post(
            "/api/v1/rooms/import",
            content=b"id,name,district\nr5,A,d\nbad id,B,d\n",
            headers={"content-type": "text/csv"},
        )
        assert broken.status_code == 422
        assert "line 3" in broken.json()["message"]
        assert await hub.store.get_room("r5") is None  # all or nothing
        assert (await client.delete("/api/v1/rooms/r4")).status_code == 204
        assert await hub.store.get_room("r4") is None


async def test_cookies_are_secure_under_tls(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path, "hub")
    async with running_hub(tmp_path / "hub", tls_cert=cert, tls_key=key) as hub:
        await hub.store.create_user("quantri", PASSWORD, "admin")
        ctx = ssl.create_default_context(cafile=str(cert))
        async with httpx.AsyncClient(
            base_url=f"https://127.0.0.1:{hub.port}", verify=ctx, timeout=20
        ) as client:
            resp = await _login(client, "quantri")
            assert resp.status_code == 200, resp.text
            for c in resp.headers.get_list("set-cookie"):
                assert "; secure" in c.lower(), c
