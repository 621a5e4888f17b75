"""``appliance demo province`` (``make demo``): a hub and the province's rooms on one PC.

    appliance demo province [--rooms 31] [--lang en] [--dir D] [--no-faults] [--once]

What it starts, all on loopback, every process a child that dies with this one:

1. one PulseAudio server and one Xvfb screen shared by every room (a sink set and a
   monitor — a window — per room: 31 servers would not fit 2 cores and 6 GB);
2. the hub (``appliance hub serve``, SQLite in the demo directory), an administrator with
   a fresh random password, and the rooms imported with their districts;
3. one real agent process per room (``appliance agent --simulate``: a 2-camera VISCA
   chain on a pseudo-terminal, the cameras' pictures rendered from where they point,
   the room's microphone and speaker in the shared sound server, its display on its
   monitor of the shared screen, a TV on a stand-in HDMI-CEC), each enrolled at the hub
   with its own one-time token;
4. three planted faults, so the province looks like a bad morning before a session: a
   camera off its chain, a dead microphone, a TV that shows nothing.

It prints the dashboard address and the administrator's credentials, waits until every
room is Online at the hub (the time is printed), and then runs until Ctrl-C (``--once``:
stops as soon as all rooms are Online, for tests and CI). Ctrl-C stops every agent,
the hub, the screen and the sound server, by PID, and removes the temporary directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Final

import httpx
import typer

from appliance.i18n import nt, t

# (id, name, district): the province's 31 online meeting rooms ("điểm cầu"): the
# provincial party committee, council, people's committee and Fatherland Front, and the
# 27 districts, towns and cities (the seeds' province, 2018).
ROOMS: Final[tuple[tuple[str, str, str], ...]] = (
    ("tinh-uy", "Tỉnh ủy", "Cấp tỉnh"),
    ("hdnd-tinh", "HĐND tỉnh", "Cấp tỉnh"),
    ("ubnd-tinh", "UBND tỉnh", "Cấp tỉnh"),
    ("mttq-tinh", "Ủy ban MTTQ tỉnh", "Cấp tỉnh"),
    ("tp-thanh-hoa", "TP. Thanh Hóa", "TP. Thanh Hóa"),
    ("tx-bim-son", "TX. Bỉm Sơn", "TX. Bỉm Sơn"),
    ("tp-sam-son", "TP. Sầm Sơn", "TP. Sầm Sơn"),
    ("muong-lat", "Huyện Mường Lát", "Mường Lát"),
    ("quan-hoa", "Huyện Quan Hóa", "Quan Hóa"),
    ("ba-thuoc", "Huyện Bá Thước", "Bá Thước"),
    ("quan-son", "Huyện Quan Sơn", "Quan Sơn"),
    ("lang-chanh", "Huyện Lang Chánh", "Lang Chánh"),
    ("ngoc-lac", "Huyện Ngọc Lặc", "Ngọc Lặc"),
    ("cam-thuy", "Huyện Cẩm Thủy", "Cẩm Thủy"),
    ("thach-thanh", "Huyện Thạch Thành", "Thạch Thành"),
    ("ha-trung", "Huyện Hà Trung", "Hà Trung"),
    ("vinh-loc", "Huyện Vĩnh Lộc", "Vĩnh Lộc"),
    ("yen-dinh", "Huyện Yên Định", "Yên Định"),
    ("tho-xuan", "Huyện Thọ Xuân", "Thọ Xuân"),
    ("thuong-xuan", "Huyện Thường Xuân", "Thường Xuân"),
    ("trieu-son", "Huyện Triệu Sơn", "Triệu Sơn"),
    ("thieu-hoa", "Huyện Thiệu Hóa", "Thiệu Hóa"),
    ("hoang-hoa", "Huyện Hoằng Hóa", "Hoằng Hóa"),
    ("hau-loc", "Huyện Hậu Lộc", "Hậu Lộc"),
    ("nga-son", "Huyện Nga Sơn", "Nga Sơn"),
    ("nhu-xuan", "Huyện Như Xuân", "Như Xuân"),
    ("nhu-thanh", "Huyện Như Thanh", "Như Thanh"),
    ("nong-cong", "Huyện Nông Cống", "Nông Cống"),
    ("dong-son", "Huyện Đông Sơn", "Đông Sơn"),
    ("quang-xuong", "Huyện Quảng Xương", "Quảng Xương"),
    ("tinh-gia", "Huyện Tĩnh Gia", "Tĩnh Gia"),
)
ADMIN: Final = "admin"
# The demo's meeting: 15 min ahead, its automatic check 3 min after the demo is up.
MEETING_AHEAD_S: Final = 15 * 60.0
MEETING_CHECK_BEFORE_S: Final = 12 * 60.0
VIETNAM: Final = timezone(timedelta(hours=7))

# Planted faults (sim-control requests, appliance/agent/sim_control.py), on the last three
# rooms of the demo: a camera off its chain, a dead microphone, a TV that shows nothing.
FAULTS: Final[tuple[tuple[str, dict[str, object]], ...]] = (
    ("demo.province.fault.camera", {"op": "unplug", "camera": 2}),
    ("demo.province.fault.microphone", {"op": "microphone", "silent": True}),
    ("demo.province.fault.tv", {"op": "tv", "power": "standby"}),
)
TILE: Final = (480, 270)  # each room's monitor on the shared screen
TILES_PER_ROW: Final = 8
HUB_READY_TIMEOUT_S: Final = 60.0
HUB_PORT_TRIES: Final = 3
ONLINE_TIMEOUT_S: Final = 240.0  # on a loaded 2-core machine 31 agents take ~1 min
AGENT_STOP_TIMEOUT_S: Final = 10.0
POLL_S: Final = 0.25


class ProvinceError(Exception):
    """The demo could not start (the message says what, in the chosen language)."""


@dataclass
class Province:
    """The running demo province: its directory, hub, rooms and shared simulators."""

    directory: Path
    rooms: list[tuple[str, str, str]]
    lang: str = "vi"
    faults: bool = True
    first_check: bool = False  # a fleet check once all are Online: the tiles get colours
    say: Callable[[str], None] = typer.echo
    hub_url: str = ""
    admin_password: str = ""
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    online_after_s: float | None = None
    _audio: object | None = None
    _screen: object | None = None
    _screen_loop: tuple[asyncio.AbstractEventLoop, threading.Thread] | None = None
    _logs: list[object] = field(default_factory=list)

    @property
    def audio_server(self) -> str | None:
        """The shared sound server's address (``unix:…/native``), None without one."""
        server = getattr(self._audio, "server", None)
        return server if isinstance(server, str) else None

    # -- start ---------------------------------------------------------------------------

    def start(self) -> None:
        """Everything up and every room Online at the hub (or ProvinceError)."""
        started = time.monotonic()
        self.directory.mkdir(parents=True, exist_ok=True)
        for own in ("hub", "rooms", "logs"):  # a previous demo's, when --dir is reused
            shutil.rmtree(self.directory / own, ignore_errors=True)
        audio_server, xdisplay = self._start_shared()
        self._start_hub()
        tokens = self._issue_tokens()
        for index, (room_id, name, district) in enumerate(self.rooms):
            self._start_room(
                index, room_id, name, district, tokens[room_id], audio_server, xdisplay
            )
        self.say(nt("demo.province.rooms_started", len(self.rooms), self.lang))
        self._wait_online(started)
        if self.faults:
            self._plant_faults()
        if self.first_check:
            self._start_first_check()
            self._schedule_meeting()

    def _start_shared(self) -> tuple[str | None, str | None]:
        """The shared sound server and screen; a missing part is named, rooms go on."""
        from drivers.audio.simulator import SharedAudioServer
        from drivers.display.simulator import DisplaySimulator
        from drivers.errors import DeviceError

        audio_server = None
        audio = SharedAudioServer(base_dir=self.directory)
        try:
            audio_server = audio.start()
            self._audio = audio
        except DeviceError as exc:
            self.say(t("demo.province.no_audio", self.lang, error=str(exc)))
        width, height = TILE
        monitors = [
            (
                _output(i),
                f"{width}x{height}+{(i % TILES_PER_ROW) * width}+{(i // TILES_PER_ROW) * height}",
            )
            for i in range(len(self.rooms))
        ]
        screen = DisplaySimulator(monitors=monitors)
        # The simulator starts Xvfb from its loop's worker thread, and Xvfb dies with the
        # thread that started it (setpriv --pdeathsig): a loop of our own, kept running in
        # a thread until stop(), keeps those workers alive (asyncio.run would end them).
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="shared-screen", daemon=True)
        thread.start()
        self._screen_loop = (loop, thread)
        xdisplay = None
        try:
            xdisplay = asyncio.run_coroutine_threadsafe(screen.start(), loop).result()
            self._screen = screen
        except DeviceError as exc:
            self.say(t("demo.province.no_screen", self.lang, error=str(exc)))
        return audio_server, xdisplay

    def _start_hub(self) -> None:
        hub_dir = self.directory / "hub"
        hub_dir.mkdir(exist_ok=True)
        self.admin_password = secrets.token_urlsafe(12)
        password_file = hub_dir / "admin-password"
        password_file.write_text(self.admin_password + "\n", encoding="utf-8")
        password_file.chmod(0o600)
        rooms_csv = hub_dir / "rooms.csv"
        rooms_csv.write_text(
            "id,name,district\n" + "".join(f"{i},{n},{d}\n" for i, n, d in self.rooms),
            encoding="utf-8",
        )
        state = ["--state-dir", str(hub_dir / "state")]
        self._cli("hub", "create-admin", ADMIN, "--password-file", str(password_file), *state)
        self._cli("hub", "rooms", "import", str(rooms_csv), *state)
        # The port is chosen free, then bound by the hub process: another program can take
        # it in between (the agents hold theirs: agent/simulate.py bound_loopback_socket).
        # A hub that stopped on "address already in use" gets another port.
        for attempt in range(1, HUB_PORT_TRIES + 1):
            port = _free_port()
            self.hub_url = f"http://127.0.0.1:{port}"
            self.processes["hub"] = self._spawn(
                "hub", ["hub", "serve", *state, "--listen", f"127.0.0.1:{port}"]
            )
            try:
                self._wait_hub()
            except ProvinceError:
                taken = "address already in use" in self._tail("hub")
                if not taken or attempt == HUB_PORT_TRIES or self.processes["hub"].poll() is None:
                    raise
                continue
            break
        self.say(t("demo.province.hub_up", self.lang, url=self.hub_url))

    def _wait_hub(self) -> None:
        deadline = time.monotonic() + HUB_READY_TIMEOUT_S
        while True:
            self._check_alive("hub")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.hub_url}/healthz", timeout=2).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise ProvinceError(
                    t("demo.province.hub_timeout", self.lang, log=self._tail("hub"))
                )
            time.sleep(POLL_S)

    def _issue_tokens(self) -> dict[str, str]:
        """One enrolment token per room, through the hub's admin API as the administrator."""
        client = self._admin()
        with contextlib.closing(client):
            tokens: dict[str, str] = {}
            for room_id, _, _ in self.rooms:
                response = client.post(f"/api/v1/rooms/{room_id}/enrolment-token", json={})
                if response.status_code != 201:
                    raise ProvinceError(
                        t("demo.province.token_failed", self.lang, room=room_id,
                          status=response.status_code, body=response.text[:200])
                    )  # fmt: skip
                tokens[room_id] = str(response.json()["token"])
            return tokens

    def _start_room(
        self,
        index: int,
        room_id: str,
        name: str,
        district: str,
        token: str,
        audio_server: str | None,
        xdisplay: str | None,
    ) -> None:
        rooms_dir = self.directory / "rooms"
        rooms_dir.mkdir(exist_ok=True)
        token_file = rooms_dir / f"{room_id}.token"
        token_file.write_text(token, encoding="utf-8")
        token_file.chmod(0o600)
        args = [
            "agent", "--simulate", "--rooms-dir", str(rooms_dir), "--room-id", room_id,
            "--room-name", name, "--district", district, "--lang", self.lang,
            "--hub", self.hub_url, "--hub-token-file", str(token_file),
        ]  # fmt: skip
        if audio_server is not None:
            args += ["--shared-audio", audio_server]
        if xdisplay is not None:
            args += ["--shared-x", xdisplay, "--x-output", _output(index)]
        else:
            args.append("--no-display")
        self.processes[room_id] = self._spawn(room_id, args)

    def _wait_online(self, started: float) -> None:
        deadline = time.monotonic() + ONLINE_TIMEOUT_S
        want = {room_id for room_id, _, _ in self.rooms}
        shown = -1
        client = self._admin()
        with contextlib.closing(client):
            while True:
                for name in self.processes:
                    self._check_alive(name)
                with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                    listed = client.get("/api/v1/rooms").json()
                    online = {r["id"] for r in listed if r.get("online")} & want
                    if len(online) != shown:
                        shown = len(online)
                        self.say(
                            t("demo.province.online", self.lang, online=shown, total=len(want))
                        )
                    if online == want:
                        self.online_after_s = time.monotonic() - started
                        return
                if time.monotonic() > deadline:
                    raise ProvinceError(
                        t("demo.province.online_timeout", self.lang, online=max(shown, 0),
                          total=len(want), seconds=f"{ONLINE_TIMEOUT_S:.0f}")
                    )  # fmt: skip
                time.sleep(POLL_S)

    def _plant_faults(self) -> None:
        from appliance.agent.sim_control import SOCKET_NAME, send

        if len(self.rooms) < 4:  # a tiny demo keeps every room healthy
            return
        for (what, request), (room_id, name, _) in zip(FAULTS, reversed(self.rooms), strict=False):
            socket_path = self.directory / "rooms" / room_id / SOCKET_NAME
            try:
                send(socket_path, request)
            except Exception as exc:  # one failed fault must not stop the demo
                self.say(t("demo.province.fault_failed", self.lang, room=name, error=str(exc)))
            else:
                self.say(t(what, self.lang, room=name))

    def _start_first_check(self) -> None:
        """The morning routine: a readiness check of every room (the planted faults show
        red with their hints on the dashboard). Not waited for; it runs on in the hub."""
        client = self._admin()
        with contextlib.closing(client):
            answer = client.post("/api/v1/checks", json={"all": True})
        if answer.status_code == 202:
            self.say(t("demo.province.first_check", self.lang, count=len(self.rooms)))
        else:
            self.say(t("demo.province.first_check_failed", self.lang, status=answer.status_code))

    def _schedule_meeting(self) -> None:
        """A province meeting a quarter of an hour ahead, its automatic readiness check a
        few minutes from now: the schedule at work (issue 11) while someone watches."""
        now = time.time()
        start, check_at = now + MEETING_AHEAD_S, now + MEETING_AHEAD_S - MEETING_CHECK_BEFORE_S
        body = {
            "title": t("demo.province.meeting_title", self.lang),
            "start": datetime.fromtimestamp(start, VIETNAM).isoformat(),
            "end": datetime.fromtimestamp(start + 3600, VIETNAM).isoformat(),
            "all": True,
            "check_before_min": MEETING_CHECK_BEFORE_S / 60,
        }
        client = self._admin()
        with contextlib.closing(client):
            answer = client.post("/api/v1/meetings", json=body)
        if answer.status_code != 201:
            self.say(t("demo.province.meeting_failed", self.lang, status=answer.status_code))
            return

        def hhmm(epoch: float) -> str:
            return datetime.fromtimestamp(epoch, VIETNAM).strftime("%H:%M")

        self.say(t("demo.province.meeting", self.lang, start=hhmm(start), check=hhmm(check_at)))

    # -- stop ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Every process this demo started, by PID; then the shared simulators; then files."""
        rooms = [p for name, p in self.processes.items() if name != "hub"]
        for proc in rooms:
            _signal(proc, signal.SIGTERM)
        _reap(rooms, AGENT_STOP_TIMEOUT_S)
        hub = self.processes.get("hub")
        if hub is not None:
            _signal(hub, signal.SIGTERM)
            _reap([hub], AGENT_STOP_TIMEOUT_S)
        self.processes.clear()
        for log in self._logs:
            with contextlib.suppress(Exception):
                log.close()  # type: ignore[attr-defined]
        if self._screen_loop is not None:
            loop, thread = self._screen_loop
            if self._screen is not None:
                with contextlib.suppress(Exception):
                    stopping = self._screen.stop()  # type: ignore[attr-defined]
                    asyncio.run_coroutine_threadsafe(stopping, loop).result(30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()
            self._screen_loop = None
            self._screen = None
        if self._audio is not None:
            with contextlib.suppress(Exception):
                self._audio.stop()  # type: ignore[attr-defined]
            self._audio = None

    # -- internals -----------------------------------------------------------------------

    def _admin(self) -> httpx.Client:
        """An httpx client logged in as the administrator (session cookie + CSRF header)."""
        client = httpx.Client(base_url=self.hub_url, timeout=30)
        response = client.post(
            "/api/v1/auth/login", json={"username": ADMIN, "password": self.admin_password}
        )
        if response.status_code != 200:
            client.close()
            raise ProvinceError(
                t("demo.province.login_failed", self.lang, status=response.status_code)
            )
        csrf = response.json().get("csrf_token")
        if csrf:
            client.headers["X-CSRF-Token"] = str(csrf)
        return client

    def _cli(self, *args: str) -> None:
        done = subprocess.run(  # noqa: S603 - our own CLI, fixed argv
            [*_appliance(), *args], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise ProvinceError(
                t("demo.province.step_failed", self.lang, step=" ".join(args[:3]),
                  error=(done.stderr or done.stdout).strip()[-400:])
            )  # fmt: skip

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        logs = self.directory / "logs"
        logs.mkdir(exist_ok=True)
        out = (logs / f"{name}.log").open("wb")
        self._logs.append(out)
        # setpriv --pdeathsig: a demo killed without its cleanup (SIGKILL) takes its rooms
        # and hub along instead of leaving 32 processes behind.
        setpriv = shutil.which("setpriv")
        lifeline = [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
        return subprocess.Popen(  # noqa: S603 - our own CLI, fixed argv
            [*lifeline, *_appliance(), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def _check_alive(self, name: str) -> None:
        proc = self.processes[name]
        if proc.poll() is not None:
            raise ProvinceError(
                t("demo.province.died", self.lang, name=name, code=proc.returncode,
                  log=self._tail(name))
            )  # fmt: skip

    def _tail(self, name: str) -> str:
        with contextlib.suppress(OSError):
            text = (self.directory / "logs" / f"{name}.log").read_text(errors="replace")
            return "\n".join(text.strip().splitlines()[-8:])
        return ""


def run_province(
    rooms: int, *, lang: str = "vi", directory: Path | None = None, faults: bool = True,
    once: bool = False,
) -> int:  # fmt: skip
    """The whole demo; returns the exit code (0, 1 when it could not start, 130 on Ctrl-C)."""
    if not 1 <= rooms <= len(ROOMS):
        typer.echo(t("demo.province.bad_rooms", lang, max=len(ROOMS)), err=True)
        return 2
    temp = None
    if directory is None:
        temp = Path(tempfile.mkdtemp(prefix="appliance-province-"))
    province = Province(
        directory=directory or temp or Path(),
        rooms=list(ROOMS[:rooms]),
        lang=lang,
        faults=faults,
        first_check=True,
        say=typer.echo,
    )

    def on_signal(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        province.start()
        typer.echo(
            nt("demo.province.ready", rooms, lang, seconds=f"{province.online_after_s:.1f}",
              url=f"{province.hub_url}/", user=ADMIN, password=province.admin_password,
              directory=str(province.directory)),
        )  # fmt: skip
        typer.echo(json.dumps({"hub": province.hub_url, "online_after_s": province.online_after_s}))
        if not once:
            signal.pause()
    except KeyboardInterrupt:
        code = 130
    except ProvinceError as exc:
        typer.echo(str(exc), err=True)
        code = 1
    finally:
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
        typer.echo(t("demo.province.stopping", lang))
        province.stop()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
        for s, handler in old.items():
            signal.signal(s, handler)
        typer.echo(t("demo.province.stopped", lang))
    return code


def _output(index: int) -> str:
    return f"ROOM-{index + 1:02d}"


def _appliance() -> list[str]:
    """This very CLI, run with the same interpreter (works from a venv or a wheel)."""
    return [sys.executable, "-m", "appliance"]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _signal(proc: subprocess.Popen[bytes], signum: int) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signum)


def _reap(procs: list[subprocess.Popen[bytes]], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
