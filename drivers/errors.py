"""The one exception tree for every driver (and, re-exported, for the appliance).

    ApplianceError
     ├── ConfigError                      bad configuration (file, key, what is wrong)
     └── DeviceError(device_id)           something about one device
          ├── DeviceUnavailableError      unplugged, port missing/busy, no server, marked unavailable
          ├── DeviceTimeoutError          no (complete) answer within the timeout; also a TimeoutError
          ├── ProtocolError               the device answered something we cannot make sense of
          │    └── LineNoiseError         only noise came back (baud rate, cable)
          ├── CommandRejectedError        the device refused the command (e.g. VISCA error code)
          ├── CommandSupersededError      another command took over before this one finished
          └── NotSupportedError           the device/model cannot do this

The control API maps these once: unavailable → 503, timeout → 504, rejected → 409,
not supported → 409 (with its own code), superseded → 409 ("superseded by …"),
invalid input → 422.
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


class LineNoiseError(ProtocolError):
    """Bytes came back, but no valid answer: a wrong baud rate or a bad cable, not a dead
    device."""


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


class CommandSupersededError(DeviceError):
    """A newer command took over what this one was doing (a second preset recall, a
    stop) before it finished: it was not done, and it was not refused either.
    ``superseded_by`` names the command that took over."""

    def __init__(
        self, device_id: str, message: str, *, superseded_by: str, operation: str | None = None
    ) -> None:
        self.superseded_by = superseded_by
        super().__init__(device_id, message, operation=operation)


class NotSupportedError(DeviceError):
    """The device or its model cannot do this."""
