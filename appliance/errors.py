"""The appliance's exception tree: the drivers' tree, re-exported (see ``drivers.errors``)."""

from __future__ import annotations

from drivers.errors import (
    ApplianceError,
    CommandRejectedError,
    ConfigError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    NotSupportedError,
    ProtocolError,
)

__all__ = [
    "ApplianceError",
    "CommandRejectedError",
    "ConfigError",
    "DeviceError",
    "DeviceTimeoutError",
    "DeviceUnavailableError",
    "NotSupportedError",
    "ProtocolError",
]
