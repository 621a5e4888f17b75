"""The room agent's control API: ``create_app(service, token=...)``.

    /healthz                 no token (liveness for systemd / load balancers)
    /metrics                 Prometheus text format
    /api/v1/openapi.json     the OpenAPI document
    /api/v1/status, /devices, /cameras…, /audio…, /displays…, /checks…, /follow…

Every path but ``/healthz`` needs ``Authorization: Bearer <token>`` (see ``auth.py``).
The lifespan starts the service's devices and stops them, so the API and the hardware
live and die together (STYLE.md §5).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from appliance import __version__
from appliance.agent.api.auth import TokenAuthMiddleware
from appliance.agent.api.errors import install_error_handlers
from appliance.agent.api.metrics import install_metrics
from appliance.agent.api.metrics import router as metrics_router
from appliance.agent.api.models import ErrorOut, HealthOut
from appliance.agent.api.routes import audio, cameras, checks, displays, follow, status
from appliance.agent.service import AgentService

API_PREFIX = "/api/v1"
OPENAPI_URL = f"{API_PREFIX}/openapi.json"

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in (
        (400, "the request body is not valid JSON"),
        (401, "missing or wrong token"),
        (404, "unknown device or check run"),
        (409, "the device rejected the command or cannot do it"),
        (422, "invalid input (a value outside its range or this device's)"),
        (500, "internal error (logged by the agent)"),
        (502, "the device answered outside its protocol"),
        (503, "device or check engine unavailable"),
        (504, "device timeout"),
        (507, "the agent's disk is full (the message says what the device did)"),
    )
}


def create_app(service: AgentService, *, token: str, manage_service: bool = True) -> FastAPI:
    """Build the API for ``service``; with ``manage_service`` the lifespan starts/stops it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if manage_service:
            await service.start()
        try:
            yield
        finally:
            if manage_service:
                await service.stop()

    app = FastAPI(
        title="Room appliance agent",
        version=__version__,
        description="Control API of one conference room (Vietnamese messages by default; "
        "send Accept-Language: en for English).",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.metrics_registry = install_metrics(service)
    install_error_handlers(app)

    v1 = APIRouter(prefix=API_PREFIX, responses=_ERRORS)
    for module in (status, cameras, audio, displays, checks, follow):
        v1.include_router(module.router)
    app.include_router(v1)
    app.include_router(metrics_router, responses={401: _ERRORS[401], 500: _ERRORS[500]})

    @app.get("/healthz", tags=["status"], name="healthz")
    async def healthz() -> HealthOut:
        return HealthOut(status="ok")

    @app.get(OPENAPI_URL, include_in_schema=False, name="openapi")
    async def openapi() -> JSONResponse:
        return JSONResponse(_openapi(app))

    app.add_middleware(TokenAuthMiddleware, token=token)
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"}
        }
        schema["security"] = [{"bearer": []}]
        schema["paths"].get("/healthz", {}).get("get", {})["security"] = []
        app.openapi_schema = schema
    return app.openapi_schema
