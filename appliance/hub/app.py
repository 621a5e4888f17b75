"""The hub's FastAPI app: ``create_app(settings) -> FastAPI``.

    /healthz                       liveness (no login)
    /api/v1/enrol                  a room exchanges its one-time token for a secret
    /api/v1/link                   the agents' WebSocket (Bearer room secret)
    /api/v1/events                 Server-Sent Events for screens (login)
    /api/v1/rooms…, /checks…, /scenes…, /meetings…, /reports…, /auth…, /users…, /audit…
                                   (login or API token)

The lifespan opens the store (upgrading the schema), starts the presence flush and
stops everything in order: links closed, fleet checks cancelled, presence flushed one
last time, store closed. Errors map to HTTP in one place (docs/LINK.md §4): a room's
``ErrorInfo.kind`` → 503/504/409/422/404/500, the store's errors → their status.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from appliance import __version__
from appliance.hub.alerts import config as alerts_config_mod
from appliance.hub.alerts.delivery import DeliveryWorker
from appliance.hub.alerts.engine import AlertEngine
from appliance.hub.api.responses import AUTH_ERRORS, ERRORS
from appliance.hub.cluster import make_cluster
from appliance.hub.errors import CommandError, RoomNotFoundError
from appliance.hub.events import EventBus
from appliance.hub.fleet import Fleet
from appliance.hub.gcwatch import GC_WATCH, keep_frozen
from appliance.hub.link_server import LinkServer
from appliance.hub.presence import Presence
from appliance.hub.schedule import Scheduler
from appliance.hub.security.deps import PrincipalDep
from appliance.hub.settings import HubSettings
from appliance.hub.store import Store
from appliance.i18n import normalize_lang, t
from drivers.supervision import cancel_and_wait

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
OPENAPI_URL = f"{API_PREFIX}/openapi.json"
ACCOUNT_ROUTES = ("auth", "users", "rooms_admin", "audit")


def create_app(
    settings: HubSettings,
    *,
    store: Store | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The hub for ``settings``; ``store`` lets a test share one already open store,
    ``clock`` lets it move the meeting schedule's time (appliance/hub/schedule.py)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_store = store is None
        st = (
            store
            if store is not None
            else await Store.open(settings.database_url, evidence_dir=settings.evidence_dir)
        )
        settings.evidence_dir.mkdir(parents=True, exist_ok=True)
        # Links a hub that died left open end now (appliance/hub/db/history.py).
        if (closed := await st.close_dangling_link_sessions(settings.replica_id)) > 0:
            log.info("%d link sessions left open by the last run closed at start", closed)
        bus = EventBus()
        presence = Presence(bus)
        links = LinkServer(st, presence, bus, settings)
        fleet = Fleet(links, st, bus, settings)
        scheduler = Scheduler(st, fleet, bus, clock=clock, tick_s=settings.schedule_tick_s)
        fleet.busy = lambda room_id: (
            occ.meeting.title if (occ := scheduler.in_meeting(room_id)) is not None else None
        )
        links.metrics.watch_schedule(presence, scheduler.rooms_in_meeting)
        alerts_config = (
            alerts_config_mod.load(settings.alerts_file, external_url=settings.public_url or "")
            if settings.alerts_file is not None
            else alerts_config_mod.AlertsConfig(external_url=settings.public_url or "")
        )
        links.metrics.channels(alerts_config.channels)
        deliveries = DeliveryWorker(st, alerts_config, links.metrics)
        alert_engine = AlertEngine(
            st,
            bus,
            presence,
            alerts_config,
            wake=deliveries.wake,
            metrics=links.metrics,
            startup_grace_s=settings.offline_after_s + alerts_config.rules.offline_hold_s,
        )
        cluster = make_cluster(settings)
        links.cluster = cluster

        async def lead() -> None:  # once across hub replicas (cluster leader)
            alert_engine.start()
            deliveries.start()

        async def unlead() -> None:
            await alert_engine.close()
            await deliveries.close()

        links.start()
        await cluster.start(bus, presence, links, st, lead=lead, unlead=unlead)
        scheduler.start()
        app.state.store, app.state.bus, app.state.presence = st, bus, presence
        app.state.links, app.state.fleet, app.state.scheduler = links, fleet, scheduler
        app.state.alerts, app.state.cluster = alert_engine, cluster
        flusher = asyncio.create_task(
            _flush_presence(st, presence, settings), name="presence-flush"
        )
        GC_WATCH.install()
        freezer = (
            asyncio.create_task(keep_frozen(lambda: links.link_count), name="gc-freeze")
            if settings.gc_freeze
            else None
        )
        try:
            yield
        finally:
            await scheduler.close()
            await links.close_all()
            await fleet.close()
            await cluster.close()
            await cancel_and_wait(flusher, what="presence flush")
            if freezer is not None:
                await cancel_and_wait(freezer, what="gc freeze")
            await _flush_once(st, presence)
            if own_store:
                await st.close()
            GC_WATCH.uninstall()

    app = FastAPI(
        title="Room appliance hub",
        version=__version__,
        description="Fleet API of the province's conference rooms (Vietnamese messages by "
        "default; send Accept-Language: en for English).",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    _install_error_handlers(app)
    _include_routes(app)
    from appliance.hub.web import install as install_dashboard

    install_dashboard(app)

    # The API description needs a login like every other route (issue 8: every route
    # refuses anonymous use; only /healthz is open).
    @app.get(OPENAPI_URL, include_in_schema=False, name="openapi")
    async def openapi(_: PrincipalDep) -> JSONResponse:
        return JSONResponse(_openapi(app))

    return app


def _include_routes(app: FastAPI) -> None:
    from appliance.hub.api.routes import (
        alerts,
        checks,
        control,
        enrol,
        events,
        health,
        link,
        meetings,
        metrics,
        reports,
        rooms,
        scenes,
    )

    app.include_router(health.router)
    app.include_router(metrics.router, responses=AUTH_ERRORS)
    v1 = APIRouter(prefix=API_PREFIX, responses=ERRORS)
    for module in (enrol, link, events, rooms, control, checks, scenes, reports, meetings, alerts):
        v1.include_router(module.router)
    # The accounts/admin half (hub-store): included once its modules are there.
    for name in ACCOUNT_ROUTES:
        try:
            extra = importlib.import_module(f"appliance.hub.api.routes.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"appliance.hub.api.routes.{name}":
                raise
            continue
        v1.include_router(extra.router)
    app.include_router(v1)


async def _flush_presence(store: Store, presence: Presence, settings: HubSettings) -> None:
    # State changes every presence_flush_s; "only seen again" once per
    # presence_seen_flush_s for each room, a slot of the fleet per flush (the live presence
    # is in memory; the stored last_seen is what a restarted hub shows until the room
    # links again).
    slots = max(1, round(settings.presence_seen_flush_s / settings.presence_flush_s))
    tick = 0
    while True:
        await asyncio.sleep(settings.presence_flush_s)
        await _flush_once(store, presence, seen=(tick % slots, slots))
        tick += 1


async def _flush_once(
    store: Store, presence: Presence, *, seen: bool | tuple[int, int] = True
) -> None:
    records = presence.take_dirty(seen=seen)
    if not records:
        return
    try:
        await store.flush_presence(records)
    except Exception:
        presence.put_back(records)
        log.exception("presence flush of %d rooms failed; retried next time", len(records))


# -- errors ----------------------------------------------------------------------------------


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "message": message, **extra}


def _lang(request: Request) -> str:
    return normalize_lang(request.headers.get("accept-language"))


def _install_error_handlers(app: FastAPI) -> None:
    from appliance.hub.db.errors import StoreError

    async def command_error(request: Request, exc: CommandError) -> JSONResponse:
        message = t(f"hub.command.{exc.kind}", _lang(request), room=exc.room_id, op=exc.op)
        log.info("%s %s → %d %s", request.method, request.url.path, exc.status, exc.kind)
        body = error_body(
            exc.kind,
            message,
            detail=exc.info.message,
            room=exc.room_id,
            operation=exc.op,
            device=exc.info.device,
        )
        return JSONResponse(body, status_code=exc.status)

    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        body = error_body(exc.kind, exc.text(_lang(request)), detail=str(exc))
        return JSONResponse(body, status_code=exc.http_status)

    async def room_not_found(request: Request, exc: RoomNotFoundError) -> JSONResponse:
        message = t("hub.room.not_found", _lang(request), room=exc.room_id)
        return JSONResponse(error_body("not_found", message, room=exc.room_id), status_code=404)

    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg")))
        detail = "; ".join(problems) or "invalid request"
        message = t("hub.error.invalid", _lang(request), detail=detail)
        return JSONResponse(error_body("invalid", message, detail=detail), status_code=422)

    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
        }.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed: %s", request.method, request.url.path, exc, exc_info=exc)
        message = t("hub.error.internal", _lang(request))
        return JSONResponse(error_body("internal", message), status_code=500)

    app.add_exception_handler(CommandError, command_error)  # type: ignore[arg-type]
    app.add_exception_handler(StoreError, store_error)  # type: ignore[arg-type]
    app.add_exception_handler(RoomNotFoundError, room_not_found)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, internal_error)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "hub_session"},
        }
        schema["security"] = [{"bearer": []}, {"session": []}]
        app.openapi_schema = schema
    return app.openapi_schema
