"""``appliance camera``: the technician's tool for one VISCA camera.

    appliance camera --port /dev/ttyUSB0 [--address 1] [--model auto] [--lang vi|en] COMMAND
      info | position | power on|off | stop
      move left|right|up|down|up-left|up-right|down-left|down-right [--speed N] [--duration S]
      goto PAN TILT [--degrees] [--speed N]
      zoom tele|wide|stop [--speed 0-7]  |  zoom to POS
      preset store|recall|reset N

``--port`` takes a serial path (``/dev/ttyUSB0``, the simulator's pty link) or a VISCA
URL (``visca-ip://host:52381``, ``tcp://host:5678``, ``udp://host:1259``,
``serial:///dev/ttyUSB0?baud=9600``). Each command opens the port through the production
driver (``ViscaPort`` + ``ViscaCamera``: AddressSet and IF_Clear on serial chains),
does one thing, prints the result in Vietnamese (``--lang en`` for English) and closes
the port. Every failure is one line on stderr and exit code 1 — a missing, busy or
forbidden port, a silent camera, a refused command — never a traceback.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, NoReturn, TypeVar

import typer

from appliance.cli.options import lang_option
from appliance.i18n import nt, t
from drivers.errors import (
    CommandRejectedError,
    CommandSupersededError,
    ConfigError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    LineNoiseError,
    ProtocolError,
)

if TYPE_CHECKING:
    from drivers.visca.camera import ViscaCamera

T = TypeVar("T")

app = typer.Typer(
    help="Control one VISCA camera (Vietnamese output; --lang en for English).",
    no_args_is_help=True,
)

DIRECTIONS: Final = {
    "left": ("LEFT", "STOP"),
    "right": ("RIGHT", "STOP"),
    "up": ("STOP", "UP"),
    "down": ("STOP", "DOWN"),
    "up-left": ("LEFT", "UP"),
    "up-right": ("RIGHT", "UP"),
    "down-left": ("LEFT", "DOWN"),
    "down-right": ("RIGHT", "DOWN"),
}
# A drive keeps going to the mechanical end; by default stop it after this long.
DEFAULT_MOVE_DURATION_S: Final = 1.0
EXIT_ERROR: Final = 1
EXIT_INTERRUPTED: Final = 130
NOT_EXECUTABLE: Final = 0x41  # VISCA error "command not executable" (standby, menu, busy)


@dataclass(frozen=True)
class CameraOptions:
    """What every sub-command needs: where the camera is and how to talk."""

    port: str
    address: int = 1
    model: str = "auto"
    baud: int | None = None
    lang: str = "vi"


class CliError(Exception):
    """A failure already phrased for the technician (one line)."""


@app.callback()
def camera(
    ctx: typer.Context,
    port: str = typer.Option(..., "--port", "-p", help="Serial path or VISCA URL."),
    address: int = typer.Option(1, "--address", "-a", min=1, max=7, help="Camera address 1–7."),
    model: str = typer.Option("auto", "--model", "-m", help="Model profile, or auto (ask it)."),
    baud: int | None = typer.Option(None, "--baud", help="Serial speed (default 9600)."),
    lang: str = lang_option(),
) -> None:
    """Common options; the command follows them."""
    ctx.obj = CameraOptions(port=port, address=address, model=model, baud=baud, lang=lang)


@app.command("info")
def info(ctx: typer.Context) -> None:
    """Model, version, power, position, zoom and focus."""
    _run(ctx.obj, show_info)


@app.command("position")
def position(ctx: typer.Context) -> None:
    """Pan/tilt position (degrees and units) and zoom."""
    _run(ctx.obj, show_position)


@app.command("power")
def power(ctx: typer.Context, state: str = typer.Argument(..., help="on or off")) -> None:
    """Switch the camera on, or to standby."""
    if state not in ("on", "off"):
        _fail(ctx.obj, t("camera.error.invalid", ctx.obj.lang, detail=f"power {state!r} (on/off)"))
    _run(ctx.obj, lambda session: set_power(session, state == "on"))


@app.command("move")
def move(
    ctx: typer.Context,
    direction: str = typer.Argument(..., help="left, right, up, down, up-left, …"),
    speed: int | None = typer.Option(None, "--speed", "-s", help="Pan/tilt speed 1…max."),
    duration: float = typer.Option(
        DEFAULT_MOVE_DURATION_S, "--duration", "-d", help="Seconds, then stop (0 = keep moving)."
    ),
) -> None:
    """Drive the camera in a direction."""
    if direction not in DIRECTIONS:
        detail = f"{direction!r} ({', '.join(DIRECTIONS)})"
        _fail(ctx.obj, t("camera.error.invalid", ctx.obj.lang, detail=detail))
    if not duration >= 0:  # -1 (or nan) would drive to the mechanical end stop
        _fail(ctx.obj, t("camera.error.duration", ctx.obj.lang, duration=duration))
    _run(ctx.obj, lambda session: drive(session, direction, speed, duration))


@app.command("stop")
def stop(ctx: typer.Context) -> None:
    """Stop a pan/tilt drive."""
    _run(ctx.obj, halt)


@app.command("goto", context_settings={"ignore_unknown_options": True})
def goto(
    ctx: typer.Context,
    pan: str = typer.Argument(..., help="Pan (units, or degrees with --degrees)."),
    tilt: str = typer.Argument(..., help="Tilt (units, or degrees with --degrees)."),
    degrees: bool = typer.Option(False, "--degrees", help="PAN and TILT are degrees."),
    speed: int | None = typer.Option(None, "--speed", "-s", help="Speed 1…max (default max)."),
) -> None:
    """Absolute move; returns when the camera has arrived."""
    opts: CameraOptions = ctx.obj
    try:
        values = (float(pan), float(tilt)) if degrees else (int(pan, 0), int(tilt, 0))
    except ValueError:
        _fail(opts, t("camera.error.invalid", opts.lang, detail=f"{pan} {tilt}"))
    _run(opts, lambda session: go_to(session, values[0], values[1], degrees=degrees, speed=speed))


@app.command("zoom")
def zoom(
    ctx: typer.Context,
    action: str = typer.Argument(..., help="tele, wide, stop, or to"),
    target: int | None = typer.Argument(None, help="With 'to': zoom position (0 = wide)."),
    speed: int | None = typer.Option(None, "--speed", "-s", help="Zoom speed 0–7."),
) -> None:
    """Zoom in/out/stop, or to a position."""
    opts: CameraOptions = ctx.obj
    if action not in ("tele", "wide", "stop", "to") or (action == "to") != (target is not None):
        _fail(opts, t("camera.error.invalid", opts.lang, detail=f"zoom {action} {target or ''}"))
    _run(opts, lambda session: zoom_lens(session, action, target, speed))


@app.command("preset")
def preset(
    ctx: typer.Context,
    action: str = typer.Argument(..., help="store, recall or reset"),
    number: int = typer.Argument(..., help="Memory number as the camera numbers it."),
) -> None:
    """Store, recall or clear a preset (camera memory)."""
    opts: CameraOptions = ctx.obj
    if action not in ("store", "recall", "reset"):
        _fail(opts, t("camera.error.invalid", opts.lang, detail=f"preset {action}"))
    _run(opts, lambda session: use_preset(session, action, number))


# --- the operations (also used by ``appliance demo``) -------------------------------------


@dataclass
class Session:
    """An open camera for one command: the driver objects and how to print."""

    opts: CameraOptions
    camera: ViscaCamera
    chain_count: int | None
    # What this command set going ("pan-tilt", "zoom"): a Ctrl-C stops exactly these.
    motion: set[str] = field(default_factory=set)
    refused: list[DeviceError] = field(default_factory=list)  # inquiries refused so far
    answered: int = 0

    def say(self, key: str, **params: object) -> None:
        typer.echo(t(key, self.opts.lang, **params))


async def _asked(session: Session, what: str, ask: Callable[[], Awaitable[T]]) -> T | None:
    """One inquiry of a report: a refused or garbled answer is a line of the report, not
    the end of it (issue #7 item 10: one refused inquiry hid every other answer)."""
    try:
        answer = await ask()
    except (CommandRejectedError, ProtocolError) as exc:
        session.refused.append(exc)
        what_text = t(f"camera.what.{what}", session.opts.lang)
        session.say("camera.info.refused", what=what_text, reason=_explain(session.opts, exc))
        return None
    session.answered += 1
    return answer


def _all_refused(session: Session) -> None:
    """Nothing of the report answered: the first refusal is the command's error."""
    if session.refused and not session.answered:
        raise session.refused[0]


async def show_info(session: Session) -> None:
    cam, lang = session.camera, session.opts.lang
    session.say("camera.info.title", address=cam.address, port=session.opts.port)
    if session.chain_count is not None:
        typer.echo(nt("camera.info.chain", session.chain_count, lang))
    session.say("camera.info.model", title=cam.profile.title, profile=cam.profile.name)
    version = await _asked(session, "version", cam.version)
    if version is not None:
        session.say(
            "camera.info.version",
            vendor=version.vendor,
            model=version.model,
            rom=version.rom,
            sockets=version.max_socket,
        )
    power = await _asked(session, "power", cam.power_state)
    if power is not None:
        power_key = {"ON": "on", "STANDBY": "off"}.get(power.name, "fault")
        typer.echo(t(f"camera.power.{power_key}", lang))
    await _show_position(session)
    auto = await _asked(session, "focus_mode", cam.focus_is_auto)
    focus = await _asked(session, "focus", cam.focus_position)
    if auto is not None or focus is not None:
        mode = "?" if auto is None else t(f"camera.focus.{'auto' if auto else 'manual'}", lang)
        session.say("camera.info.focus", mode=mode, focus="?" if focus is None else focus)
    _all_refused(session)


async def show_position(session: Session) -> None:
    await _show_position(session)
    _all_refused(session)


async def _show_position(session: Session) -> None:
    pos = await _asked(session, "position", session.camera.position)
    if pos is not None:
        session.say(
            "camera.position",
            pan=pos.pan,
            tilt=pos.tilt,
            pan_deg=pos.pan_deg,
            tilt_deg=pos.tilt_deg,
        )
        profile = session.camera.profile
        (pan_low, pan_high), (tilt_low, tilt_high) = profile.pan_range, profile.tilt_range
        if not (pan_low <= pos.pan <= pan_high and tilt_low <= pos.tilt <= tilt_high):
            # A position no camera of this model can have: the profile is the wrong one.
            typer.echo(
                t(
                    "camera.warn.out_of_range",
                    session.opts.lang,
                    profile=profile.name,
                    pan=pos.pan,
                    tilt=pos.tilt,
                    pan_range=f"{pan_low}…{pan_high}",
                    tilt_range=f"{tilt_low}…{tilt_high}",
                ),
                err=True,
            )
    zoom_pos = await _asked(session, "zoom", session.camera.zoom_position)
    if zoom_pos is not None:
        session.say("camera.zoom.position", zoom=zoom_pos, percent=_zoom_percent(session, zoom_pos))


async def set_power(session: Session, on: bool) -> None:
    await session.camera.power(on)
    session.say(
        "camera.power.done_on" if on else "camera.power.done_off", address=session.opts.address
    )


async def drive(session: Session, direction: str, speed: int | None, duration: float) -> None:
    from drivers.visca.messages import PanDir, TiltDir

    cam = session.camera
    pan_dir, tilt_dir = DIRECTIONS[direction]
    speed = speed if speed is not None else max(1, cam.profile.max_pan_speed // 2)
    tilt_speed = min(speed, cam.profile.max_tilt_speed)
    session.motion.add("pan-tilt")  # before sending: a Ctrl-C during the send stops it too
    await cam.move(PanDir[pan_dir], TiltDir[tilt_dir], speed, tilt_speed)
    where = t(f"camera.dir.{direction}", session.opts.lang)
    session.say("camera.move.started", address=session.opts.address, direction=where, speed=speed)
    if duration <= 0:
        session.say("camera.move.keeps_moving", port=session.opts.port)
        return
    started = time.monotonic()
    await asyncio.sleep(duration)
    await cam.stop()
    session.say("camera.move.stopped_after", seconds=time.monotonic() - started)


async def halt(session: Session) -> None:
    await session.camera.stop()
    session.say("camera.stop.done", address=session.opts.address)


async def go_to(
    session: Session, pan: float, tilt: float, *, degrees: bool, speed: int | None
) -> None:
    cam = session.camera
    started = time.monotonic()
    session.motion.add("pan-tilt")
    if degrees:
        await cam.goto_degrees(pan, tilt, speed)
    else:
        await cam.goto(int(pan), int(tilt), speed)
    pos = await cam.position()
    session.say(
        "camera.goto.done",
        address=session.opts.address,
        pan_deg=pos.pan_deg,
        tilt_deg=pos.tilt_deg,
        seconds=time.monotonic() - started,
    )


async def zoom_lens(session: Session, action: str, target: int | None, speed: int | None) -> None:
    cam = session.camera
    if action != "stop":
        session.motion.add("zoom")
    if action == "to" and target is not None:
        await cam.zoom_to(target)
        zoom_pos = await cam.zoom_position()
        session.say("camera.zoom.done", zoom=zoom_pos, percent=_zoom_percent(session, zoom_pos))
    elif action == "stop":
        await cam.zoom("stop")
        session.say("camera.zoom.stopped")
    else:
        await cam.zoom("tele" if action == "tele" else "wide", speed)
        session.say("camera.zoom.started", direction=t(f"camera.zoom.{action}", session.opts.lang))


async def use_preset(session: Session, action: str, number: int) -> None:
    cam = session.camera
    started = time.monotonic()
    if action == "store":
        await cam.preset_store(number)
        session.say("camera.preset.stored", n=number)
    elif action == "recall":
        session.motion.add("pan-tilt")
        await cam.preset_recall(number)
        session.say("camera.preset.recalled", n=number, seconds=time.monotonic() - started)
    else:
        await cam.preset_reset(number)
        session.say("camera.preset.reset", n=number)


# --- plumbing -------------------------------------------------------------------------------


def run_operation(opts: CameraOptions, operation: Callable[[Session], Awaitable[None]]) -> int:
    """Open the camera, run ``operation``, close; return the exit code (errors printed)."""
    try:
        asyncio.run(_session(opts, operation))
    except CliError as exc:
        typer.echo(t("camera.error.prefix", opts.lang, message=str(exc)), err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:  # asyncio.run cancelled the operation first (see _session)
        typer.echo(t("camera.interrupted", opts.lang), err=True)
        return EXIT_INTERRUPTED
    return 0


def _run(opts: CameraOptions, operation: Callable[[Session], Awaitable[None]]) -> None:
    code = run_operation(opts, operation)
    if code:
        raise typer.Exit(code)


def _fail(opts: CameraOptions, message: str) -> NoReturn:
    typer.echo(t("camera.error.prefix", opts.lang, message=message), err=True)
    raise typer.Exit(EXIT_ERROR)


async def _session(opts: CameraOptions, operation: Callable[[Session], Awaitable[None]]) -> None:
    from drivers.visca.camera import ViscaCamera
    from drivers.visca.models import profile_for, profile_from_version
    from drivers.visca.protocol import ViscaPort
    from drivers.visca.transport import transport_from_url

    lang, port_name = opts.lang, opts.port
    url = opts.port
    if opts.baud and url.startswith("/"):
        url = f"serial://{url}?baud={opts.baud}"
    try:
        profile = None if opts.model == "auto" else profile_for(opts.model)
        port = ViscaPort(transport_from_url(url, device_id=port_name), device_id=port_name)
    except (ConfigError, ValueError) as exc:
        raise CliError(t("camera.error.port_spec", lang, detail=str(exc))) from None
    try:
        count = await port.open()  # serial chains: AddressSet + IF_Clear
        if count is not None and opts.address > count:
            raise CliError(
                t("camera.error.no_camera", lang, address=opts.address, port=port_name, count=count)
            )
        if profile is None:  # ask the camera what it is (a bad answer is a ProtocolError)
            probe = ViscaCamera(port, opts.address, profile_for("generic"), port_name)
            version = await probe.version()
            profile = profile_from_version(version.vendor, version.model)
        else:
            await _warn_if_other_model(opts, ViscaCamera(port, opts.address, profile, port_name))
        cam = ViscaCamera(port, opts.address, profile, f"camera {opts.address}")
        session = Session(opts, cam, count)
        try:
            await operation(session)
        except asyncio.CancelledError:  # Ctrl-C: stop what this command started, then exit
            await _stop_started_motion(session)
            raise
        except CommandRejectedError as exc:
            if exc.code == NOT_EXECUTABLE and await _in_standby(cam):
                raise CliError(
                    t("camera.error.standby", lang, address=opts.address, port=port_name)
                ) from None
            raise
    except (DeviceError, ValueError) as exc:
        raise CliError(_explain(opts, exc)) from None
    finally:
        await port.close()


async def _warn_if_other_model(opts: CameraOptions, cam: ViscaCamera) -> None:
    """``--model X`` on a camera that says it is Y: ranges, speeds and degrees would be
    X's, so positions read wrong and moves fail in ways that look like a cable fault."""
    from drivers.visca.models import GENERIC, profile_from_version

    try:
        version = await cam.version()
    except DeviceError:  # the command itself will say what is wrong with the line
        return
    found = profile_from_version(version.vendor, version.model)
    if found is not GENERIC and found.name != cam.profile.name:
        typer.echo(
            t(
                "camera.warn.other_model",
                opts.lang,
                given=cam.profile.name,
                found=found.name,
                vendor=f"{version.vendor:04X}",
                model=f"{version.model:04X}",
            ),
            err=True,
        )


async def _in_standby(cam: ViscaCamera) -> bool:
    """After "not executable now" (41): is the reason that the camera is off?"""
    from drivers.visca.messages import PowerState

    try:
        return await cam.power_state() == PowerState.STANDBY
    except DeviceError:
        return False


async def _stop_started_motion(session: Session) -> None:
    """Ctrl-C arrived while the camera was set moving: stop it and say so on stderr."""
    opts = session.opts
    if not session.motion:
        return
    try:
        if "pan-tilt" in session.motion:
            await session.camera.stop()
        if "zoom" in session.motion:
            await session.camera.zoom("stop")
    except DeviceError as exc:
        typer.echo(
            t(
                "camera.interrupted.not_stopped",
                opts.lang,
                error=_explain(opts, exc),
                port=opts.port,
            ),
            err=True,
        )
        return
    typer.echo(t("camera.interrupted.stopped", opts.lang, address=opts.address), err=True)


def _explain(opts: CameraOptions, exc: DeviceError | ValueError) -> str:
    """One line for the technician; ValueError = an argument outside the model's range."""
    lang, port = opts.lang, opts.port
    if isinstance(exc, DeviceTimeoutError):
        return t("camera.error.timeout", lang, address=opts.address, port=port)
    if isinstance(exc, CommandSupersededError):
        return t(
            "camera.error.superseded", lang, operation=exc.operation or "?", by=exc.superseded_by
        )
    if isinstance(exc, CommandRejectedError):
        reason = _reason(exc.code, lang)
        return t("camera.error.rejected", lang, operation=exc.operation or "?", reason=reason)
    if isinstance(exc, LineNoiseError):
        return t("camera.error.noise", lang, port=port)
    if isinstance(exc, ProtocolError):
        return t("camera.error.protocol", lang, detail=exc.detail)
    if isinstance(exc, DeviceUnavailableError):
        return _unavailable(opts, exc)
    if isinstance(exc, DeviceError):
        return t("camera.error.unavailable", lang, port=port, detail=str(exc))
    return t("camera.error.invalid", lang, detail=str(exc))


def _unavailable(opts: CameraOptions, exc: DeviceUnavailableError) -> str:
    lang, port, detail = opts.lang, opts.port, exc.detail
    local = opts.port.startswith("/") or opts.port.startswith("serial:")
    path = opts.port.removeprefix("serial://").split("?")[0]
    if "EAGAIN" in detail or "exclusively lock" in detail:
        return t("camera.error.port_busy", lang, port=port)
    if "EACCES" in detail or "EPERM" in detail:
        return t("camera.error.permission", lang, port=port)
    if "ENOENT" in detail or (local and not Path(path).exists()):
        return t("camera.error.port_missing", lang, port=port)
    return t("camera.error.unavailable", lang, port=port, detail=detail)


def _reason(code: int | None, lang: str) -> str:
    key = f"camera.reason.{code:02X}" if code is not None else "camera.reason.other"
    text = t(key, lang)
    return text if text != key else t("camera.reason.other", lang, code=code or 0)


def _zoom_percent(session: Session, zoom_pos: int) -> float:
    low, high = session.camera.profile.zoom_range
    return 100.0 * (zoom_pos - low) / max(1, high - low)
