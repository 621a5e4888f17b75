"""Replug through socat (PLATFORM.md Infra 1): a stable path that vanishes and comes back.

``socat pty,link=A pty,link=B`` joins two pseudo-terminals; the driver opens A, the
camera end sits on B. Killing socat removes both links and fails the driver's reads
exactly like a pulled USB adapter; starting it again with the same ``link=`` names is
the replug. The camera end is the simulator's pure camera logic (``CameraSimulator``)
behind a small pty loop, so the bytes are the real ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import time
import tty
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drivers.errors import DeviceUnavailableError
from drivers.supervision import Backoff, DeviceState
from drivers.visca.camera import ViscaCamera
from drivers.visca.models import profile_for
from drivers.visca.protocol import ViscaPort
from drivers.visca.sim import CameraSimulator
from drivers.visca.supervisor import ViscaSupervisor
from drivers.visca.transport import Framer, SerialTransport

MODEL = "srg-300h"
IF_CLEAR_BROADCAST = bytes.fromhex("88010001ff")


class SocatLink:
    """One socat process joining ``daemon`` and ``camera`` pty links (we stop it by PID)."""

    def __init__(self, directory: Path) -> None:
        if shutil.which("socat") is None:
            pytest.fail("socat is missing: apt-get install socat (scripts/system-packages.txt)")
        self.daemon = directory / "cam-daemon"
        self.camera = directory / "cam-sim"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            "socat",
            f"pty,raw,echo=0,link={self.daemon}",
            f"pty,raw,echo=0,link={self.camera}",
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 3.0
        while not (self.daemon.exists() and self.camera.exists()):
            if time.monotonic() > deadline:
                pytest.fail("socat did not create its pty links within 3 s")
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.send_signal(signal.SIGTERM)  # socat removes its links on SIGTERM
            await asyncio.wait_for(proc.wait(), 5)


class PtyCamera:
    """A simulated camera on the camera end of the socat link (one camera, address 1)."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd)
        self.camera = CameraSimulator(profile_for(MODEL))
        self._framer = Framer()
        asyncio.get_running_loop().add_reader(self.fd, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self.fd, 256)
        except OSError:
            return
        for packet in self._framer.feed(data):
            for reply in self._answer(packet):
                with contextlib.suppress(OSError):
                    os.write(self.fd, reply)

    def _answer(self, packet: bytes) -> list[bytes]:
        if packet == bytes.fromhex("883001ff"):
            return [bytes.fromhex("883002ff")]  # AddressSet: one camera on the chain
        if packet == IF_CLEAR_BROADCAST:
            return [IF_CLEAR_BROADCAST]
        now = time.monotonic()
        return self.camera.handle(packet, now) + [r for r, _ in self.camera.poll(now)]

    def close(self) -> None:
        if self.fd >= 0:
            asyncio.get_running_loop().remove_reader(self.fd)
            os.close(self.fd)
            self.fd = -1


@pytest.fixture
async def socat_link(tmp_path: Path) -> AsyncIterator[SocatLink]:
    link = SocatLink(tmp_path)
    await link.start()
    try:
        yield link
    finally:
        await link.stop()


async def test_socat_unplug_and_replug_back_to_ready_within_2s(socat_link: SocatLink) -> None:
    camera = PtyCamera(socat_link.camera)
    port = ViscaPort(SerialTransport(str(socat_link.daemon)), ack_timeout_s=0.2)
    sup = ViscaSupervisor(port, backoff=Backoff(initial_s=5.0, max_s=30.0), health_interval_s=None)
    cam = ViscaCamera(port, 1, profile_for(MODEL), "cam1")
    await sup.start()
    try:
        await sup.wait_ready(2.0)
        assert await cam.inquire_power() is True
        camera.close()
        await socat_link.stop()  # unplug: both links disappear
        async with asyncio.timeout(1.0):
            while sup.state is DeviceState.READY:  # noqa: ASYNC110 - supervisor state
                await asyncio.sleep(0.01)
        with pytest.raises(DeviceUnavailableError):
            await cam.inquire_power()
        await asyncio.sleep(0.4)  # reconnects fail (ENOENT); the backoff is 5 s now
        await socat_link.start()  # replug: same paths
        camera = PtyCamera(socat_link.camera)
        await sup.wait_ready(2.0)  # found by the path poll, not the backoff
        assert await cam.inquire_power() is True
        assert (await cam.version()).max_socket == 2
    finally:
        await sup.stop()
        camera.close()
