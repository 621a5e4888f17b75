"""The simulated room's agent as a child process of the demo (``appliance demo room``).

:class:`RoomAgent` runs ``appliance agent --simulate`` exactly as a technician would type
it, in its own session (Ctrl-C reaches the demo, which stops the agent by PID), reads the
config file the agent writes to learn its API address and token file, waits until the
devices have settled, and talks to it: the control API over HTTP on loopback, the
simulator's fault control over its Unix socket (``appliance/agent/sim_control.py``).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from appliance.i18n import t

if TYPE_CHECKING:
    import httpx

    from appliance.config import AgentConfig

ROOM_ID: Final = "demo-room"
AGENT_READY_TIMEOUT_S: Final = 60.0  # spawn → config written, API up, token file there
DEVICES_READY_TIMEOUT_S: Final = 20.0  # cameras identified, sound devices looked up
AGENT_STOP_TIMEOUT_S: Final = 15.0  # systemd's TimeoutStopSec; the agent's own budget is 5 s
HTTP_TIMEOUT_S: Final = 5.0
POLL_S: Final = 0.1
LOG_TAIL_LINES: Final = 30


class DemoFailed(Exception):
    """The demo cannot go on; the message is for the person watching."""


class RoomAgent:
    """``appliance agent --simulate`` as a child process: start, wait ready, API, faults, stop."""

    def __init__(
        self,
        workdir: Path,
        *,
        lang: str = "vi",
        room_id: str = ROOM_ID,
        ready_timeout_s: float = AGENT_READY_TIMEOUT_S,
        devices_timeout_s: float = DEVICES_READY_TIMEOUT_S,
        stop_timeout_s: float = AGENT_STOP_TIMEOUT_S,
    ) -> None:
        self.workdir = workdir
        self.lang = lang
        self.room_dir = workdir / room_id
        self.config_path = self.room_dir / "appliance.toml"
        self.log_path = workdir / "agent.log"
        self.room_id = room_id
        self._ready_timeout_s = ready_timeout_s
        self._devices_timeout_s = devices_timeout_s
        self._stop_timeout_s = stop_timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        self.config: AgentConfig | None = None
        self._client: httpx.Client | None = None

    @property
    def argv(self) -> list[str]:
        """The command line after ``appliance``."""
        return [
            "agent",
            "--simulate",
            "--rooms-dir",
            str(self.workdir),
            "--room-id",
            self.room_id,
            "--lang",
            self.lang,
        ]

    @property
    def base_url(self) -> str:
        from appliance.config import parse_listen

        if self.config is None:
            raise DemoFailed("the agent has not written its config yet")
        host, port = parse_listen(self.config.api.listen)
        return f"http://{host}:{port}/api/v1"

    @property
    def control_path(self) -> Path:
        from appliance.agent.sim_control import SOCKET_NAME

        return self.room_dir / SOCKET_NAME

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            # Its own session: Ctrl-C reaches the demo, which stops the agent by PID.
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "appliance", *self.argv],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self) -> float:
        """Seconds from start until the API answers and both cameras are identified."""
        import httpx

        from appliance.config import load_config

        started = time.monotonic()
        self._until(lambda: self.config_path.exists(), self._ready_timeout_s, "config")
        self.config = load_config(self.config_path)
        token_file = self.config.token_file

        def api_up() -> bool:
            try:
                ok = httpx.get(self.base_url.removesuffix("/api/v1") + "/healthz", timeout=1.0)
            except httpx.TransportError:
                return False
            return ok.status_code == 200 and token_file.exists()

        self._until(api_up, self._ready_timeout_s, "/healthz")
        token = token_file.read_text(encoding="utf-8").strip()
        self._client = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept-Language": self.lang},
            timeout=HTTP_TIMEOUT_S,
        )

        def settled() -> bool:
            """Both cameras identified; the sound devices looked up (found or not)."""
            devices = self.devices()
            cameras = [d["state"] == "ready" for d in devices if d["kind"] == "camera"]
            sound = [d["state"] == "ready" or bool(d.get("last_error"))
                     for d in devices if d["kind"] in ("microphone", "speaker")]  # fmt: skip
            return bool(cameras) and all(cameras) and all(sound)

        self._until(settled, self._devices_timeout_s, "devices")
        return time.monotonic() - started

    def devices(self) -> list[dict[str, Any]]:
        answer = self._api().get("/devices")
        answer.raise_for_status()
        devices: list[dict[str, Any]] = answer.json()
        return devices

    def last_run(self) -> dict[str, Any]:
        """The newest readiness-check run, as the API returns it."""
        answer = self._api().get("/checks", params={"limit": 1})
        answer.raise_for_status()
        runs: list[dict[str, Any]] = answer.json()
        if not runs:
            raise DemoFailed("no check run in the agent's history")
        return runs[0]

    def fault(self, request: Mapping[str, object]) -> str:
        from appliance.agent.sim_control import send

        return send(self.control_path, request)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> int | None:
        """SIGTERM by PID, wait; SIGKILL after the timeout. The exit code (None: not started)."""
        if self._client is not None:
            self._client.close()
            self._client = None
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                return proc.wait(self._stop_timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
        return proc.wait()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> RoomAgent:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- internals ---------------------------------------------------------------------

    def _api(self) -> httpx.Client:
        if self._client is None:
            raise DemoFailed("the agent is not ready")
        return self._client

    def _until(self, ready: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not ready():
            if self.proc is not None and self.proc.poll() is not None:
                reason = t("demo.agent.exited", self.lang, code=self.proc.returncode)
                raise DemoFailed(self._failed(reason))
            if time.monotonic() > deadline:
                reason = t("demo.agent.timeout", self.lang, seconds=timeout_s, what=what)
                raise DemoFailed(self._failed(reason))
            time.sleep(POLL_S)

    def _failed(self, reason: str) -> str:
        return t(
            "demo.agent.failed", self.lang, reason=reason, log=self.log_path, tail=self.log_tail()
        )
