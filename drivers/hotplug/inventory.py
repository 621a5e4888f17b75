"""Inventory of the room PC's serial, sound and video devices.

Everything comes from udev *properties* (ID_VENDOR_ID, ID_MODEL_ID, ID_SERIAL_SHORT,
ID_BUS, DEVLINKS), the same data a hotplug event carries — attributes are not readable
for devices that exist only as an event (PLATFORM.md Infra 2). Where no udevd runs,
sysfs still lists real tty devices and the USB parent's attributes fill the gaps.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from drivers.hotplug import _udev

log = logging.getLogger(__name__)

DEFAULT_SUBSYSTEMS: Final[tuple[str, ...]] = ("tty", "sound", "video4linux")

# Stable names, best first: our own udev rule (systemd/udev/70-appliance-visca.rules),
# then the by-id links of 60-serial.rules, 60-persistent-v4l.rules and
# 60-persistent-alsa.rules, then the port-position links.
_STABLE_LINK_PREFIXES: Final = (
    "/dev/visca/",
    "/dev/serial/by-id/",
    "/dev/v4l/by-id/",
    "/dev/snd/by-id/",
    "/dev/serial/by-path/",
    "/dev/v4l/by-path/",
    "/dev/snd/by-path/",
)


class DeviceKind(enum.StrEnum):
    """What a device is for the appliance."""

    SERIAL = "serial"
    SOUND = "sound"
    VIDEO = "video"
    OTHER = "other"


_KIND_BY_SUBSYSTEM: Final = {
    "tty": DeviceKind.SERIAL,
    "sound": DeviceKind.SOUND,
    "video4linux": DeviceKind.VIDEO,
}


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """One device as udev describes it (from the udev db, sysfs, or a hotplug event)."""

    subsystem: str
    kind: DeviceKind
    devpath: str
    sys_name: str
    device_node: str | None
    vendor_id: str | None
    model_id: str | None
    vendor: str | None
    model: str | None
    serial: str | None
    bus: str | None
    links: tuple[str, ...]
    initialized: bool
    properties: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )

    @property
    def stable_path(self) -> str | None:
        """The path to put in a config file: a by-id style link, else the device node."""
        for prefix in _STABLE_LINK_PREFIXES:
            for link in self.links:
                if link.startswith(prefix):
                    return link
        if self.links:
            return self.links[0]
        return self.device_node

    @property
    def is_usb(self) -> bool:
        return self.bus == "usb" or "/usb" in self.devpath

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form for the control API and the CLI."""
        return {
            "subsystem": self.subsystem,
            "kind": self.kind.value,
            "devpath": self.devpath,
            "sys_name": self.sys_name,
            "device_node": self.device_node,
            "stable_path": self.stable_path,
            "vendor_id": self.vendor_id,
            "model_id": self.model_id,
            "vendor": self.vendor,
            "model": self.model,
            "serial": self.serial,
            "bus": self.bus,
            "links": list(self.links),
            "initialized": self.initialized,
        }


def device_info_from_properties(
    properties: Mapping[str, str], *, initialized: bool | None = None
) -> DeviceInfo:
    """Build a :class:`DeviceInfo` from udev properties alone (never raises)."""
    props = dict(properties)
    devpath = props.get("DEVPATH", "")
    subsystem = props.get("SUBSYSTEM", "")
    devname = props.get("DEVNAME") or None
    if devname is not None and not devname.startswith("/"):
        # The kernel's uevent says DEVNAME=ttyS0; udev reports it under /dev.
        devname = "/dev/" + devname
    return DeviceInfo(
        subsystem=subsystem,
        kind=_KIND_BY_SUBSYSTEM.get(subsystem, DeviceKind.OTHER),
        devpath=devpath,
        sys_name=devpath.rsplit("/", 1)[-1],
        device_node=devname,
        vendor_id=_hex_id(props.get("ID_VENDOR_ID")),
        model_id=_hex_id(props.get("ID_MODEL_ID")),
        vendor=_name(props, "ID_VENDOR_FROM_DATABASE", "ID_VENDOR"),
        model=_name(props, "ID_MODEL_FROM_DATABASE", "ID_MODEL"),
        serial=(props.get("ID_SERIAL_SHORT") or "").strip() or None,
        bus=(props.get("ID_BUS") or "").strip() or None,
        links=tuple(_udev.iter_links(props.get("DEVLINKS", ""))),
        initialized=("USEC_INITIALIZED" in props) if initialized is None else initialized,
        properties=MappingProxyType(props),
    )


def inventory(
    subsystems: Iterable[str] = DEFAULT_SUBSYSTEMS, *, include_virtual: bool = False
) -> list[DeviceInfo]:
    """The serial, sound and video devices present now, sorted by subsystem and name.

    Virtual devices (consoles tty0…63, ptmx, loopback sound) are left out unless
    ``include_virtual``; for sound only the cards are listed (not each pcm/control
    node). Raises ``DeviceUnavailableError`` only when libudev itself is missing.
    """
    found: list[DeviceInfo] = []
    for raw in _udev.list_devices(subsystems):
        info = device_info_from_properties(raw.properties, initialized=raw.initialized)
        if not include_virtual and info.devpath.startswith("/devices/virtual/"):
            continue
        if info.subsystem == "sound" and not info.sys_name.startswith("card"):
            continue
        found.append(info)
    if not _udev.udev_daemon_running():
        log.debug("no udevd: inventory has sysfs data only (no by-id links)")
    found.sort(key=lambda d: (d.subsystem, d.sys_name))
    return found


def udev_daemon_running() -> bool:
    """True when systemd-udevd runs here (then vendor/serial/links are complete)."""
    return _udev.udev_daemon_running()


def _hex_id(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


def _name(props: Mapping[str, str], *keys: str) -> str | None:
    for key in keys:
        value = (props.get(key) or "").strip()
        if value:
            # usb_id replaces blanks with '_' in ID_VENDOR / ID_MODEL.
            return value.replace("_", " ") if not key.endswith("_DATABASE") else value
    return None
