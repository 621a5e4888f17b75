"""Helpers for agent tests: write a room config, run ``appliance agent`` as a PROCESS.

The agent is started the way systemd starts it: a config file, ``$NOTIFY_SOCKET``
pointing at a datagram socket the test owns (READY=1 tells the test the API is up),
``$WATCHDOG_USEC`` so it pings. It is stopped with SIGTERM by PID.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.pulse import pulse_room

__all__ = ["pulse_room"]  # the PulseAudio room simulator fixture, re-exported for pytest

# How long a test waits for an agent's READY=1 (a bound on waiting, not a figure: the start
# time is bench/agent.py's). 20 s was passed once with nothing in the agent's log, while
# the soak's 31 agents started beside it on 2 cores.
READY_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def write_config(
    path: Path,
    *,
    port: int,
    state_dir: Path,
    cameras: str = "",
    audio: str = "",
    displays: str = "",
    hub: str = "",
    room_id: str = "test-room",
) -> Path:
    path.write_text(
        f"""
[room]
id = "{room_id}"
name = "Phòng họp thử"
district = "Thử"

{cameras}
{audio}
{displays}
{hub}

[api]
listen = "127.0.0.1:{port}"

[state]
dir = "{state_dir}"
""",
        encoding="utf-8",
    )
    return path


@dataclass
class NotifySocket:
    """A datagram socket standing in for systemd's notify socket."""

    path: Path
    sock: socket.socket
    messages: list[str] = field(default_factory=list)

    def wait_for(self, line: str, timeout_s: float) -> list[str]:
        """Read datagrams until one contains ``line``; return everything seen."""
        deadline = time.monotonic() + timeout_s
        while not any(line in m.splitlines() for m in self.messages):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {line!r} within {timeout_s} s; got {self.messages}")
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            self.messages.append(data.decode())
        return self.messages


@contextlib.contextmanager
def open_notify_socket(directory: Path) -> Iterator[NotifySocket]:
    path = directory / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    try:
        yield NotifySocket(path, sock)
    finally:
        sock.close()


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    with open_notify_socket(tmp_path) as notify:
        yield notify


@dataclass
class AgentProcess:
    proc: subprocess.Popen[bytes]
    base_url: str
    token: str
    log_path: Path
    ready_s: float

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def terminate(self, timeout_s: float = 10.0) -> float:
        """SIGTERM by PID; return how long the agent took to exit."""
        if self.proc.poll() is not None:
            return 0.0
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError(
                f"agent did not stop within {timeout_s} s:\n{self.log()}"
            ) from None
        return time.monotonic() - start


def spawn_agent(
    config: Path,
    log_path: Path,
    notify: NotifySocket | None,
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop("APPLIANCE_CONFIG", None)
    if notify is not None:
        env["NOTIFY_SOCKET"] = str(notify.path)
        env["WATCHDOG_USEC"] = "400000"  # ping every 0.2 s
        env.pop("WATCHDOG_PID", None)
    env.update(extra_env or {})
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "appliance", "agent", "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )


def start_agent(
    config: Path,
    state_dir: Path,
    port: int,
    notify: NotifySocket,
    extra_env: dict[str, str] | None = None,
) -> AgentProcess:
    log_path = config.with_suffix(".log")
    start = time.monotonic()
    proc = spawn_agent(config, log_path, notify, extra_env)
    try:
        notify.wait_for("READY=1", READY_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        proc.wait(5)
        raise AssertionError(
            "agent never sent READY=1:\n" + log_path.read_text(errors="replace")
        ) from None
    ready_s = time.monotonic() - start
    token = (state_dir / "api-token").read_text(encoding="ascii").strip()
    return AgentProcess(proc, f"http://127.0.0.1:{port}", token, log_path, ready_s)


@contextlib.contextmanager
def running_agent(directory: Path, **config: str) -> Iterator[AgentProcess]:
    port = free_port()
    state = directory / "state"
    path = write_config(directory / "appliance.toml", port=port, state_dir=state, **config)
    with open_notify_socket(directory) as notify:
        agent = start_agent(path, state, port, notify)
        try:
            yield agent
        finally:
            agent.terminate()


@pytest.fixture(scope="module")
def empty_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentProcess]:
    """An agent for a room with no devices (routes, auth), shared by a module's tests."""
    with running_agent(tmp_path_factory.mktemp("empty-agent")) as agent:
        yield agent
