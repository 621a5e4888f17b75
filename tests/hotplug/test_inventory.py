"""Inventory: the real sysfs of this machine, and DeviceInfo from udev property sets."""

from __future__ import annotations

import json
from pathlib import Path

from drivers.hotplug import DeviceKind, device_info_from_properties, inventory

# Property sets in the shape `udevadm info --query=property` prints on a room PC with
# udevd (60-serial.rules / 60-persistent-v4l.rules / 78-sound-card.rules + usb_id +
# hwdb). Written for these tests after that layout, not captured from one machine.
FTDI_ADAPTER = {
    "DEVPATH": "/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/ttyUSB0/tty/ttyUSB0",
    "DEVNAME": "/dev/ttyUSB0",
    "MAJOR": "188",
    "MINOR": "0",
    "SUBSYSTEM": "tty",
    "USEC_INITIALIZED": "5312448",
    "ID_BUS": "usb",
    "ID_VENDOR_ID": "0403",
    "ID_MODEL_ID": "6001",
    "ID_VENDOR": "FTDI",
    "ID_VENDOR_ENC": "FTDI",
    "ID_VENDOR_FROM_DATABASE": "Future Technology Devices International, Ltd",
    "ID_MODEL": "FT232R_USB_UART",
    "ID_MODEL_FROM_DATABASE": "FT232 Serial (UART) IC",
    "ID_SERIAL": "FTDI_FT232R_USB_UART_A10KZ3J9",
    "ID_SERIAL_SHORT": "A10KZ3J9",
    "ID_USB_INTERFACE_NUM": "00",
    "ID_PATH": "pci-0000:00:14.0-usb-0:3:1.0",
    "DEVLINKS": (
        "/dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0 "
        "/dev/visca/A10KZ3J9 "
        "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10KZ3J9-if00-port0"
    ),
}
WEBCAM = {
    "DEVPATH": "/devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4:1.0/video4linux/video0",
    "DEVNAME": "/dev/video0",
    "SUBSYSTEM": "video4linux",
    "USEC_INITIALIZED": "5400000",
    "ID_BUS": "usb",
    "ID_VENDOR_ID": "046D",
    "ID_MODEL_ID": "082D",
    "ID_VENDOR": "046d",
    "ID_MODEL": "HD_Pro_Webcam_C920",
    "ID_SERIAL_SHORT": "8B2F5E1F",
    "DEVLINKS": (
        "/dev/v4l/by-path/pci-0000:00:14.0-usb-0:4:1.0-video-index0 "
        "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920_8B2F5E1F-video-index0"
    ),
}
SOUND_CARD = {
    "DEVPATH": "/devices/pci0000:00/0000:00:14.0/usb1/1-5/1-5:1.0/sound/card2",
    "SUBSYSTEM": "sound",
    "ID_BUS": "usb",
    "ID_VENDOR_ID": "0b0e",
    "ID_MODEL_ID": "0422",
    "ID_VENDOR": "Jabra",
    "ID_MODEL": "Jabra_SPEAK_510_USB",
    "ID_SERIAL_SHORT": "745C4B6B4A27021800",
}


def _sysfs_names(virtual: bool) -> set[str]:
    out = set()
    for entry in Path("/sys/class/tty").iterdir():
        is_virtual = "/devices/virtual/" in str(entry.resolve())
        if is_virtual == virtual:
            out.add(entry.name)
    return out


def test_inventory_matches_this_machines_sysfs() -> None:
    devices = inventory()
    serial = {d.sys_name for d in devices if d.subsystem == "tty"}
    # The real, non-virtual tty devices sysfs lists (ttyS0 on this VM), no consoles.
    assert serial == _sysfs_names(virtual=False)
    for dev in devices:
        assert dev.kind is DeviceKind.SERIAL if dev.subsystem == "tty" else True
        assert not dev.devpath.startswith("/devices/virtual/")
        assert dev.device_node is not None
        assert dev.device_node.startswith("/dev/")
        assert dev.stable_path is not None
    json.dumps([d.to_dict() for d in devices])  # JSON-ready for the control API


def test_inventory_can_include_virtual_devices() -> None:
    everything = {d.sys_name for d in inventory(["tty"], include_virtual=True)}
    assert _sysfs_names(virtual=True) <= everything
    assert _sysfs_names(virtual=False) <= everything


def test_usb_serial_adapter_properties() -> None:
    info = device_info_from_properties(FTDI_ADAPTER)
    assert info.kind is DeviceKind.SERIAL
    assert info.sys_name == "ttyUSB0"
    assert info.device_node == "/dev/ttyUSB0"
    assert (info.vendor_id, info.model_id, info.serial) == ("0403", "6001", "A10KZ3J9")
    assert info.vendor == "Future Technology Devices International, Ltd"
    assert info.model == "FT232 Serial (UART) IC"
    assert info.bus == "usb"
    assert info.is_usb
    assert info.initialized
    assert len(info.links) == 3
    # Our own udev rule's name wins over by-id, which wins over by-path.
    assert info.stable_path == "/dev/visca/A10KZ3J9"
    without_ours = dict(
        FTDI_ADAPTER, DEVLINKS=FTDI_ADAPTER["DEVLINKS"].replace("/dev/visca/", "/x/")
    )
    stable = device_info_from_properties(without_ours).stable_path
    assert stable == "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10KZ3J9-if00-port0"


def test_webcam_and_sound_card_properties() -> None:
    cam = device_info_from_properties(WEBCAM)
    assert cam.kind is DeviceKind.VIDEO
    assert (cam.vendor_id, cam.model_id) == ("046d", "082d")  # normalized to lower case
    assert cam.model == "HD Pro Webcam C920"  # usb_id's '_' for blanks undone
    assert cam.stable_path is not None
    assert cam.stable_path.startswith("/dev/v4l/by-id/")
    card = device_info_from_properties(SOUND_CARD)
    assert card.kind is DeviceKind.SOUND
    assert card.device_node is None  # a card has no node of its own
    assert card.stable_path is None
    assert card.vendor == "Jabra"
    assert card.to_dict()["serial"] == "745C4B6B4A27021800"


def test_sparse_and_odd_properties_never_raise() -> None:
    bare = device_info_from_properties({})
    assert bare.kind is DeviceKind.OTHER
    assert (bare.devpath, bare.sys_name, bare.device_node, bare.links) == ("", "", None, ())
    kernel_style = device_info_from_properties(
        {"DEVPATH": "/devices/pnp0/00:00/tty/ttyS0", "SUBSYSTEM": "tty", "DEVNAME": "ttyS0"}
    )
    assert kernel_style.device_node == "/dev/ttyS0"
    assert not kernel_style.initialized
    odd = device_info_from_properties(
        {"SUBSYSTEM": "tty", "DEVLINKS": "  relative/link  /dev/ok  ", "ID_SERIAL_SHORT": "  "}
    )
    assert odd.links == ("/dev/ok",)
    assert odd.serial is None
