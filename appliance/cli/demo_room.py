"""``appliance demo room``: the whole meeting room on simulated hardware, through the real programs.

1. ``appliance agent --simulate`` in its own process — the real agent on a 2-camera VISCA
   chain on a pty (paced at 9600 baud), the cameras' scene video, the PulseAudio room and
   an Xvfb screen with a CEC TV (``appliance/agent/simulate.py``);
2. waits until it is ready (``/healthz``, token file, both cameras identified) and shows
   the device list from ``GET /api/v1/devices``; stores each named preset's reference
   picture with ``appliance check reference`` (through the agent), as at installation;
3. the readiness check through the real ``appliance check`` code path against that agent
   (live progress, then the Vietnamese result table) — expected ĐẠT;
4. a fault a technician knows: camera 2's RS-232 cable pulled off the chain (the
   simulator's fault control, ``appliance/agent/sim_control.py``, a local Unix socket of
   the simulated room — not part of the control API); the check again — expected LỖI on
   ``camera.cam2.link`` with the remedy;
5. the cable back; the check once more — expected ĐẠT; then SIGTERM to the agent, which
   must exit 0.

Each expectation is verified (exit code of ``appliance check`` and the run read back from
``GET /api/v1/checks``); a miss ends the demo with a non-zero exit code, so the demo is
also the project's end-to-end smoke run. A missing sound server or Xvfb is named with its
Debian package; the demo goes on and leaves that category out of the checks.
"""

from __future__ import annotations

import ctypes.util
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import typer

from appliance.cli.demo_agent import DemoFailed, RoomAgent
from appliance.i18n import t

FAULT_CAMERA: Final = 2  # the second camera of the chain (config id cam2, VISCA address 2)
CATEGORIES: Final = ("camera", "video", "audio", "display", "system", "hub")
KEEP_POLL_S: Final = 0.5  # --keep: how often to look whether the agent still runs
EXIT_PASS: Final = 0  # appliance check's exit codes (appliance/agent/checks/report.py)
EXIT_FAIL: Final = 2


@dataclass(frozen=True)
class Missing:
    """A system part the simulated room needs, absent here."""

    what: str  # i18n key
    packages: str  # Debian packages to install
    category: str  # the check category left out without it


def missing_parts() -> list[Missing]:
    """What of PulseAudio / Xvfb + VLC is not installed (the agent runs without them)."""
    missing = []
    audio = [
        p
        for p, cmd in (("pulseaudio", "pulseaudio"), ("pulseaudio-utils", "pactl"))
        if shutil.which(cmd) is None
    ]
    if audio:
        missing.append(Missing("demo.missing.pulse", " ".join(audio), "audio"))
    screen = [] if shutil.which("Xvfb") else ["xvfb"]
    if ctypes.util.find_library("vlc") is None:
        screen.append("vlc")
    if screen:
        missing.append(Missing("demo.missing.xvfb", " ".join(screen), "display"))
    return missing


def run_room(*, lang: str, run_cli: Callable[[Sequence[str]], int], keep: bool = False) -> int:
    """Part 2 of the demo; the exit code (0: every expectation met). ``run_cli`` runs one
    technician command (``demo.run_cli``; passed in so this module does not import its
    caller)."""

    started = time.monotonic()
    typer.echo(t("demo.part.room", lang))
    missing = missing_parts()
    for part in missing:
        what = t(part.what, lang)
        typer.echo(t("demo.missing", lang, what=what, packages=part.packages), err=True)
    left_out = {m.category for m in missing}
    categories = [c for c in CATEGORIES if c not in left_out]
    with tempfile.TemporaryDirectory(prefix="appliance-demo-") as tmp:
        agent = RoomAgent(Path(tmp), lang=lang)
        try:
            with agent:
                _Room(agent, lang, categories, run_cli).run(keep)
                code = _stop(agent, lang)
        except DemoFailed as exc:
            typer.echo(t("demo.room.failed", lang, reason=str(exc)), err=True)
            return 1
    if code != 0:
        return 1
    typer.echo(t("demo.room.done", lang, seconds=time.monotonic() - started))
    return 0


