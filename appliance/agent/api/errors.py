"""The one place that turns the error tree into HTTP answers (routes never catch).

    UnknownDeviceError / UnknownCheckRunError → 404   DeviceUnavailableError → 503
    DeviceTimeoutError → 504   CommandRejectedError / NotSupportedError → 409
    ProtocolError → 502   DiskFullError → 507   malformed JSON → 400
    request validation → 422   wrong method → 405 (Allow: every method of the path)
    anything else → 500 (logged; the connection stays usable, see InternalErrorMiddleware)

A WebSocket with a bad parameter is accepted and closed at once with 4422 and the reason,
so a client can tell it from a refused token (the handshake's 403) and from an unknown
device (4404).
    CommandSupersededError → 409 "superseded" (a newer command took over; not done)
    LineNoiseError → 502 "line_noise"   ProtocolError → 502   request validation → 422   anything else → 500 (logged)

Body: ``{"error": code, "message": text, "device": id, "operation": op}``; the message is
Vietnamese unless the client sends ``Accept-Language: en``.
"""

from __future__ import annotations

import logging
from typing import Final

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError, WebSocketRequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from appliance.agent.errors import (
    CameraInStandbyError,
    CheckEngineUnavailableError,
    DiskFullError,
    InvalidRequestError,
    MoveInterruptedError,
    PresetNameTakenError,
    UnknownCheckRunError,
    UnknownDeviceError,
)
from appliance.i18n import normalize_lang, t
from appliance.i18n.validation import translate_validation
from drivers.errors import (
    CommandRejectedError,
    CommandSupersededError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    LineNoiseError,
    NotSupportedError,
    ProtocolError,
)

log = logging.getLogger(__name__)

# Most specific first: CheckEngineUnavailableError is a DeviceUnavailableError.
_DEVICE_ERRORS: Final[tuple[tuple[type[DeviceError], int, str], ...]] = (
    (UnknownDeviceError, 404, "not_found"),
    (DiskFullError, 507, "disk_full"),
    (InvalidRequestError, 422, "invalid_input"),
    (PresetNameTakenError, 409, "conflict"),
    (CheckEngineUnavailableError, 503, "check_engine_unavailable"),
    (DeviceUnavailableError, 503, "device_unavailable"),
    (DeviceTimeoutError, 504, "device_timeout"),
    (CameraInStandbyError, 409, "camera_standby"),
    (CommandSupersededError, 409, "superseded"),
    (MoveInterruptedError, 409, "interrupted"),
    (CommandRejectedError, 409, "command_rejected"),
    (NotSupportedError, 409, "not_supported"),
    (LineNoiseError, 502, "line_noise"),
    (ProtocolError, 502, "protocol_error"),
)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(DeviceError, _device_error)  # type: ignore[arg-type]
    app.add_exception_handler(UnknownCheckRunError, _unknown_run)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(
        WebSocketRequestValidationError,
        _websocket_validation_error,  # type: ignore[arg-type]
    )
    app.add_middleware(InternalErrorMiddleware)


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


def device_error_text(exc: DeviceError, lang: str, operation: str | None = None) -> str:
    """The error's message as the API answers it, in ``lang``."""
    _status, code = classify(exc)
    if code == "device_error":
        return str(exc)
    return t(
        f"agent.error.{code}",
        lang,
        device=exc.device_id,
        operation=operation or exc.operation or "",
        detail=exc.detail,
        path=getattr(exc, "path", ""),
    )


async def _device_error(request: Request, exc: DeviceError) -> JSONResponse:
    status, code = classify(exc)
    operation = exc.operation or operation_of(request)
    message = device_error_text(exc, request_lang(request), operation)
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


def _problems(
    exc: RequestValidationError | WebSocketRequestValidationError, lang: str = "vi"
) -> str:
    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        msg = translate_validation(str(err.get("msg", "invalid")), lang)  # no English tail
        problems.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(problems) or "invalid request"


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    device = next((str(v) for k, v in request.path_params.items() if k.endswith("_id")), None)
    operation = operation_of(request)
    lang = request_lang(request)
    malformed = [e for e in exc.errors() if e.get("type") == "json_invalid"]
    if malformed:
        ctx = malformed[0].get("ctx") or {}
        detail = str(ctx.get("error", "JSON decode error"))
        message = t("agent.error.malformed_json", lang, operation=operation, detail=detail)
        body = error_body("malformed_json", message, device=device, operation=operation)
        return JSONResponse(body, status_code=400)
    message = t("agent.error.invalid_input", lang, operation=operation, detail=_problems(exc, lang))
    body = error_body("invalid_input", message, device=device, operation=operation)
    return JSONResponse(body, status_code=422)


# RFC 6455 §7.4.2: 4000–4999 are the application's own close codes.
WS_INVALID_PARAMETER: Final = 4422


async def _websocket_validation_error(
    websocket: WebSocket, exc: WebSocketRequestValidationError
) -> None:
    """Accept, then close with 4422 and the reason: closing before accept turns into the
    same HTTP 403 a refused token gets, and the client could not tell them apart."""
    await websocket.accept()
    await websocket.close(WS_INVALID_PARAMETER, reason=_problems(exc)[:WS_REASON_MAX])


WS_REASON_MAX: Final = 120  # a close reason must fit a 125-byte control frame


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    lang = request_lang(request)
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        code = "method_not_allowed"
        message = t(
            "agent.error.method_not_allowed",
            lang,
            method=request.method,
            allowed=", ".join(allowed),
        )
    elif exc.status_code == 404:
        code = "not_found"
        message = t("agent.error.route_not_found", lang, path=request.url.path)
    else:
        code, message = "http_error", str(exc.detail)
    return JSONResponse(
        error_body(code, message, device=None, operation=f"{request.method} {request.url.path}"),
        status_code=exc.status_code,
        headers=headers,
    )


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes on this path (Starlette names only the first
    matching route's, e.g. ``GET`` for a path that also takes ``PUT``)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.path and route.methods and compile_path(route.path)[0].match(request.url.path):
            methods.update(route.methods)
    return sorted(methods)


class InternalErrorMiddleware:
    """Answer an unexpected exception with a logged 500 and keep the connection.

    Starlette's own last-resort handler sends the 500 and then re-raises, and uvicorn
    closes a keep-alive connection after an exception: a client that reuses it finds it
    gone (issue 7). Here the exception ends with the 500; nothing is re-raised."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            request = Request(scope)
            operation = operation_of(request)
            log.error("%s failed: %s", operation, exc, exc_info=exc)
            if started:
                raise  # half a response is out: only closing the connection is honest
            message = t("agent.error.internal", request_lang(request), operation=operation)
            response = JSONResponse(
                error_body("internal", message, device=None, operation=operation),
                status_code=500,
            )
            await response(scope, receive, send)
