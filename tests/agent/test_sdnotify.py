"""sd_notify client against a test-owned notify socket (PLATFORM.md Infra 3)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.agent import sdnotify
from appliance.agent.sdnotify import SdNotifier

RECV_TIMEOUT_S = 5.0


class NotifyServer:
    """What systemd does: a datagram socket with SO_PASSCRED, read with recvmsg."""

    def __init__(self, address: str) -> None:
        self.env_value = address
        bind_to = "\0" + address[1:] if address.startswith("@") else address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(bind_to)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.settimeout(RECV_TIMEOUT_S)

    def recv(self) -> tuple[str, int]:
        """One message and the sender's pid (SCM_CREDENTIALS)."""
        data, ancdata, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = -1
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = int.from_bytes(payload[:4], "little")
        return data.decode(), pid

    def pending(self) -> list[str]:
        out = []
        self.sock.setblocking(False)
        try:
            while True:
                out.append(self.sock.recv(4096).decode())
        except BlockingIOError:
            pass
        finally:
            self.sock.settimeout(RECV_TIMEOUT_S)
        return out

    def close(self) -> None:
        self.sock.close()
        if not self.env_value.startswith("@"):
            Path(self.env_value).unlink(missing_ok=True)


@pytest.fixture(params=["path", "abstract"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NotifyServer]:
    if request.param == "path":
        address = str(tmp_path / "notify.sock")
    else:
        address = f"@appliance-test-notify-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    srv = NotifyServer(address)
    try:
        yield srv
    finally:
        srv.close()


def test_messages_reach_the_socket(server: NotifyServer) -> None:
    n = SdNotifier.from_env({"NOTIFY_SOCKET": server.env_value})
    try:
        assert n.enabled
        assert n.watchdog_interval_s is None
        assert n.ready("room R01: API on 127.0.0.1:8080")
        assert server.recv() == ("READY=1\nSTATUS=room R01: API on 127.0.0.1:8080", os.getpid())
        assert n.status("camera cam1 lost\nreconnecting")  # one line only
        assert server.recv()[0] == "STATUS=camera cam1 lost reconnecting"
        assert n.watchdog()
        assert server.recv()[0] == "WATCHDOG=1"
        assert n.extend_timeout(2.5)
        assert server.recv()[0] == "EXTEND_TIMEOUT_USEC=2500000"
        assert n.reloading()
        reload_msg = server.recv()[0].split("\n")
        assert reload_msg[0] == "RELOADING=1"
        assert reload_msg[1].startswith("MONOTONIC_USEC=")
        assert int(reload_msg[1].split("=")[1]) > 0
        assert n.stopping("x" * 1000)
        stop_msg = server.recv()[0]
        assert stop_msg.startswith("STOPPING=1\nSTATUS=x")
        assert len(stop_msg) == len("STOPPING=1\nSTATUS=") + sdnotify.MAX_STATUS_CHARS
    finally:
        n.close()


def test_module_functions_use_the_environment(
    server: NotifyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", server.env_value)
    assert sdnotify.ready()
    assert server.recv()[0] == "READY=1"
    assert sdnotify.status("ok")
    assert server.recv()[0] == "STATUS=ok"
    assert sdnotify.watchdog()
    assert server.recv()[0] == "WATCHDOG=1"
    assert sdnotify.stopping()
    assert server.recv()[0] == "STOPPING=1"


async def test_no_notify_socket_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.setenv("WATCHDOG_USEC", "100000")
    n = SdNotifier.from_env()
    assert not n.enabled
    assert n.watchdog_interval_s is None
    assert not n.ready("x")
    assert not n.watchdog()
    assert n.start_watchdog() is None
    assert not sdnotify.ready()
    assert not sdnotify.stopping()
    assert sdnotify.start_watchdog() is None
    # Not a path or @name (e.g. systemd 253's vsock:…): disabled, no exception.
    assert not SdNotifier("vsock:2:1234").enabled


def test_vanished_socket_is_reported_not_raised(tmp_path: Path) -> None:
    srv = NotifyServer(str(tmp_path / "gone.sock"))
    n = SdNotifier(srv.env_value)
    try:
        assert n.ready()
        srv.close()  # systemd went away / socket removed
        assert not n.watchdog()
        assert not n.watchdog()
    finally:
        n.close()


async def test_watchdog_pings_at_half_the_interval(server: NotifyServer) -> None:
    env = {"NOTIFY_SOCKET": server.env_value, "WATCHDOG_USEC": "100000"}
    n = SdNotifier.from_env(env)
    assert n.watchdog_interval_s == pytest.approx(0.05)
    task = n.start_watchdog()
    assert task is not None
    try:
        for _ in range(3):
            msg, pid = await asyncio.to_thread(server.recv)
            assert (msg, pid) == ("WATCHDOG=1", os.getpid())
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        n.close()


async def test_watchdog_withholds_pings_while_unhealthy(server: NotifyServer) -> None:
    n = SdNotifier(server.env_value, watchdog_interval_s=0.01)
    healthy = False
    checks = 0
    five_checks = asyncio.Event()

    def check() -> bool:
        nonlocal checks
        checks += 1
        if checks >= 5:
            five_checks.set()
        if checks == 3:
            raise RuntimeError("health check bug")  # counts as unhealthy
        return healthy

    task = n.start_watchdog(check)
    assert task is not None
    try:
        async with asyncio.timeout(RECV_TIMEOUT_S):
            await five_checks.wait()
        assert server.pending() == []  # stuck service: no pings, systemd will restart it
        healthy = True
        msg, _ = await asyncio.to_thread(server.recv)
        assert msg == "WATCHDOG=1"
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        n.close()


async def test_test_hook_hold_file_withholds_pings(
    server: NotifyServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """APPLIANCE_TEST_WATCHDOG_HOLD_FILE: the hook tests/systemd uses to hang the agent."""
    hold = tmp_path / "hold-watchdog"
    hold.touch()
    monkeypatch.setenv("NOTIFY_SOCKET", server.env_value)
    monkeypatch.setenv("WATCHDOG_USEC", "20000")
    monkeypatch.setenv(sdnotify.TEST_HOLD_FILE_ENV, str(hold))
    checks = 0
    four_checks = asyncio.Event()

    def check() -> bool:
        nonlocal checks
        checks += 1
        if checks >= 4:
            four_checks.set()
        return True

    task = sdnotify.start_watchdog(check)
    assert task is not None
    try:
        async with asyncio.timeout(RECV_TIMEOUT_S):
            await four_checks.wait()  # four ping rounds, all held: nothing was sent
        assert server.pending() == []
        hold.unlink()
        msg, pid = await asyncio.to_thread(server.recv)
        assert (msg, pid) == ("WATCHDOG=1", os.getpid())
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WATCHDOG_USEC": "30000000"}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),  # another process's
        ({"WATCHDOG_USEC": "soon"}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval_from_environment(env: dict[str, str], expected: float | None) -> None:
    n = SdNotifier.from_env({"NOTIFY_SOCKET": "/run/systemd/notify", **env})
    assert n.watchdog_interval_s == expected


def test_a_child_process_is_identified_as_the_sender(server: NotifyServer) -> None:
    """NotifyAccess=main: systemd checks the sender pid from SCM_CREDENTIALS."""
    code = "from appliance.agent import sdnotify; import sys; sys.exit(0 if sdnotify.ready('up') else 3)"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env={**os.environ, "NOTIFY_SOCKET": server.env_value},
    )
    try:
        msg, pid = server.recv()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert msg == "READY=1\nSTATUS=up"
    assert pid == proc.pid
