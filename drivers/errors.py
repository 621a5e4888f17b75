"""The one exception tree for every driver (and, re-exported, for the appliance).

    ApplianceError
     ├── ConfigError                      bad configuration (file, key, what is wrong)
     └── DeviceError(device_id)           something about one device
          ├── DeviceUnavailableError      unplugged, port missing/busy, no server, marked unavailable
          ├── DeviceTimeoutError          no (complete) answer within the timeout; also a TimeoutError
          ├── ProtocolError               the device answered something we cannot make sense of
          ├── CommandRejectedError        the device refused the command (e.g. VISCA error code)
          └── NotSupportedError           the device/model cannot do this

The control API maps these once: unavailable → 503, timeout → 504, rejected → 409,
not supported → 409 (with its own code), invalid input → 422.
Messages name the device and the operation; they never contain secrets.
"""

from __future__ import annotations


class ApplianceError(Exception):
    """Base of every error the appliance raises on purpose."""


class ConfigError(ApplianceError):
    """The configuration is invalid; the message names the file and the key."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        self.path = path
        self.key = key
        where = ""
        if path and key:
            where = f"{path}: {key}: "
        elif path:
            where = f"{path}: "
        elif key:
            where = f"{key}: "
        super().__init__(f"{where}{message}")


class DeviceError(ApplianceError):
    """An error concerning one device, named by its id (e.g. ``cam1``, ``/dev/ttyUSB0``)."""

    def __init__(self, device_id: str, message: str, *, operation: str | None = None) -> None:
        self.device_id = device_id
        self.operation = operation
        self.detail = message
        prefix = f"{device_id}"
        if operation:
            prefix += f" ({operation})"
        super().__init__(f"{prefix}: {message}")


class DeviceUnavailableError(DeviceError):
    """The device is not there or not usable now: unplugged, busy, no permission, no server."""


class DeviceTimeoutError(DeviceError, TimeoutError):
    """The device did not answer (completely) within the timeout."""


class ProtocolError(DeviceError):
    """The device answered something that does not fit the protocol."""


class CommandRejectedError(DeviceError):
    """The device refused the command; ``code`` carries the device's own error code."""

    def __init__(
        self,
        device_id: str,
        message: str,
        *,
        code: int | None = None,
        operation: str | None = None,
    ) -> None:
        self.code = code
        super().__init__(device_id, message, operation=operation)


class NotSupportedError(DeviceError):
    """The device or its model cannot do this."""