class _Room:
    """The scripted steps against a started agent."""

    def __init__(
        self,
        agent: RoomAgent,
        lang: str,
        categories: list[str],
        run_cli: Callable[[Sequence[str]], int],
    ) -> None:
        self.agent = agent
        self.lang = lang
        self.categories = categories
        self.run_cli = run_cli
        self.item = f"camera.cam{FAULT_CAMERA}.link"

    def run(self, keep: bool) -> None:
        agent, lang = self.agent, self.lang
        command = "appliance " + " ".join(agent.argv)
        typer.echo(t("demo.step", lang, what=t("demo.agent.start", lang, command=command)))
        agent.start()
        seconds = agent.wait_ready()
        typer.echo(
            t("demo.agent.ready", lang, seconds=seconds, url=agent.base_url, log=agent.log_path)
        )
        show_devices(agent.devices(), lang)
        self._store_references()

        self._check("demo.check.first", EXIT_PASS)
        message = agent.fault({"op": "unplug", "camera": FAULT_CAMERA})
        typer.echo(
            t("demo.step", lang, what=t("demo.fault", lang, camera=FAULT_CAMERA, message=message))
        )
        # The technician re-checks what the fault touched: the cameras only.
        result = self._check("demo.check.fault", EXIT_FAIL, only=["camera"], camera=FAULT_CAMERA)
        self._expect_item(result, "fail")
        typer.echo(
            t(
                "demo.fault.seen",
                lang,
                item=self.item,
                message=_text(result, "message", lang),
                hint=_text(result, "remediation", lang),
            )
        )

        message = agent.fault({"op": "replug", "camera": FAULT_CAMERA})
        typer.echo(
            t("demo.step", lang, what=t("demo.replug", lang, camera=FAULT_CAMERA, message=message))
        )
        result = self._check("demo.check.last", EXIT_PASS)
        self._expect_item(result, "pass")
        typer.echo(t("demo.fault.cleared", lang, camera=FAULT_CAMERA, item=self.item))
        if keep:
            self._keep()

    def _store_references(self) -> None:
        """``appliance check reference CAM PRESET`` for every named preset (via the agent)."""
        cfg = self.agent.config
        if cfg is None:
            return
        typer.echo(t("demo.step", self.lang, what=t("demo.references", self.lang)))
        for camera in cfg.cameras:
            for preset in camera.presets:
                argv = ["check", "reference", camera.id, preset,
                        "--config", str(self.agent.config_path), "--lang", self.lang]  # fmt: skip
                code = self.run_cli(argv)
                if code != EXIT_PASS:
                    got = t("demo.expected.exit", self.lang, code=code)
                    raise DemoFailed(self._unexpected(" ".join(argv), got))

    def _check(
        self, step: str, expected: int, only: list[str] | None = None, **params: object
    ) -> dict[str, Any]:
        """``appliance check`` as typed at a shell; the expected exit code; this item's result."""
        argv = ["check", "--config", str(self.agent.config_path), "--lang", self.lang]
        only = only or self.categories
        if len(only) < len(CATEGORIES):
            argv += ["--only", ",".join(only)]
        typer.echo(t("demo.step", self.lang, what=t(step, self.lang, **params)))
        typer.echo(t("demo.check", self.lang, args=" ".join(argv[1:])))
        code = self.run_cli(argv)
        if code != expected:
            raise DemoFailed(
                self._unexpected(
                    t("demo.expected.exit", self.lang, code=expected),
                    t("demo.expected.exit", self.lang, code=code),
                )
            )
        run = self.agent.last_run()
        for result in run.get("results", []):
            if result.get("id") == self.item:
                found: dict[str, Any] = result
                return found
        raise DemoFailed(self._unexpected(self.item, "—"))

    def _expect_item(self, result: Mapping[str, Any], status: str) -> None:
        if result.get("status") != status:
            raise DemoFailed(
                self._unexpected(
                    t("demo.expected.item", self.lang, item=self.item, status=status),
                    t("demo.expected.item", self.lang, item=self.item, status=result.get("status")),
                )
            )

    def _unexpected(self, expected: str, got: str) -> str:
        return t("demo.unexpected", self.lang, expected=expected, got=got)

    def _keep(self) -> None:
        agent = self.agent
        cfg = agent.config
        token_file = cfg.token_file if cfg is not None else ""
        typer.echo(
            t(
                "demo.keep",
                self.lang,
                url=agent.base_url,
                docs=f"{agent.base_url}/openapi.json",
                token_file=token_file,
                config=agent.config_path,
                control=agent.control_path,
            )
        )
        try:
            while agent.alive():
                time.sleep(KEEP_POLL_S)
        except KeyboardInterrupt:
            typer.echo("")
            return
        code = agent.proc.returncode if agent.proc is not None else None
        raise DemoFailed(t("demo.agent.exited", self.lang, code=code))


def _stop(agent: RoomAgent, lang: str) -> int | None:
    pid = agent.proc.pid if agent.proc is not None else None
    typer.echo(t("demo.step", lang, what=t("demo.agent.stop", lang, pid=pid)))
    started = time.monotonic()
    code = agent.stop()
    typer.echo(t("demo.agent.stopped", lang, seconds=time.monotonic() - started, code=code))
    return code


def show_devices(devices: Sequence[Mapping[str, Any]], lang: str) -> None:
    """The device list as a table, states in the reader's language."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=t("demo.devices.title", lang), title_justify="left")
    for key in ("id", "kind", "state", "details"):
        table.add_column(t(f"demo.devices.{key}", lang))
    for device in devices:
        table.add_row(
            str(device.get("id")),
            t(f"demo.kind.{device.get('kind')}", lang),
            _state(device, lang),
            _details(device),
        )
    Console(highlight=False).print(table)


def _state(device: Mapping[str, Any], lang: str) -> str:
    state = str(device.get("state"))
    error = device.get("last_error")
    if state == "disconnected" and not error:
        state = "idle"  # video and displays open on use
    text = t(f"demo.state.{state}", lang)
    return f"{text}: {error}" if error else text


def _details(device: Mapping[str, Any]) -> str:
    details = device.get("details") or {}
    keys = ("model", "address", "device", "baud", "cameras_on_chain", "output", "x_display", "url")
    return ", ".join(f"{k}={details[k]}" for k in keys if details.get(k) not in (None, ""))


def _text(result: Mapping[str, Any], field: str, lang: str) -> str:
    texts = result.get(field) or {}
    return str(texts.get(lang) or texts.get("vi") or "")
