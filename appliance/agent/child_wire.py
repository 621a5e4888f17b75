"""Errors across the pipe of the agent's device children (``video.py``, ``display.py``).

A child answers a failed operation with ``{"error": error_json(exc), …}``; the agent
calls :func:`raise_reported` on the answer and gets the same kind of exception, with the
same message, device and operation — and the ``OSError`` found underneath the child's
error (a full disk) as its cause, so ``errors.is_disk_full`` sees it as before:

    kind         raised here
    timeout      DeviceTimeoutError
    unavailable  DeviceUnavailableError (also for an unknown kind)
    rejected     CommandRejectedError (with its code)
    unsupported  NotSupportedError
    config       ConfigError (path, key)
    value        ValueError
    os           OSError (errno, strerror, filename)
"""

from __future__ import annotations

import asyncio
import contextlib
import errno as errno_codes
import json
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Final

from drivers.errors import (
    CommandRejectedError,
    ConfigError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    NotSupportedError,
)

# Errors a child reports (anything else is a bug there and ends it).
REPORTED: Final = (ConfigError, DeviceError, OSError, ValueError)
_KINDS: Final[dict[str, type[DeviceError]]] = {
    "timeout": DeviceTimeoutError,
    "unsupported": NotSupportedError,
    "unavailable": DeviceUnavailableError,
}


def error_json(exc: Exception) -> dict[str, object]:
    """In the child: the error as JSON (see the module docstring)."""
    out: dict[str, object]
    if isinstance(exc, ConfigError):
        out = {"kind": "config", "message": _config_message(exc), "path": exc.path, "key": exc.key}
    elif isinstance(exc, DeviceError):
        out = {
            "kind": _device_kind(exc),
            "message": exc.detail,
            "device_id": exc.device_id,
            "operation": exc.operation,
        }
        if isinstance(exc, CommandRejectedError):
            out["code"] = exc.code
    elif isinstance(exc, OSError):
        out = {"kind": "os", "message": str(exc)}
    else:
        out = {"kind": "value", "message": str(exc)}
    seen: BaseException | None = exc
    while seen is not None:  # the OSError underneath (a full disk), as errors.is_disk_full
        if isinstance(seen, OSError) and not isinstance(seen, DeviceError):
            filename = seen.filename
            out["os"] = {
                "errno": seen.errno,
                "strerror": seen.strerror or str(seen),
                "filename": None if filename is None else str(filename),
            }
            break
        seen = seen.__cause__ or seen.__context__
    return out


def raise_reported(header: dict[str, Any], device_id: str) -> None:
    """In the agent: raise the error an answer reports (nothing when it reports none)."""
    error = header.get("error")
    if not isinstance(error, dict):
        return
    message = str(error.get("message", "error in the child process"))
    kind = str(error.get("kind"))
    os_error = _os_error(error.get("os"))
    if kind == "os" and os_error is not None:
        raise os_error
    exc: Exception
    device = str(error.get("device_id") or device_id)
    operation = error.get("operation")
    if kind == "config":
        exc = ConfigError(message, path=error.get("path"), key=error.get("key"))
    elif kind == "value":
        exc = ValueError(message)
    elif kind == "rejected":
        code = error.get("code")
        exc = CommandRejectedError(
            device, message, code=code if isinstance(code, int) else None, operation=operation
        )
    else:
        exc = _KINDS.get(kind, DeviceUnavailableError)(device, message, operation=operation)
    if os_error is not None:
        raise exc from os_error  # is_disk_full() looks underneath
    raise exc


def _device_kind(exc: DeviceError) -> str:
    if isinstance(exc, DeviceTimeoutError):
        return "timeout"
    if isinstance(exc, CommandRejectedError):
        return "rejected"
    if isinstance(exc, NotSupportedError):
        return "unsupported"
    return "unavailable"


def _os_error(fields: object) -> OSError | None:
    if not isinstance(fields, dict):
        return None
    code = fields.get("errno")
    return OSError(
        code if isinstance(code, int) else errno_codes.EIO,
        str(fields.get("strerror") or "I/O error"),
        fields.get("filename"),
    )


def _config_message(exc: ConfigError) -> str:
    """The message a ConfigError was made with (its str() carries ``path: key: `` too)."""
    text = str(exc)
    prefix = ": ".join(p for p in (exc.path, exc.key) if p)
    return text[len(prefix) + 2 :] if prefix and text.startswith(prefix + ": ") else text


def run_child(
    serve: Callable[[dict[str, Any]], Coroutine[Any, Any, None]], argv: Sequence[str]
) -> int:
    """A child's ``main``: ``serve`` its JSON config (``argv[0]``) until the agent closes
    the pipe (the video and display children, appliance/agent/video.py and display.py)."""
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    with contextlib.suppress(BrokenPipeError):  # the agent stopped listening
        asyncio.run(serve(json.loads(argv[0])))
    return 0
