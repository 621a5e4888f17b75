"""Hotplug wakes a device supervisor: a serial adapter (a pty) unplugged and replugged.

The supervisor is a plain ``drivers.supervision.Supervisor`` subclass that opens a
pty through a stable alias path (as the agent config would name ``/dev/visca/<serial>``)
and notices the unplug by the EIO the pty gives (PLATFORM.md Infra 1). Its backoff is
60 s, so only the monitor's ``kick()`` can explain a reconnect within the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tty
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drivers.errors import DeviceTimeoutError, DeviceUnavailableError
from drivers.hotplug import DeviceMatch, HotplugMonitor
from drivers.supervision import Backoff, DeviceState, Supervisor
from tests.hotplug.conftest import EventCollector
from tests.support.fake_udev import send_udev_event, usb_devpath, usb_serial_adapter

LONG_BACKOFF_S = 60.0
READY_WAIT_S = 5.0


class PortSupervisor(Supervisor):
    """Keeps a serial port open; the link is lost when a read fails."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            "cam-test", backoff=Backoff(initial_s=LONG_BACKOFF_S, max_s=LONG_BACKOFF_S, jitter=0.0)
        )
        self.path = path
        self.fd: int | None = None
        self.connects = 0
        self.kicks = 0

    def kick(self) -> None:
        self.kicks += 1  # counted where the monitor calls it, before any reconnect
        super().kick()

    def send(self, data: bytes) -> None:
        self.require_ready()
        assert self.fd is not None
        os.write(self.fd, data)

    async def _connect(self) -> None:
        self.connects += 1
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            raise DeviceUnavailableError(self.device_id, f"cannot open {self.path}: {exc}") from exc

    async def _watch(self) -> None:
        assert self.fd is not None
        loop = asyncio.get_running_loop()
        eio: asyncio.Future[None] = loop.create_future()
        fd = self.fd

        def _readable() -> None:
            try:
                data = os.read(fd, 256)
            except BlockingIOError:
                return
            except OSError:  # EIO: the other end (the "adapter") is gone
                data = b""
            if not data and not eio.done():
                eio.set_result(None)

        loop.add_reader(fd, _readable)
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait({eio, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            loop.remove_reader(fd)
            lost.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lost

    async def _disconnect(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)


class Adapter:
    """A USB serial adapter: a pty pair reached through a stable alias symlink."""

    def __init__(self, alias: Path, token: str) -> None:
        self.alias = alias
        self.token = token
        self.master: int | None = None
        self.slave: int | None = None

    def plug(self) -> str:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        node = os.ttyname(self.slave)
        tmp = self.alias.with_suffix(".new")
        tmp.symlink_to(node)
        tmp.replace(self.alias)
        send_udev_event("add", usb_devpath(self.token), "tty", **self.props(node))
        return node

    def unplug(self) -> None:
        node = os.ttyname(self.slave) if self.slave is not None else f"/dev/gone-{self.token}"
        for fd in (self.master, self.slave):
            if fd is not None:
                os.close(fd)
        self.master = self.slave = None
        self.alias.unlink(missing_ok=True)
        send_udev_event("remove", usb_devpath(self.token), "tty", **self.props(node))

    def props(self, node: str) -> dict[str, str]:
        return usb_serial_adapter(self.token, node, links=[str(self.alias)])

    def read(self) -> bytes:
        assert self.master is not None
        return os.read(self.master, 256)


@pytest.fixture
async def supervised(
    monitor: HotplugMonitor, token: str, tmp_path: Path
) -> AsyncIterator[tuple[PortSupervisor, Adapter]]:
    adapter = Adapter(tmp_path / "visca-cam1", token)
    sup = PortSupervisor(adapter.alias)
    try:
        yield sup, adapter
    finally:
        await sup.stop()
        if adapter.master is not None:
            adapter.unplug()


async def _wait_state(sup: PortSupervisor, state: DeviceState, connects: int) -> None:
    for _ in range(500):
        if sup.state is state and sup.connects >= connects:
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"state {sup.state} connects {sup.connects}, wanted {state} after {connects}")


async def test_replugged_adapter_is_reopened_by_the_kick(
    monitor: HotplugMonitor,
    collector: EventCollector,
    supervised: tuple[PortSupervisor, Adapter],
) -> None:
    sup, adapter = supervised
    monitor.attach(sup, DeviceMatch.for_path(str(adapter.alias)))
    await sup.start()
    with pytest.raises(DeviceTimeoutError):
        await sup.wait_ready(0.3)  # not plugged in: first connect failed, 60 s backoff
    assert sup.connects == 1

    adapter.plug()
    await sup.wait_ready(READY_WAIT_S)
    assert sup.connects == 2
    sup.send(b"\x81\x09\x04\x00\xff")
    assert adapter.read() == b"\x81\x09\x04\x00\xff"

    adapter.unplug()
    # Link lost -> one immediate reconnect that fails -> waiting out the 60 s backoff.
    await _wait_state(sup, DeviceState.DISCONNECTED, connects=3)
    with pytest.raises(DeviceUnavailableError):
        sup.send(b"x")
    # Another adapter's arrival must not wake this supervisor. The monitor calls the
    # collector and the attachment in the same dispatch, so once the collector has the
    # later event a kick, had there been one, is already counted (no sleep needed).
    kicks = sup.kicks
    other = usb_serial_adapter(adapter.token + "X", f"/dev/ttyUSB{adapter.token}X")
    send_udev_event("add", usb_devpath(adapter.token + "X"), "tty", **other)
    send_udev_event("change", usb_devpath(adapter.token), "tty", ID_SERIAL_SHORT=adapter.token)
    await collector.wait_for(lambda evs: any(e.action == "change" for e in evs))
    assert sup.kicks == kicks
    assert sup.connects == 3

    adapter.plug()
    await sup.wait_ready(READY_WAIT_S)
    assert sup.connects == 4
    assert sup.kicks == kicks + 1  # the plug's own event, nothing else, brought it back
    sup.send(b"\x81\x09\x06\x12\xff")
    assert adapter.read() == b"\x81\x09\x06\x12\xff"


async def test_remove_event_reports_link_lost_and_usb_match_kicks(
    monitor: HotplugMonitor,
    collector: EventCollector,
    supervised: tuple[PortSupervisor, Adapter],
) -> None:
    sup, adapter = supervised
    states: list[DeviceState] = []
    sup.on_state_change(lambda old, new, err: states.append(new))
    monitor.attach(sup, DeviceMatch.for_usb("0403", adapter.token))
    adapter.plug()
    await sup.start()
    await sup.wait_ready(READY_WAIT_S)
    # udevd announces the removal while the pty is still open here: the event alone
    # must take the device out of READY.
    node = os.ttyname(adapter.slave) if adapter.slave is not None else ""
    send_udev_event("remove", usb_devpath(adapter.token), "tty", **adapter.props(node))
    await collector.wait_for(lambda evs: any(e.action == "remove" for e in evs))
    await _wait_state(sup, DeviceState.READY, connects=2)
    assert DeviceState.DISCONNECTED in states
    assert sup.last_error is None  # reconnected (the port is still there)
