"""VISCA cameras (Sony and compatibles) over RS-232/RS-422, Sony VISCA-over-IP, raw TCP/UDP.

One folder per layer (STYLE.md 13–17), each with its public names in its ``__init__``:

messages/     requests, replies, inquiry decoders — pure, no I/O
transport/    serial, Sony IP and raw TCP/UDP links, framing, ``transport_from_url``
protocol/     ``ViscaPort``: ACK/completion per socket, inquiries, timeouts, retries
camera.py     ``ViscaCamera``: typed camera operations on one address of a port
supervisor.py ``ViscaSupervisor``: reconnects, hotplug ``kick()``, health polls
models.py     ``ModelProfile`` per camera model: ranges, speeds, quirks
sim/          the camera simulator: pty, TCP and UDP servers speaking the real wire
sony_header.py  Sony's VISCA-over-IP header, pure, shared by transport/ and sim/

The simulator shares only the pure wire code with the driver (``messages``,
``sony_header``), never its transport or protocol. The names below are exported lazily
(:mod:`drivers.lazy_exports`): importing the package, or ``drivers.visca.messages``
through it, loads neither pyserial nor the simulator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from drivers.lazy_exports import lazy_exports

if TYPE_CHECKING:  # the real imports for type checkers; at run time see lazy_exports
    from drivers.visca.camera import CameraInfo, Position, ViscaCamera
    from drivers.visca.models import PROFILES, ModelProfile, profile_for, profile_from_version
    from drivers.visca.protocol import ViscaPort
    from drivers.visca.sim import (
        CameraSimulator,
        PtySimulator,
        SimulatorThread,
        TCPSimulator,
        UDPSimulator,
        ViscaSimulator,
        create_simulator,
    )
    from drivers.visca.supervisor import ViscaSupervisor
    from drivers.visca.transport import (
        SUPPORTED_BAUDS,
        RawTCPTransport,
        RawUDPTransport,
        SerialTransport,
        SonyIPTransport,
        Transport,
        transport_from_url,
    )

# exported name -> the submodule that defines it
_EXPORTS: Final[dict[str, str]] = {
    "CameraInfo": "camera",
    "Position": "camera",
    "ViscaCamera": "camera",
    "PROFILES": "models",
    "ModelProfile": "models",
    "profile_for": "models",
    "profile_from_version": "models",
    "ViscaPort": "protocol",
    "CameraSimulator": "sim",
    "PtySimulator": "sim",
    "SimulatorThread": "sim",
    "TCPSimulator": "sim",
    "UDPSimulator": "sim",
    "ViscaSimulator": "sim",
    "create_simulator": "sim",
    "ViscaSupervisor": "supervisor",
    "SUPPORTED_BAUDS": "transport",
    "RawTCPTransport": "transport",
    "RawUDPTransport": "transport",
    "SerialTransport": "transport",
    "SonyIPTransport": "transport",
    "Transport": "transport",
    "transport_from_url": "transport",
}

if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any name as `object`
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "PROFILES",
    "SUPPORTED_BAUDS",
    "CameraInfo",
    "CameraSimulator",
    "ModelProfile",
    "Position",
    "PtySimulator",
    "RawTCPTransport",
    "RawUDPTransport",
    "SerialTransport",
    "SimulatorThread",
    "SonyIPTransport",
    "TCPSimulator",
    "Transport",
    "UDPSimulator",
    "ViscaCamera",
    "ViscaPort",
    "ViscaSimulator",
    "ViscaSupervisor",
    "create_simulator",
    "profile_for",
    "profile_from_version",
    "transport_from_url",
]
