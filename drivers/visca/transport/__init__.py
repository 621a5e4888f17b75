"""VISCA transports: move VISCA packets over a serial line, Sony VISCA-over-IP or raw TCP/UDP.

Modules: ``base`` (the ``Transport`` protocol, inbox, resend memory, the one
send/resend/receive), ``framing`` (split a byte stream on ``FF``, pure), ``serial``
(pyserial), ``sony`` (Sony's 8-byte header over UDP), ``raw_ip`` (raw TCP and UDP);
:func:`transport_from_url` here picks one.

This package's transports are the only code that opens ports and sockets (STYLE.md §1).
Each converts OS and library errors once, here at the edge:

    link lost / port missing / busy / refused  → DeviceUnavailableError
    the peer rejected a message at link level   → ProtocolError (Sony IP ``0F 02``)

A transport moves *packets* (``8x … FF`` out, ``y0 … FF`` in). It does not match
requests to replies — that is :mod:`drivers.visca.protocol`. ``send`` returns a token
that ``resend`` accepts: serial and raw links resend the same bytes, Sony IP resends
with the *same* sequence number, which is how a lost ACK is recovered over UDP
(VISCA.md §3.1).

Implementations: :class:`~drivers.visca.transport.serial.SerialTransport`,
:class:`~drivers.visca.transport.sony.SonyIPTransport`,
:class:`~drivers.visca.transport.raw_ip.RawTCPTransport`,
:class:`~drivers.visca.transport.raw_ip.RawUDPTransport`.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from drivers.errors import ConfigError
from drivers.visca.sony_header import DEFAULT_PORT as SONY_DEFAULT_PORT
from drivers.visca.transport.base import (
    RESEND_MEMORY,
    PacketInbox,
    SentPackets,
    Transport,
    check_packet,
)
from drivers.visca.transport.framing import Framer
from drivers.visca.transport.raw_ip import (
    TCP_DEFAULT_PORT,
    UDP_DEFAULT_PORT,
    RawTCPTransport,
    RawUDPTransport,
)
from drivers.visca.transport.serial import DEFAULT_BAUD, SUPPORTED_BAUDS, SerialTransport
from drivers.visca.transport.sony import SonyIPTransport


def transport_from_url(url: str, *, device_id: str | None = None) -> Transport:
    """Build a transport from a URL.

    ``serial:///dev/ttyUSB0?baud=9600``, ``/dev/ttyUSB0`` (9600 baud),
    ``visca-ip://host:52381?local_port=52381``, ``tcp://host:5678``, ``udp://host:1259``.
    Raises ``ConfigError`` naming what is wrong.
    """
    if url.startswith("/"):
        return SerialTransport(url, device_id=device_id)
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    scheme = parts.scheme.lower()
    if scheme == "serial":
        if not parts.path:
            raise ConfigError(f"serial URL without a device path: {url}", key="url")
        return SerialTransport(
            parts.path, baud=_int_param(query, "baud", DEFAULT_BAUD, url), device_id=device_id
        )
    defaults = {"visca-ip": SONY_DEFAULT_PORT, "tcp": TCP_DEFAULT_PORT, "udp": UDP_DEFAULT_PORT}
    if scheme not in defaults:
        raise ConfigError(
            f"unknown VISCA URL scheme {parts.scheme!r} in {url} "
            "(use serial://, visca-ip://, tcp://, udp:// or a /dev path)",
            key="url",
        )
    if not parts.hostname:
        raise ConfigError(f"VISCA URL without a host: {url}", key="url")
    try:
        port = parts.port or defaults[scheme]
    except ValueError:
        raise ConfigError(f"bad port in VISCA URL {url}", key="url") from None
    if scheme == "visca-ip":
        local = query.get("local_port")
        return SonyIPTransport(
            parts.hostname,
            port,
            local_port=_int_param(query, "local_port", 0, url) if local else None,
            device_id=device_id,
        )
    if scheme == "tcp":
        return RawTCPTransport(parts.hostname, port, device_id=device_id)
    return RawUDPTransport(parts.hostname, port, device_id=device_id)


def _int_param(query: dict[str, str], name: str, default: int, url: str) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number in {url}", key="url") from None


__all__ = [
    "DEFAULT_BAUD",
    "RESEND_MEMORY",
    "SUPPORTED_BAUDS",
    "Framer",
    "PacketInbox",
    "RawTCPTransport",
    "RawUDPTransport",
    "SentPackets",
    "SerialTransport",
    "SonyIPTransport",
    "Transport",
    "check_packet",
    "transport_from_url",
]
