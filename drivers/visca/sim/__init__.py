"""VISCA camera simulator: a fake camera chain that speaks the real wire format.

A product feature (demo, training, tests) in the spirit of pyatv's fake device: a real
asyncio server with state that answers the bytes a Sony camera would.

    async with PtySimulator(cameras=2, model="srg-300h", baud=9600) as sim:
        print(sim.path)                      # open it like /dev/ttyUSB0
        sim.camera(1).state.pan_deg          # live state (the video simulator renders it)
        sim.drop_next_ack()                  # scripted faults

Modules: ``camera`` (one camera: sockets, state, timing rules, and its command and
inquiry handlers as methods), ``settings`` (image/system settings, table-driven),
``motion`` (axes over time), ``state`` (snapshots, faults, reply codes), ``engine``
(daisy chain routing, one message per frame), ``sony_ip`` (camera side of Sony's
header, on the shared pure :mod:`drivers.visca.sony_header`), ``link`` (camera-side
framing, paced output, the pty), ``server`` / ``net`` (pty, TCP, UDP), ``thread``
(background thread). The simulator never imports the driver's transport or protocol
(STYLE.md 15); it shares only the pure wire code (``messages``, ``sony_header``).
``appliance sim visca`` runs one in the foreground.
"""

from __future__ import annotations

from typing import Any, Final

from drivers.visca.sim.camera import (
    ONE_PUSH_WB_S,
    PAN_TILT_RESET_S,
    POWER_TRANSITION_S,
    CameraSimulator,
)
from drivers.visca.sim.engine import ChainEngine, Outgoing
from drivers.visca.sim.net import (
    DEFAULT_RAW_UDP_PORT,
    DEFAULT_SONY_PORT,
    DEFAULT_TCP_PORT,
    TCPSimulator,
    UDPSimulator,
)
from drivers.visca.sim.server import LOOPBACK, PtySimulator, ViscaSimulator
from drivers.visca.sim.sony_ip import SonyIPFrontEnd
from drivers.visca.sim.state import CameraState, Faults, Preset
from drivers.visca.sim.thread import SimulatorThread

PORT_KINDS: Final = ("pty", "tcp", "udp", "sony-udp")


def parse_port_spec(spec: str) -> tuple[str, int | None]:
    """``pty`` / ``tcp:PORT`` / ``udp:PORT`` / ``sony-udp:PORT`` → (kind, port).

    A missing port means the kind's usual port (5678, 1259, 52381); ``0`` a free one.
    Raises ``ValueError`` with a clear message for anything else.
    """
    kind, _, port_text = spec.strip().lower().partition(":")
    if kind not in PORT_KINDS:
        raise ValueError(
            f"port must be one of pty, tcp:PORT, udp:PORT, sony-udp:PORT; got {spec!r}"
        )
    if kind == "pty":
        if port_text:
            raise ValueError(f"'pty' takes no port number; got {spec!r}")
        return kind, None
    if not port_text:
        return kind, {"tcp": DEFAULT_TCP_PORT, "udp": DEFAULT_RAW_UDP_PORT}.get(
            kind, DEFAULT_SONY_PORT
        )
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"port number must be 0–65535; got {port_text!r}")
    return kind, int(port_text)


def create_simulator(spec: str, cameras: int = 1, **options: Any) -> ViscaSimulator:
    """Build (not start) the simulator a port spec asks for (see :func:`parse_port_spec`)."""
    kind, port = parse_port_spec(spec)
    if kind == "pty":
        return PtySimulator(cameras, **options)
    assert port is not None  # noqa: S101 - parse_port_spec gives network kinds a port
    if kind == "tcp":
        return TCPSimulator(cameras, port=port, **options)
    return UDPSimulator(cameras, port=port, sony_header=kind == "sony-udp", **options)


__all__ = [
    "LOOPBACK",
    "ONE_PUSH_WB_S",
    "PAN_TILT_RESET_S",
    "PORT_KINDS",
    "POWER_TRANSITION_S",
    "CameraSimulator",
    "CameraState",
    "ChainEngine",
    "Faults",
    "Outgoing",
    "Preset",
    "PtySimulator",
    "SimulatorThread",
    "SonyIPFrontEnd",
    "TCPSimulator",
    "UDPSimulator",
    "ViscaSimulator",
    "create_simulator",
    "parse_port_spec",
]
