"""Hotplug and sd_notify figures (run as root: the fake udev broadcaster needs it).

    .venv/bin/python bench/hotplug_bench.py

Prints: udev event → HotplugMonitor callback latency (fake broadcaster, PLATFORM.md
Infra 2 Recipe A, through the real netlink socket and pyudev), adapter replug → supervisor
READY with the hotplug kick (backoff 60 s, so only the kick can explain it), inventory()
time, and one sd_notify datagram.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import statistics
import sys
import tempfile
import time
import tty
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.agent.sdnotify import SdNotifier
from drivers.errors import DeviceUnavailableError
from drivers.hotplug import DeviceMatch, HotplugEvent, HotplugMonitor, inventory
from drivers.supervision import Backoff, Supervisor
from tests.support import fake_udev

EVENTS = 500
REPLUGS = 30


def _fmt(xs: list[float]) -> str:
    xs = sorted(xs)
    p95 = xs[int(len(xs) * 0.95) - 1]
    return f"median {statistics.median(xs) * 1e3:.3f} ms, p95 {p95 * 1e3:.3f} ms, max {xs[-1] * 1e3:.3f} ms (n={len(xs)})"


async def event_latency() -> list[float]:
    token = fake_udev.unique_token()
    sent: dict[str, float] = {}
    lat: list[float] = []
    done = asyncio.Event()

    def on_event(ev: HotplugEvent) -> None:
        key = ev.device.properties.get("ID_SERIAL_SHORT", "")
        if key in sent:
            lat.append(time.perf_counter() - sent.pop(key))
            if len(lat) == EVENTS:
                done.set()

    async with HotplugMonitor(on_event):
        for i in range(EVENTS):
            key = f"{token}-{i}"
            sent[key] = time.perf_counter()
            fake_udev.send_udev_event(
                "add",
                fake_udev.usb_devpath(key),
                "tty",
                **fake_udev.usb_serial_adapter(key, f"/dev/ttyUSB{key}"),
            )
            await asyncio.sleep(0)  # let the reader run, as in a real agent
        await asyncio.wait_for(done.wait(), 30)
    return lat


class _Port(Supervisor):
    def __init__(self, path: Path) -> None:
        super().__init__("bench", backoff=Backoff(initial_s=60.0, max_s=60.0, jitter=0.0))
        self.path = path
        self.fd: int | None = None

    async def _connect(self) -> None:
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            raise DeviceUnavailableError(self.device_id, str(exc)) from exc

    async def _disconnect(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)


async def replug_latency(tmp: Path) -> list[float]:
    alias = tmp / "visca-cam"
    token = fake_udev.unique_token()
    sup = _Port(alias)
    out: list[float] = []
    async with HotplugMonitor() as mon:
        mon.attach(sup, DeviceMatch.for_path(str(alias)))
        await sup.start()
        try:
            for _ in range(REPLUGS):
                # unplugged: remove event, then wait for the failed reconnect (60 s backoff)
                sup.link_lost("bench unplug")
                await asyncio.sleep(0.02)
                master, slave = os.openpty()
                tty.setraw(slave)
                tmp_link = alias.with_suffix(".new")
                tmp_link.symlink_to(os.ttyname(slave))
                tmp_link.replace(alias)
                t0 = time.perf_counter()
                props = fake_udev.usb_serial_adapter(token, os.ttyname(slave), links=[str(alias)])
                fake_udev.send_udev_event("add", fake_udev.usb_devpath(token), "tty", **props)
                await sup.wait_ready(5.0)
                out.append(time.perf_counter() - t0)
                alias.unlink()
                os.close(master)
                os.close(slave)
        finally:
            await sup.stop()
    return out


def notify_cost(tmp: Path) -> list[float]:
    path = tmp / "notify.sock"
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv.bind(str(path))
    n = SdNotifier(str(path))
    out = []
    try:
        for _ in range(1000):
            t0 = time.perf_counter()
            n.watchdog()
            out.append(time.perf_counter() - t0)
            srv.recv(64)
    finally:
        n.close()
        srv.close()
    return out


def main() -> None:
    logging.basicConfig(level=logging.ERROR)  # the supervisor logs every replug at WARNING
    if os.geteuid() != 0:
        sys.exit("run as root (the fake udev broadcaster sends on netlink group 2)")
    with tempfile.TemporaryDirectory(prefix="hotplug-bench-") as d:
        tmp = Path(d)
        print("udev event -> HotplugMonitor callback:", _fmt(asyncio.run(event_latency())))
        print(
            "adapter replug (add event) -> supervisor READY, backoff 60 s:",
            _fmt(asyncio.run(replug_latency(tmp))),
        )
        inv = []
        for _ in range(20):
            t0 = time.perf_counter()
            found = inventory()
            inv.append(time.perf_counter() - t0)
        print(f"inventory() ({len(found)} devices here):", _fmt(inv))
        print("sd_notify WATCHDOG=1 datagram:", _fmt(notify_cost(tmp)))


if __name__ == "__main__":
    main()
