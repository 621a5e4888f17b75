"""A fake udev broadcaster: sends what systemd-udevd sends on netlink group 2.

PLATFORM.md Infra 2 Recipe A. A real ``pyudev.Monitor(source="udev")`` (and its
kernel-side BPF subsystem/tag filters) receives these messages exactly as if udevd had
processed a real USB plug. Needs root (only root may send to the udev group; libudev
also drops messages whose sender is not uid 0).

Wire format (systemd src/libsystemd/sd-device/device-monitor.c, ``monitor_netlink_header``):

    "libudev\\0" | magic 0xfeedcafe (big endian) | header_size | properties_off |
    properties_len (native) | subsystem hash | devtype hash | tag bloom hi | tag bloom lo
    (big endian), then ``KEY=value\\0`` pairs.

The hashes are systemd's ``string_hash32()`` (MurmurHash2, seed 0); the kernel BPF
filter compares them, so a wrong hash means the event is silently filtered out.

Gotchas (PLATFORM.md): DEVNAME must start with ``/dev/`` or libudev *in the receiving
process* hits an assertion and aborts it (SIGABRT) — :func:`send_udev_event` refuses
such events. The broadcast is host-wide: parallel test processes see each other's
events, so tests must match on a unique property (see :func:`unique_token`).
"""

from __future__ import annotations

import itertools
import os
import socket
import struct
import uuid
from collections.abc import Iterable, Mapping

NETLINK_KOBJECT_UEVENT = 15
UDEV_MONITOR_GROUP = 2  # group 1 is the kernel's, group 2 is udevd's
UDEV_MONITOR_MAGIC = 0xFEEDCAFE
_HEADER_SIZE = 40

# SEQNUMs far above what the kernel has reached on this VM, distinct per process.
_seq = itertools.count(1_000_000 + (os.getpid() % 10_000) * 10_000)


def murmur2(data: bytes) -> int:
    """systemd ``string_hash32()``: MurmurHash2, seed 0 (hashes subsystem, devtype, tags)."""
    m = 0x5BD1E995
    h = len(data) & 0xFFFFFFFF
    n = len(data) // 4
    for i in range(n):
        k = (struct.unpack_from("<I", data, 4 * i)[0] * m) & 0xFFFFFFFF
        k = ((k ^ (k >> 24)) * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail = data[4 * n :]
    if len(tail) >= 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if tail:
        h = ((h ^ tail[0]) * m) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * m) & 0xFFFFFFFF
    return h ^ (h >> 15)


def _bloom(tags: Iterable[str]) -> int:
    bits = 0
    for tag in tags:
        h = murmur2(tag.encode())
        for shift in (0, 6, 12, 18):
            bits |= 1 << ((h >> shift) & 63)
    return bits


def unique_token() -> str:
    """A value no other test process will use (match events on it)."""
    return f"T{os.getpid()}{uuid.uuid4().hex[:8].upper()}"


def build_message(
    action: str,
    devpath: str,
    subsystem: str,
    *,
    devtype: str | None = None,
    tags: Iterable[str] = (),
    properties: Mapping[str, str | bytes] | None = None,
) -> bytes:
    """The datagram udevd would send for this event (no validation of DEVNAME)."""
    tag_list = list(tags)
    env: dict[str, str | bytes] = {
        "ACTION": action,
        "DEVPATH": devpath,
        "SUBSYSTEM": subsystem,
        "SEQNUM": str(next(_seq)),
        "USEC_INITIALIZED": "1",
    }
    if devtype:
        env["DEVTYPE"] = devtype
    if tag_list:
        env["TAGS"] = env["CURRENT_TAGS"] = ":" + ":".join(tag_list) + ":"
    env.update(properties or {})
    body = b"".join(
        k.encode() + b"=" + (v if isinstance(v, bytes) else str(v).encode()) + b"\0"
        for k, v in env.items()
    )
    bloom = _bloom(tag_list)
    header = (
        b"libudev\0"
        + struct.pack(">I", UDEV_MONITOR_MAGIC)
        + struct.pack("=III", _HEADER_SIZE, _HEADER_SIZE, len(body))
        + struct.pack(
            ">IIII",
            murmur2(subsystem.encode()),
            murmur2(devtype.encode()) if devtype else 0,
            bloom >> 32,
            bloom & 0xFFFFFFFF,
        )
    )
    return header + body


def send_raw(datagram: bytes) -> None:
    """Broadcast any bytes on the udev group (for malformed-message tests)."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_KOBJECT_UEVENT) as s:
        s.bind((0, 0))
        s.sendto(datagram, (0, UDEV_MONITOR_GROUP))


def send_udev_event(
    action: str,
    devpath: str,
    subsystem: str,
    *,
    devtype: str | None = None,
    tags: Iterable[str] = (),
    **properties: str | bytes,
) -> None:
    """Broadcast one udev event, e.g. a USB serial adapter whose node is a pty.

    ``send_udev_event("add", "/devices/.../ttyUSB0/tty/ttyUSB0", "tty",
    DEVNAME="/dev/pts/3", ID_BUS="usb", ID_VENDOR_ID="0403", ...)``
    """
    devname = properties.get("DEVNAME")
    if devname is not None:
        raw = devname if isinstance(devname, bytes) else devname.encode()
        if not raw.startswith(b"/dev/"):
            # libudev asserts on this in the receiver and aborts the whole process.
            raise ValueError(f"DEVNAME must start with /dev/ (got {devname!r})")
    send_raw(
        build_message(action, devpath, subsystem, devtype=devtype, tags=tags, properties=properties)
    )


def usb_serial_adapter(
    token: str,
    device_node: str,
    *,
    vendor_id: str = "0403",
    model_id: str = "6001",
    links: Iterable[str] = (),
) -> dict[str, str]:
    """Properties udevd gives an FTDI FT232R adapter (60-serial.rules + usb_id)."""
    by_id = f"/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_{token}-if00-port0"
    return {
        "DEVNAME": device_node,
        "ID_BUS": "usb",
        "ID_VENDOR": "FTDI",
        "ID_VENDOR_ID": vendor_id,
        "ID_MODEL": "FT232R_USB_UART",
        "ID_MODEL_ID": model_id,
        "ID_SERIAL": f"FTDI_FT232R_USB_UART_{token}",
        "ID_SERIAL_SHORT": token,
        "ID_USB_INTERFACE_NUM": "00",
        "DEVLINKS": " ".join([by_id, *links]),
    }


def usb_devpath(token: str, kind: str = "tty") -> str:
    """A plausible USB devpath, unique per token (no sysfs entry exists for it)."""
    port = 1 + int(uuid.uuid5(uuid.NAMESPACE_OID, token).int % 8)
    base = f"/devices/pci0000:00/0000:00:14.0/usb1/1-{port}/1-{port}:1.0"
    if kind == "tty":
        return f"{base}/ttyUSB{token}/tty/ttyUSB{token}"
    if kind == "sound":
        return f"{base}/sound/card{token}"
    return f"{base}/video4linux/video{token}"
