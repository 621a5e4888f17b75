"""The one place that turns the error tree into HTTP answers (routes never catch).

    UnknownDeviceError / UnknownCheckRunError → 404   DeviceUnavailableError → 503
    DeviceTimeoutError → 504   CommandRejectedError / NotSupportedError → 409
    ProtocolError → 502   request validation → 422   anything else → 500 (logged)

Body: ``{"error": code, "message": text, "device": id, "operation": op}``; the message is
Vietnamese unless the client sends ``Accept-Language: en``.
"""

from __future__ import annotations

import logging
from typing import Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from appliance.agent.errors import (
    CheckEngineUnavailableError,
    InvalidRequestError,
    UnknownCheckRunError,
    UnknownDeviceError,
)
from appliance.i18n import normalize_lang, t
from drivers.errors import (
    CommandRejectedError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    NotSupportedError,
    ProtocolError,
)

log = logging.getLogger(__name__)

# Most specific first: CheckEngineUnavailableError is a DeviceUnavailableError.
_DEVICE_ERRORS: Final[tuple[tuple[type[DeviceError], int, str], ...]] = (
    (UnknownDeviceError, 404, "not_found"),
    (InvalidRequestError, 422, "invalid_input"),
    (CheckEngineUnavailableError, 503, "check_engine_unavailable"),
    (DeviceUnavailableError, 503, "device_unavailable"),
    (DeviceTimeoutError, 504, "device_timeout"),
    (CommandRejectedError, 409, "command_rejected"),
    (NotSupportedError, 409, "not_supported"),
    (ProtocolError, 502, "protocol_error"),
)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(DeviceError, _device_error)  # type: ignore[arg-type]
    app.add_exception_handler(UnknownCheckRunError, _unknown_run)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal_error)


def error_body(
    code: str, message: str, *, device: str | None, operation: str | None
) -> dict[str, str | None]:
    return {"error": code, "message": message, "device": device, "operation": operation}


def request_lang(request: Request) -> str:
    return normalize_lang(request.headers.get("accept-language"))


def operation_of(request: Request) -> str:
    """The route's name (``camera_preset_recall``), the operation a client asked for."""
    route = request.scope.get("route")
    name = getattr(route, "name", None)
    return str(name) if name else f"{request.method} {request.url.path}"


def classify(exc: DeviceError | UnknownCheckRunError) -> tuple[int, str]:
    """(HTTP status, error code) of an error of the tree; the hub link maps the same
    statuses to its error kinds (appliance/agent/link/commands.py)."""
    if isinstance(exc, UnknownCheckRunError):
        return 404, "not_found"
    for cls, cls_status, cls_code in _DEVICE_ERRORS:
        if isinstance(exc, cls):
            return cls_status, cls_code
    return 500, "device_error"


async def _device_error(request: Request, exc: DeviceError) -> JSONResponse:
    status, code = classify(exc)
    operation = exc.operation or operation_of(request)
    key = f"agent.error.{code}"
    message = t(
        key, request_lang(request), device=exc.device_id, operation=operation, detail=exc.detail
    )
    if code == "device_error":
        message = str(exc)
    log.info("%s %s → %d %s: %s", request.method, request.url.path, status, code, exc)
    return JSONResponse(
        error_body(code, message, device=exc.device_id, operation=operation), status_code=status
    )


async def _unknown_run(request: Request, exc: UnknownCheckRunError) -> JSONResponse:
    message = t("agent.error.check_not_found", request_lang(request), device=exc.run_id)
    return JSONResponse(
        error_body("not_found", message, device=None, operation=operation_of(request)),
        status_code=404,
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        problems.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg")))
    detail = "; ".join(problems) or "invalid request"
    device = next((str(v) for k, v in request.path_params.items() if k.endswith("_id")), None)
    operation = operation_of(request)
    message = t(
        "agent.error.invalid_input", request_lang(request), operation=operation, detail=detail
    )
    body = error_body("invalid_input", message, device=device, operation=operation)
    return JSONResponse(body, status_code=422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(
            code, str(exc.detail), device=None, operation=f"{request.method} {request.url.path}"
        ),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    operation = operation_of(request)
    log.error("%s failed: %s", operation, exc, exc_info=exc)
    message = t("agent.error.internal", request_lang(request), operation=operation)
    return JSONResponse(
        error_body("internal", message, device=None, operation=operation), status_code=500
    )
