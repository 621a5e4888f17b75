"""The fleet on loopback: a real hub PROCESS and real agent PROCESSES on simulated rooms.

    hub = HubProcess(tmp / "hub", offline_after_s=3.0); hub.start()
    api = hub.login()                                   # the public API as an admin
    room = FleetRoom(tmp / "r1", "r1", hub); room.start_hardware(); room.enrol(token)
    room.start_agent()                                  # `python -m appliance agent --config F`

The hub runs ``appliance.hub.server.run_hub`` — what ``appliance hub serve`` runs — with
test settings the CLI does not expose: a short offline window and heartbeat so the
presence rules can be seen without waiting 45 s (their production values are in
``appliance/hub/settings.py``; the rule under test is the same). Agents are started the
way systemd starts them (``$NOTIFY_SOCKET``, READY=1); their simulated hardware (VISCA
chain on a pty at 9600 baud, MJPEG streams, optionally Xvfb + a CEC TV) runs in a thread
of the test process, so an agent can be killed and restarted on the same devices.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.agent.conftest import (
    AgentProcess,
    NotifySocket,
    free_port,
    open_notify_socket,
    start_agent,
)
from tests.agent.sim_room import SimRoomThread

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
ADMIN = "fleet-admin"
ADMIN_PASSWORD = "Fleet-admin-pass-1"  # noqa: S105 - the test hub's own admin

_HUB_MAIN = """
import asyncio, logging, sys
from pathlib import Path
from appliance.hub.server import run_hub
from appliance.hub.settings import HubSettings
logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
state, listen, offline_after, heartbeat, scan = sys.argv[1:6]
asyncio.run(run_hub(HubSettings(
    state_dir=Path(state), listen=listen, offline_after_s=float(offline_after),
    offline_scan_s=float(scan), heartbeat_s=float(heartbeat), presence_flush_s=0.5)))
"""


def until(what: str, predicate: Any, timeout_s: float, step_s: float = 0.1) -> Any:
    """Poll ``predicate()`` until it returns something true; its value. Bounded."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s} s")
        time.sleep(step_s)


@dataclass
class HubProcess:
    state_dir: Path
    offline_after_s: float
    heartbeat_s: float
    offline_scan_s: float = 0.25  # production 2 s (bench/offline.py runs with it)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.state_dir.parent / "hub.log"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def create_admin(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        password = self.state_dir.parent / "admin-password"
        password.write_text(ADMIN_PASSWORD + "\n", encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "appliance", "hub", "create-admin", ADMIN,
             "--password-file", str(password), "--state-dir", str(self.state_dir)],
            capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _HUB_MAIN, str(self.state_dir), f"127.0.0.1:{self.port}",
                 str(self.offline_after_s), str(self.heartbeat_s), str(self.offline_scan_s)],
                stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )  # fmt: skip
        proc = self.proc

        def healthy() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"the hub exited with {proc.returncode}:\n{self.log()}")
            with contextlib.suppress(httpx.HTTPError):
                return httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200
            return False

        until("hub /healthz", healthy, START_TIMEOUT_S)

    def stop(self) -> None:
        """SIGTERM by PID and wait (the hub closes every link with a close frame)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
            raise AssertionError(f"the hub did not stop on SIGTERM:\n{self.log()}") from None

    def login(self) -> httpx.Client:
        """The public API as the admin: the session cookie plus the CSRF header."""
        client = httpx.Client(base_url=self.base_url + "/api/v1", timeout=60)
        resp = client.post("/auth/login", json={"username": ADMIN, "password": ADMIN_PASSWORD})
        assert resp.status_code == 200, resp.text
        client.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
        return client


@dataclass
class FleetRoom:
    directory: Path
    room_id: str
    hub_url: str
    display: bool = False
    sim: SimRoomThread | None = None
    agent: AgentProcess | None = None
    api_port: int = field(default_factory=free_port)
    _notify: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    notify: NotifySocket | None = None

    @property
    def config(self) -> Path:
        return self.directory / "room" / "appliance.toml"

    @property
    def state_dir(self) -> Path:
        return self.directory / "room" / "state"

    def start_hardware(self) -> None:
        self.sim = SimRoomThread(
            self.directory / "room", room_id=self.room_id, display=self.display
        )
        self.sim.__enter__()
        self.sim.hardware.hub_url = self.hub_url  # the [hub] section, as --simulate --hub
        text = self.sim.hardware.config_text(f"127.0.0.1:{self.api_port}", self.state_dir)
        self.config.write_text(text, encoding="utf-8")

    def enrol(self, token: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "appliance", "agent", "enrol", "--config", str(self.config),
             "--token", token],
            capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False,
        )  # fmt: skip

    def start_agent(self) -> AgentProcess:
        assert self.sim is not None
        if self.notify is None:
            self.notify = self._notify.enter_context(open_notify_socket(self.directory))
        self.notify.messages.clear()
        self.agent = start_agent(
            self.config, self.state_dir, self.api_port, self.notify, self.sim.hardware.agent_env()
        )
        return self.agent

    def local(self) -> httpx.Client:
        """The room's own control API (what a technician on the room PC uses)."""
        assert self.agent is not None
        return httpx.Client(
            base_url=self.agent.base_url + "/api/v1", headers=self.agent.headers(), timeout=30
        )

    def signal(self, sig: signal.Signals) -> None:
        assert self.agent is not None
        self.agent.proc.send_signal(sig)

    def close(self) -> None:
        try:
            if self.agent is not None:
                if self.agent.proc.poll() is None:
                    self.agent.proc.send_signal(signal.SIGCONT)  # a frozen one must hear SIGTERM
                    self.agent.terminate()
                self.agent = None
        finally:
            try:
                if self.sim is not None:
                    self.sim.__exit__(None, None, None)
                    self.sim = None
            finally:
                self._notify.close()
