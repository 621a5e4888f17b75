"""The one module that imports pyudev (untyped); everything above it sees typed data.

pyudev wraps libudev through ctypes. Two of its behaviours matter here:

- Property values are decoded strictly as UTF-8, so one odd byte in, say, ID_MODEL
  raises ``UnicodeDecodeError`` from a plain ``device.properties[...]``. We read the raw
  list entries and decode with ``errors="replace"`` instead (an odd event must never
  crash the agent).
- ``Monitor.poll(0)`` returns None both when the socket is empty *and* when libudev
  dropped a malformed message (bad magic → EAGAIN). Callers read until None and rely on
  the level-triggered reader to call them again if more is queued.

Without udevd (this VM, PLATFORM.md Infra 2) sysfs still lists tty devices, but the
properties are only DEVNAME/DEVPATH/MAJOR/MINOR/SUBSYSTEM and ``is_initialized`` is
False; :func:`list_devices` then reads vendor/model/serial from the USB parent's sysfs
attributes where there is one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from drivers.errors import DeviceUnavailableError

log = logging.getLogger(__name__)

HOTPLUG_DEVICE_ID: Final = "hotplug"
UDEV_CONTROL_SOCKET: Final = Path("/run/udev/control")

# USB device attributes (sysfs, drivers/usb/core/sysfs.c) -> the udev property usb_id sets.
_USB_ATTRIBUTES: Final = (
    ("idVendor", "ID_VENDOR_ID"),
    ("idProduct", "ID_MODEL_ID"),
    ("manufacturer", "ID_VENDOR"),
    ("product", "ID_MODEL"),
    ("serial", "ID_SERIAL_SHORT"),
)


@dataclass(frozen=True, slots=True)
class RawDevice:
    """What one udev device (or event) says, as plain typed data."""

    properties: dict[str, str]
    sys_name: str
    initialized: bool
    action: str | None = None
    seqnum: int | None = None
    tags: tuple[str, ...] = field(default=())


def udev_daemon_running() -> bool:
    """True when systemd-udevd runs (its control socket exists): properties are complete."""
    return UDEV_CONTROL_SOCKET.exists()


def _pyudev() -> object:
    try:
        import pyudev  # lazily: a missing libudev becomes a clear error
    except ImportError as exc:  # pragma: no cover - pyudev is a hard dependency
        raise DeviceUnavailableError(
            HOTPLUG_DEVICE_ID, f"pyudev missing: {exc}", operation="import"
        ) from exc
    return pyudev


def _context() -> object:
    pyudev = _pyudev()
    try:
        return pyudev.Context()  # type: ignore[attr-defined]
    except (ImportError, OSError) as exc:
        # pyudev loads libudev.so.1 here.
        raise DeviceUnavailableError(
            HOTPLUG_DEVICE_ID,
            f"libudev not available ({exc}); install the Debian package libudev1",
            operation="open",
        ) from exc


def _decode(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _raw_properties(device: object) -> dict[str, str]:
    """All properties, decoded leniently (see the module docstring)."""
    try:
        from pyudev._util import udev_list_iterate

        libudev = device._libudev  # type: ignore[attr-defined]
        entry = libudev.udev_device_get_properties_list_entry(device)
        return {_decode(k): _decode(v) for k, v in udev_list_iterate(libudev, entry)}
    except (ImportError, AttributeError):  # pragma: no cover - pyudev internals moved
        props = device.properties  # type: ignore[attr-defined]
        out: dict[str, str] = {}
        for key in list(props):
            try:
                out[str(key)] = str(props[key])
            except UnicodeDecodeError:
                out[str(key)] = "\ufffd"
        return out


def _convert(device: object) -> RawDevice:
    props = _raw_properties(device)
    seq = props.get("SEQNUM", "")
    tags = tuple(t for t in props.get("TAGS", "").split(":") if t)
    action = props.get("ACTION") or None
    devpath = props.get("DEVPATH", "")
    try:
        initialized = bool(device.is_initialized)  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        initialized = "USEC_INITIALIZED" in props
    return RawDevice(
        properties=props,
        sys_name=devpath.rsplit("/", 1)[-1],
        initialized=initialized,
        action=action,
        seqnum=int(seq) if seq.isdigit() else None,
        tags=tags,
    )


def _usb_fallback(device: object, props: dict[str, str]) -> None:
    """Fill ID_* from the USB parent's sysfs attributes when udevd did not (no daemon)."""
    if "ID_VENDOR_ID" in props:
        return
    try:
        parent = device.find_parent("usb", "usb_device")  # type: ignore[attr-defined]
        if parent is None:
            return
        attrs = parent.attributes
        for attr, key in _USB_ATTRIBUTES:
            try:
                props.setdefault(key, attrs.asstring(attr).strip())
            except (KeyError, OSError, UnicodeDecodeError):
                continue
        props.setdefault("ID_BUS", "usb")
    except (OSError, ValueError, AttributeError) as exc:  # pragma: no cover - real USB only
        log.debug("sysfs fallback failed for %s: %s", props.get("DEVPATH"), exc)


def list_devices(subsystems: Iterable[str]) -> list[RawDevice]:
    """Every device of these subsystems that sysfs (and the udev db, if any) knows."""
    context = _context()
    out: list[RawDevice] = []
    for subsystem in subsystems:
        try:
            found = list(context.list_devices(subsystem=subsystem))  # type: ignore[attr-defined]
        except OSError as exc:
            log.warning("listing %s devices failed: %s", subsystem, exc)
            continue
        for device in found:
            try:
                raw = _convert(device)
                _usb_fallback(device, raw.properties)
            except (OSError, ValueError) as exc:
                log.debug("skipping unreadable device: %s", exc)
                continue
            out.append(raw)
    return out


class UdevMonitorSource:
    """A started ``pyudev.Monitor``: a non-blocking fd and ``receive()``."""

    def __init__(self, subsystems: Iterable[str], *, source: str = "udev") -> None:
        context = _context()
        pyudev = _pyudev()
        try:
            monitor = pyudev.Monitor.from_netlink(context, source=source)  # type: ignore[attr-defined]
            for subsystem in subsystems:
                # Kernel-side BPF filter on the subsystem hash: no wake-ups for others.
                monitor.filter_by(subsystem)
            monitor.start()  # binds the netlink socket and sets O_NONBLOCK
        except (OSError, ValueError) as exc:
            # EPERM/EAFNOSUPPORT when AF_NETLINK is not allowed (RestrictAddressFamilies).
            raise DeviceUnavailableError(
                HOTPLUG_DEVICE_ID,
                f"cannot open the udev netlink monitor: {exc}",
                operation="monitor",
            ) from exc
        self._monitor: object | None = monitor

    def fileno(self) -> int:
        if self._monitor is None:
            raise DeviceUnavailableError(HOTPLUG_DEVICE_ID, "monitor closed", operation="read")
        return int(self._monitor.fileno())  # type: ignore[attr-defined]

    def receive(self) -> RawDevice | None:
        """One event, or None if nothing (valid) is queued now. Raises OSError (e.g. ENOBUFS)."""
        if self._monitor is None:
            return None
        device = self._monitor.poll(0)  # type: ignore[attr-defined]
        if device is None:
            return None
        return _convert(device)

    def close(self) -> None:
        """Release the socket: dropping the last reference runs ``udev_monitor_unref``,
        which closes the fd at once (CPython refcounting; checked via /proc/self/fd)."""
        self._monitor = None


def iter_links(value: str) -> Iterator[str]:
    """DEVLINKS is a space-separated list of absolute paths."""
    for item in value.split():
        if item.startswith("/"):
            yield item
