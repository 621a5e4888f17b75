"""The dashboard's page routes (see the package docstring).

A page needs a login: without a valid session it redirects to ``/login``. What a user
may do is decided by the API (every command is checked there); the pages only leave out
the controls a role cannot use (a viewer sees no buttons), so nothing is offered that
would be refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from appliance import __version__
from appliance.hub.api.access import visible_room
from appliance.hub.db.records import Role
from appliance.hub.errors import RoomNotFoundError
from appliance.hub.security.deps import current_principal
from appliance.hub.security.roles import COMMAND_ROLE, Principal
from appliance.i18n import normalize_lang, t

HERE: Final = Path(__file__).resolve().parent
LANG_COOKIE: Final = "hub_lang"
LANGS: Final = ("vi", "en")
# Texts the pages' scripts need (the rest is rendered on the server).
SCRIPT_TEXTS: Final = (
    "web.status.healthy", "web.status.warning", "web.status.error", "web.status.offline",
    "web.status.maintenance", "web.status.in_meeting", "web.status.unknown",
    "web.check.never", "web.check.result.pass", "web.check.result.warn",
    "web.check.result.fail", "web.check.result.skip", "web.check.result.none",
    "web.check.running", "web.check.done", "web.check.failed_room", "web.preset.recalled",
    "web.preset.stored", "web.preset.stored_reference", "web.error", "web.offline_since", "web.no_rooms", "web.saved",
    "web.fleet.count", "web.check.items", "web.check.hint", "web.check.evidence",
    "web.check.overall", "web.level.db", "web.room.not_online", "web.csv.room",
    "web.csv.item", "web.csv.status", "web.csv.message", "web.csv.hint", "web.display.on",
    "web.display.off", "web.display.pattern", "web.display.slate",
)  # fmt: skip
# More texts for one page's script only (the page's own file in static/).
ALERTS_TEXTS: Final = (
    "web.alerts.none", "web.alerts.count", "web.alerts.ack", "web.alerts.ack_label",
    "web.alerts.acked", "web.alerts.new", "web.alerts.gone", "web.alert.state.open",
    "web.alert.state.acknowledged", "web.alert.state.resolved", "web.alert.rule.offline",
    "web.alert.rule.device_lost", "web.alert.rule.check_failed", "web.alert.severity.critical",
    "web.alert.severity.warning", "web.alert.failed_items", "web.alert.device",
    "web.alert.reason", "web.alert.acked_line", "web.none",
)  # fmt: skip
SCHEDULE_TEXTS: Final = (
    "web.schedule.nobody", "web.schedule.none", "web.meeting.no_check",
    "web.meeting.see_check", "web.meeting.under_way", "web.meeting.more_rooms",
    "web.meeting.new", "web.meeting.editing", "web.meeting.saved", "web.meeting.deleted",
    "web.meeting.confirm_delete", "web.meeting.edit_label", "web.meeting.delete_label",
    "web.meeting.pick_rooms", "web.meeting.check_started", "web.meeting.in_room",
    "web.ical.done", "web.ical.no_file", "web.edit", "web.delete", "web.yes", "web.no",
    "web.none",
)  # fmt: skip
AUDIT_TEXTS: Final = (
    "web.audit.none", "web.audit.count", "web.audit.outcome.ok", "web.audit.outcome.error",
    "web.none",
)  # fmt: skip
USERS_TEXTS: Final = (
    "web.users.active", "web.users.disabled", "web.users.locked", "web.users.disable",
    "web.users.enable", "web.users.created", "web.users.changed", "web.users.reset_done",
    "web.users.role_of", "web.users.districts_of", "web.role.admin", "web.role.operator",
    "web.role.technician", "web.role.viewer", "web.save",
)  # fmt: skip
ROOMS_ADMIN_TEXTS: Final = (
    "web.rooms_admin.maintenance_on", "web.rooms_admin.maintenance_off",
    "web.rooms_admin.token", "web.rooms_admin.token_label", "web.rooms_admin.token_for",
    "web.rooms_admin.copied", "web.rooms_admin.added", "web.rooms_admin.maintenance_set",
    "web.rooms_admin.maintenance_unset", "web.yes", "web.no",
)  # fmt: skip
SCENES_TEXTS: Final = (
    "web.delete", "web.edit", "web.scenes.choose", "web.scenes.confirm_delete",
    "web.scenes.delete_label", "web.scenes.deleted", "web.scenes.edit_label",
    "web.scenes.editing", "web.scenes.incomplete", "web.scenes.item_camera",
    "web.scenes.item_preset", "web.scenes.item_remove", "web.scenes.item_room",
    "web.scenes.item_text", "web.scenes.need_items", "web.scenes.need_name", "web.scenes.new",
    "web.scenes.outcome.error", "web.scenes.outcome.offline", "web.scenes.outcome.ok",
    "web.scenes.outcome.pending", "web.scenes.outcome.superseded", "web.scenes.recall",
    "web.scenes.recall_label", "web.scenes.recall_of", "web.scenes.recalling",
    "web.scenes.remove", "web.scenes.saved", "web.scenes.summary", "web.scenes.twice",
    "web.scenes.unknown_room",
)  # fmt: skip

router = APIRouter(include_in_schema=False)
_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def page_lang(request: Request) -> str:
    """The cookie's language, else the browser's (Vietnamese when it names neither)."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGS:
        return chosen
    return normalize_lang(request.headers.get("accept-language"))


