"""USB hotplug: inventory of serial/sound/video devices and add/remove events.

    from drivers.hotplug import DeviceMatch, HotplugMonitor, inventory

    for dev in inventory():                      # DeviceInfo: vendor, model, serial, stable_path
        print(dev.stable_path, dev.vendor_id, dev.serial)

    async with HotplugMonitor() as monitor:       # real pyudev.Monitor, read via loop.add_reader
        monitor.attach(camera_supervisor, DeviceMatch.for_path("/dev/visca/FT123"))

Only ``drivers/hotplug/_udev.py`` imports pyudev.
"""

from __future__ import annotations

from drivers.hotplug.inventory import (
    DEFAULT_SUBSYSTEMS,
    DeviceInfo,
    DeviceKind,
    device_info_from_properties,
    inventory,
    udev_daemon_running,
)
from drivers.hotplug.monitor import (
    ADD,
    ALL_ACTIONS,
    ARRIVAL_ACTIONS,
    CHANGE,
    REMOVE,
    DeviceMatch,
    EventCallback,
    HotplugEvent,
    HotplugMonitor,
    Kickable,
    MonitorStats,
    Subscription,
)

__all__ = [
    "ADD",
    "ALL_ACTIONS",
    "ARRIVAL_ACTIONS",
    "CHANGE",
    "DEFAULT_SUBSYSTEMS",
    "REMOVE",
    "DeviceInfo",
    "DeviceKind",
    "DeviceMatch",
    "EventCallback",
    "HotplugEvent",
    "HotplugMonitor",
    "Kickable",
    "MonitorStats",
    "Subscription",
    "device_info_from_properties",
    "inventory",
    "udev_daemon_running",
]
