"""The production HotplugMonitor fed by the fake udev broadcaster (real pyudev.Monitor)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from drivers.errors import DeviceUnavailableError
from drivers.hotplug import DeviceKind, DeviceMatch, HotplugEvent, HotplugMonitor
from tests.hotplug.conftest import EventCollector
from tests.support import fake_udev
from tests.support.fake_udev import send_udev_event, usb_devpath, usb_serial_adapter


async def test_add_change_remove_of_a_usb_serial_adapter(
    monitor: HotplugMonitor, collector: EventCollector, token: str
) -> None:
    devpath = usb_devpath(token)
    props = usb_serial_adapter(token, f"/dev/ttyUSB{token}")
    send_udev_event("add", devpath, "tty", **props)
    send_udev_event("change", devpath, "tty", **props)
    send_udev_event("remove", devpath, "tty", **props)
    events = await collector.wait_count(3)
    assert [e.action for e in events] == ["add", "change", "remove"]
    first = events[0].device
    assert first.kind is DeviceKind.SERIAL
    assert first.devpath == devpath
    assert first.device_node == f"/dev/ttyUSB{token}"
    assert (first.vendor_id, first.model_id, first.serial, first.bus) == (
        "0403",
        "6001",
        token,
        "usb",
    )
    assert first.vendor == "FTDI"
    assert first.stable_path == props["DEVLINKS"]
    assert first.initialized  # udev-processed events carry USEC_INITIALIZED
    assert events[0].seqnum is not None
    assert events[2].seqnum is not None
    assert events[0].seqnum < events[2].seqnum
    assert monitor.stats.events >= 3


async def test_sound_and_video_events_arrive_other_subsystems_are_filtered(
    monitor: HotplugMonitor, collector: EventCollector, token: str
) -> None:
    send_udev_event(
        "add",
        usb_devpath(token, "sound"),
        "sound",
        tags=("uaccess",),
        ID_VENDOR_ID="0B0E",
        ID_SERIAL_SHORT=token,
    )
    # The kernel BPF filter drops these: net and block are not ours.
    send_udev_event("add", f"/devices/virtual/net/x{token}", "net", ID_SERIAL_SHORT=token)
    send_udev_event("add", f"/devices/virtual/block/x{token}", "block", ID_SERIAL_SHORT=token)
    send_udev_event(
        "add",
        usb_devpath(token, "video4linux"),
        "video4linux",
        DEVNAME="/dev/video9",
        ID_SERIAL_SHORT=token,
        DEVLINKS=f"/dev/v4l/by-id/usb-cam-{token}-video-index0",
    )
    # Netlink keeps order: once the video event is here, a net/block one would be too.
    events = await collector.wait_for(
        lambda evs: any(e.device.kind is DeviceKind.VIDEO for e in evs)
    )
    assert [e.device.subsystem for e in events] == ["sound", "video4linux"]
    assert events[0].device.vendor_id == "0b0e"
    assert events[0].device.properties["TAGS"] == ":uaccess:"
    assert events[1].device.stable_path == f"/dev/v4l/by-id/usb-cam-{token}-video-index0"


async def test_bare_remove_is_completed_from_the_add(
    monitor: HotplugMonitor, collector: EventCollector, token: str
) -> None:
    devpath = usb_devpath(token)
    send_udev_event("add", devpath, "tty", **usb_serial_adapter(token, f"/dev/ttyUSB{token}"))
    await collector.wait_count(1)
    assert any(d.devpath == devpath for d in monitor.known_devices())
    # A remove carrying nothing but DEVPATH: matching by serial must still work.
    removed: list[HotplugEvent] = []
    monitor.subscribe(removed.append, DeviceMatch.for_usb("0403", token), {"remove"})
    send_udev_event("remove", devpath, "tty")
    await collector.wait_count(2)
    assert len(removed) == 1
    assert removed[0].device.device_node == f"/dev/ttyUSB{token}"
    assert removed[0].device.properties["ACTION"] == "remove"
    assert all(d.devpath != devpath for d in monitor.known_devices())


# One netlink socket stays open after this test (found by the suite's fd check, issue 7);
# the same events and failing callbacks outside pytest leave none. Not yet explained.
@pytest.mark.allow_fd_leak
async def test_odd_events_and_failing_callbacks_do_not_stop_the_monitor(
    monitor: HotplugMonitor, collector: EventCollector, token: str
) -> None:
    calls: list[str] = []

    def bad_sync(event: HotplugEvent) -> None:
        calls.append("sync")
        raise RuntimeError("subscriber bug")

    async def bad_async(event: HotplugEvent) -> None:
        calls.append("async")
        raise RuntimeError("async subscriber bug")

    mine = DeviceMatch(serial=token)
    monitor.subscribe(bad_sync, mine)
    monitor.subscribe(bad_async, mine)
    devpath = usb_devpath(token)
    fake_udev.send_raw(b"garbage\0" * 8)  # not a udev message at all
    bad_magic = bytearray(fake_udev.build_message("add", devpath, "tty", properties={}))
    bad_magic[8:12] = b"\x00\x00\x00\x00"
    fake_udev.send_raw(bytes(bad_magic))
    send_udev_event("bind", devpath, "tty", ID_SERIAL_SHORT=token, ID_MODEL=b"\xff\xfe cam")
    # libudev itself rejects an unknown ACTION (EINVAL -> pyudev ValueError): dropped.
    send_udev_event("weird-action", devpath, "tty", ID_SERIAL_SHORT=token)
    send_udev_event("add", devpath, "tty", ID_SERIAL_SHORT=token, DEVLINKS="not/absolute  ")
    events = await collector.wait_count(2)
    assert [e.action for e in events] == ["bind", "add"]
    assert monitor.stats.dropped >= 1
    assert events[0].device.model == "\ufffd\ufffd cam"  # undecodable bytes replaced
    assert events[1].device.links == ()
    for _ in range(100):  # let the async callbacks run
        if calls.count("async") == 2:
            break
        await asyncio.sleep(0.01)
    assert calls.count("sync") == 2
    assert calls.count("async") == 2
    assert monitor.stats.callback_errors >= 4
    assert monitor.running


async def test_subscription_matching_and_cancel(
    monitor: HotplugMonitor, collector: EventCollector, token: str, tmp_path: Path
) -> None:
    node = f"/dev/pts/{token}"
    link = f"/dev/visca/{token}"
    alias = tmp_path / "cam1"  # a symlink udev does not know: not followed (names get reused)
    alias.symlink_to(node)
    seen: dict[str, list[str]] = {k: [] for k in ("node", "link", "alias", "usb", "other")}
    subs = {
        "node": DeviceMatch.for_path(node),
        "link": DeviceMatch.for_path(link + "/"),  # normalized
        "alias": DeviceMatch.for_path(str(alias)),
        "usb": DeviceMatch.for_usb("0403", token.lower(), model_id="6001"),
        "other": DeviceMatch.for_usb("0403", token + "X"),
    }
    handles = {
        name: monitor.subscribe(lambda e, name=name: seen[name].append(e.action), match)
        for name, match in subs.items()
    }
    props = usb_serial_adapter(token, node, links=[link])
    send_udev_event("add", usb_devpath(token), "tty", **props)
    await collector.wait_count(1)
    assert seen == {"node": ["add"], "link": ["add"], "alias": [], "usb": ["add"], "other": []}
    handles["node"].cancel()
    handles["node"].cancel()  # idempotent
    send_udev_event("remove", usb_devpath(token), "tty", **props)
    await collector.wait_count(2)
    assert seen["node"] == ["add"]
    assert seen["usb"] == ["add", "remove"]
    with pytest.raises(ValueError, match="at least one"):
        DeviceMatch()


def _fd_target(fd: int) -> str | None:
    try:
        return str(Path(f"/proc/self/fd/{fd}").readlink())
    except OSError:
        return None


async def test_stopped_monitor_releases_its_socket(broadcast: None, token: str) -> None:
    got: list[HotplugEvent] = []
    mon = HotplugMonitor(got.append)
    async with mon:
        assert mon.running
        fd = mon._source.fileno() if mon._source else -1
        socket_id = _fd_target(fd)
        assert socket_id is not None
        assert socket_id.startswith("socket:")
    assert not mon.running
    assert _fd_target(fd) != socket_id  # closed (or the number reused for something else)
    send_udev_event("add", usb_devpath(token), "tty", ID_SERIAL_SHORT=token)
    await asyncio.sleep(0.1)
    assert got == []
    await mon.stop()  # stopping twice is fine


async def test_stop_cancels_a_running_async_callback(broadcast: None, token: str) -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def hang(event: HotplugEvent) -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    mon = HotplugMonitor(hang)
    async with mon:
        send_udev_event("add", usb_devpath(token), "tty", ID_SERIAL_SHORT=token)
        async with asyncio.timeout(2.0):
            await started.wait()
    assert cancelled.is_set()  # ended by stop(), not left running


async def test_monitor_open_failure_is_a_typed_error(broadcast: None) -> None:
    mon = HotplugMonitor(source="no-such-source")
    with pytest.raises(DeviceUnavailableError, match="hotplug"):
        await mon.start()
    assert not mon.running