async def _principal(request: Request) -> Principal | None:
    store = request.app.state.store
    try:
        return await current_principal(request, store)
    except HTTPException:
        return None


def _render(
    request: Request,
    template: str,
    who: Principal | None,
    script_keys: tuple[str, ...] = (),
    **context: Any,
) -> HTMLResponse:
    lang = page_lang(request)
    keys = SCRIPT_TEXTS + script_keys

    def text(key: str, **params: object) -> str:
        return t(key, lang, **params)

    html = _env.get_template(template).render(
        _=text,
        lang=lang,
        other_lang="en" if lang == "vi" else "vi",
        who=who,
        can_command=who is not None and who.at_least(COMMAND_ROLE),
        can_operate=who is not None and who.at_least("operator"),
        is_admin=who is not None and who.at_least("admin"),
        path=request.url.path,
        version=__version__,
        script_texts=json.dumps({k: t(k, lang) for k in keys}, ensure_ascii=False),
        **context,
    )
    return HTMLResponse(
        html,
        headers={
            "Cache-Control": "no-store",
            # Only the hub itself: scripts, styles, pictures, the event stream (no CDN).
            "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
            "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


@router.get("/login", name="page_login")
async def login_page(request: Request) -> Response:
    return _render(request, "login.html", await _principal(request))


@router.get("/", name="page_fleet")
async def fleet_page(request: Request) -> Response:
    who = await _principal(request)
    if who is None:
        return _to_login(request)
    return _render(request, "fleet.html", who)


@router.get("/rooms/{room_id}", name="page_room")
async def room_page(request: Request, room_id: str) -> Response:
    who = await _principal(request)
    if who is None:
        return _to_login(request)
    try:  # a room the user may not see does not exist for them (as in the API)
        await visible_room(request.app.state.store, who, room_id)
    except RoomNotFoundError:
        response = _render(request, "missing.html", who, room_id=room_id)
        response.status_code = 404
        return response
    return _render(request, "room.html", who, room_id=room_id)


@router.get("/checks", name="page_checks")
async def checks_page(request: Request) -> Response:
    who = await _principal(request)
    if who is None:
        return _to_login(request)
    return _render(request, "checks.html", who)


async def _page(
    request: Request, template: str, script_keys: tuple[str, ...], least: Role | None = None
) -> Response:
    """A page for a logged-in user whose role is at least ``least`` (else a 403 page: the
    API refuses the same user anyway)."""
    who = await _principal(request)
    if who is None:
        return _to_login(request)
    if least is not None and not who.at_least(least):
        response = _render(request, "forbidden.html", who)
        response.status_code = 403
        return response
    return _render(request, template, who, script_keys)


@router.get("/alerts", name="page_alerts")
async def alerts_page(request: Request) -> Response:
    return await _page(request, "alerts.html", ALERTS_TEXTS)


@router.get("/schedule", name="page_schedule")
async def schedule_page(request: Request) -> Response:
    return await _page(request, "schedule.html", SCHEDULE_TEXTS)


@router.get("/audit", name="page_audit")
async def audit_page(request: Request) -> Response:
    return await _page(request, "audit.html", AUDIT_TEXTS, least=COMMAND_ROLE)


@router.get("/users", name="page_users")
async def users_page(request: Request) -> Response:
    return await _page(request, "users.html", USERS_TEXTS, least="admin")


@router.get("/admin/rooms", name="page_rooms_admin")
async def rooms_admin_page(request: Request) -> Response:
    return await _page(request, "rooms_admin.html", ROOMS_ADMIN_TEXTS, least="admin")


@router.get("/scenes", name="page_scenes")
async def scenes_page(request: Request) -> Response:
    return await _page(request, "scenes.html", SCENES_TEXTS)


@router.get("/lang/{code}", name="page_lang")
async def set_lang(request: Request, code: str, next: str = "/") -> Response:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if code in LANGS:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="strict")
    return response
