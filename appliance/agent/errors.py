"""Errors the agent adds to the drivers' tree (``drivers.errors``), for the control API.

DeviceError
 ├── UnknownDeviceError              no configured device with that id      → 404
 ├── PresetNameTakenError            the name already names another preset  → 409
 ├── CommandRejectedError
 │    ├── CameraInStandbyError         refused because the camera is off      → 409
 │    └── MoveInterruptedError         a move ended before its target (stop)  → 409
 └── DeviceUnavailableError
      ├── CheckEngineUnavailableError  the readiness-check engine is not there → 503
      └── CheckRunCancelledError       the run was cancelled (the agent stops)  → 503
DeviceError
 └── DiskFullError                   the state disk is full (what the device did is said) → 507
UnknownCheckRunError (ApplianceError)  no check run with that id             → 404
"""

from __future__ import annotations

import errno

from drivers.errors import (
    ApplianceError,
    CommandRejectedError,
    DeviceError,
    DeviceUnavailableError,
)


class UnknownDeviceError(DeviceError):
    """No device with this id is configured in this room."""


class PresetNameTakenError(DeviceError):
    """Storing a preset under a name that already names another preset of the camera:
    taking it over silently would make the old name recall a different view."""

    def __init__(self, device_id: str, name: str, number: int) -> None:
        self.name = name
        self.number = number
        super().__init__(
            device_id,
            f"the name {name!r} already names preset {number}; choose another name, or "
            f"store preset {number} again under a new name first",
            operation="preset_store",
        )


class CameraInStandbyError(CommandRejectedError):
    """The camera refused a command (VISCA 41) because it is in standby: say that, not
    the generic "not executable now (standby, menu open, or busy)"."""

    def __init__(self, device_id: str, operation: str) -> None:
        super().__init__(
            device_id,
            "the camera is in standby: switch it on first",
            code=0x41,
            operation=operation,
        )


class MoveInterruptedError(CommandRejectedError):
    """An absolute move ended away from its target: a stop or another move overtook it.
    Answering 200 with the position would report an unfinished move as done."""

    def __init__(self, device_id: str, operation: str, *, target: str) -> None:
        self.target = target
        super().__init__(
            device_id,
            f"the move to {target} was interrupted (a stop or another move) before it arrived",
            operation=operation,
        )


class CheckEngineUnavailableError(DeviceUnavailableError):
    """``service.checks`` is not set: the check engine is not installed or not started."""

    def __init__(self, operation: str) -> None:
        super().__init__("checks", "check engine not available", operation=operation)


class CheckRunCancelledError(DeviceUnavailableError):
    """A check run was cancelled before it finished (the agent is stopping)."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(
            "checks",
            f"check run {run_id} was cancelled: the agent is stopping",
            operation="checks_result",
        )


class UnknownCheckRunError(ApplianceError):
    """No check run with this id (never started, or dropped from the history)."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(f"no check run {run_id!r}")


class InvalidRequestError(DeviceError):
    """The request's values do not fit this device (a range of its model, an unknown preset)."""


class DiskFullError(DeviceError):
    """Writing the agent's own files failed for want of space (ENOSPC). The message says
    what the device itself did (the camera stored the preset) and ``path`` where to free
    space; never a bare 500."""

    def __init__(self, device_id: str, detail: str, path: str, *, operation: str) -> None:
        self.path = path
        super().__init__(device_id, detail, operation=operation)


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC, also when a driver wrapped it (``ConfigError("cannot write…") from None``
    keeps the OSError as the context)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def written_path(exc: BaseException) -> str | None:
    """The file a failed write was for: ``OSError.filename`` or ``ConfigError.path``."""
    path = getattr(exc, "filename", None) or getattr(exc, "path", None)
    return None if path is None else str(path)
