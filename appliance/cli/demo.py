"""``appliance demo`` (``make demo``): the appliance on simulated hardware, end to end.

    appliance demo [--short] [--lang en] [--keep]     part 1 then part 2
    appliance demo camera [--short] [--lang en]        part 1 only
    appliance demo room [--lang en] [--keep]           part 2 only
    appliance demo province [--rooms 31] [--once]      the hub and the province's rooms
                                                       (make demo; appliance/cli/demo_province.py)

Part 1, the cameras: a simulated 2-camera VISCA daisy chain on a pseudo-terminal at 9600
baud, driven step by step through the real technician CLI (``appliance camera …`` parsed
and run exactly as typed at a shell) — info, move, stop, goto, preset store/recall,
position; it checks that the cameras ended where the steps sent them.

Part 2, the room (:mod:`appliance.cli.demo_room`): the real agent process
(``appliance agent --simulate``), its device list, the readiness check through
``appliance check``, camera 2 unplugged (LỖI with the remedy), replugged (ĐẠT), and a
clean stop. ``--keep`` leaves that room running until Ctrl-C and prints the API URL and
the token file.

Output is Vietnamese (``--lang en`` for English); exit 0 only when every step did what it
announced. The pieces are functions: :func:`start_camera_chain`, :func:`camera_steps`,
:func:`run_cli`, :func:`run_steps`, :func:`run_camera_part`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer

from appliance.cli.options import lang_option
from appliance.i18n import t

if TYPE_CHECKING:
    from drivers.visca.sim import PtySimulator, SimulatorThread

app = typer.Typer(help="Run the appliance on simulated hardware.", invoke_without_command=True)

DEMO_CAMERAS: Final = 2
DEMO_MODEL: Final = "srg-300h"
DEMO_BAUD: Final = 9600
DEMO_PRESET: Final = 1
# Where the steps send camera 1 (degrees) and camera 2; checked at the end.
CAM1_TARGET: Final = (-30.0, 10.0)
CAM2_TARGET: Final = (45.0, -5.0)
MOVE_S: Final = 1.0
MOVE_S_SHORT: Final = 0.3
POSITION_TOLERANCE_DEG: Final = 0.1


@dataclass(frozen=True)
class DemoStep:
    """One CLI invocation and how to announce it (``what`` is an i18n key + params)."""

    what: str
    argv: tuple[str, ...]
    params: dict[str, object] = field(default_factory=dict)
    wait_before_s: float = 0.0  # e.g. let a drive run before the Stop step


@app.callback()
def demo(
    ctx: typer.Context,
    short: bool = typer.Option(False, "--short", help="Shorter moves (for tests and CI)."),
    lang: str = lang_option(),
    keep: bool = typer.Option(
        False, "--keep", help="Leave the simulated room running until Ctrl-C (API URL, token)."
    ),
) -> None:
    """Start the simulated room and show it working (both parts)."""
    if ctx.invoked_subcommand is not None:  # "demo --lang en room": pass the options on
        ctx.obj = {"short": short, "lang": lang, "keep": keep}
        return
    started = time.monotonic()
    typer.echo(t("demo.part.camera", lang))
    code = run_camera_part(short=short, lang=lang)
    if code == 0:
        from appliance.cli.demo_room import run_room

        code = run_room(lang=lang, keep=keep, run_cli=run_cli)
    if code:
        raise typer.Exit(code)
    typer.echo(t("demo.done", lang, seconds=time.monotonic() - started))


@app.command("camera")
def camera_part(
    ctx: typer.Context,
    short: bool = typer.Option(False, "--short", help="Shorter moves (for tests and CI)."),
    lang: str | None = lang_option(None),
) -> None:
    """Part 1 only: two simulated cameras driven through the technician CLI."""
    given = ctx.obj if isinstance(ctx.obj, dict) else {}
    code = run_camera_part(short=short or bool(given.get("short")), lang=lang or given.get("lang"))
    if code:
        raise typer.Exit(code)


@app.command("room")
def room_part(
    ctx: typer.Context,
    lang: str | None = lang_option(None),
    keep: bool = typer.Option(
        False, "--keep", help="Leave the simulated room running until Ctrl-C (API URL, token)."
    ),
) -> None:
    """Part 2 only: the agent on simulated hardware, the check, a fault and its repair."""
    from appliance.cli.demo_room import run_room

    given = ctx.obj if isinstance(ctx.obj, dict) else {}
    code = run_room(
        lang=lang or str(given.get("lang") or "vi"),
        keep=keep or bool(given.get("keep")),
        run_cli=run_cli,
    )
    if code:
        raise typer.Exit(code)


@app.command("province")
def province_part(
    ctx: typer.Context,
    rooms: int = typer.Option(31, "--rooms", help="How many rooms (1–31)."),
    lang: str | None = lang_option(None),
    faults: bool = typer.Option(
        True, "--faults/--no-faults", help="Plant three faults (camera, microphone, display)."
    ),
    once: bool = typer.Option(
        False, "--once", help="Stop as soon as every room is Online (tests, CI)."
    ),
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Keep everything here (default: a temp dir).")
    ] = None,
) -> None:
    """The hub and the province's rooms on simulated hardware, until Ctrl-C (make demo)."""
    from appliance.cli.demo_province import run_province

    given = ctx.obj if isinstance(ctx.obj, dict) else {}
    code = run_province(
        rooms,
        lang=lang or str(given.get("lang") or "vi"),
        directory=directory,
        faults=faults,
        once=once,
    )
    if code:
        raise typer.Exit(code)


def run_camera_part(*, short: bool = False, lang: str | None = "vi") -> int:
    """Part 1: the camera chain through the technician CLI; the exit code."""
    lang = lang or "vi"
    started = time.monotonic()
    with start_camera_chain() as runner:
        sim = runner.sim
        typer.echo(
            t("camera.demo.title", lang, count=DEMO_CAMERAS, model=DEMO_MODEL, path=sim.path)
        )
        steps = camera_steps(sim.path, short=short, lang=lang)
        code = run_steps(steps, lang)
        if code == 0:
            code = _check_positions(runner, lang, len(steps))
    if code == 0:
        typer.echo(
            t("camera.demo.done", lang, steps=len(steps), seconds=time.monotonic() - started)
        )
    return code


def start_camera_chain(
    cameras: int = DEMO_CAMERAS, model: str = DEMO_MODEL, baud: int = DEMO_BAUD
) -> SimulatorThread[PtySimulator]:
    """A started-on-enter simulator thread serving a daisy chain on a pty."""
    from drivers.visca.sim import PtySimulator, SimulatorThread

    return SimulatorThread(lambda: PtySimulator(cameras, model=model, baud=baud), name="demo-visca")


def camera_steps(port: str, *, short: bool = False, lang: str = "vi") -> list[DemoStep]:
    """The technician's routine on two cameras, as CLI invocations."""

    def cli(address: int, *args: str) -> tuple[str, ...]:
        return ("camera", "--port", port, "--address", str(address), "--lang", lang, *args)

    move_s = MOVE_S_SHORT if short else MOVE_S
    pan1, tilt1 = (f"{v:g}" for v in CAM1_TARGET)
    pan2, tilt2 = (f"{v:g}" for v in CAM2_TARGET)
    n = str(DEMO_PRESET)
    return [
        DemoStep("camera.demo.step.info", cli(1, "info"), {"address": 1}),
        DemoStep("camera.demo.step.info", cli(2, "info"), {"address": 2}),
        DemoStep(
            "camera.demo.step.move",
            cli(1, "move", "right", "--duration", "0", "--speed", "12"),
            {"address": 1, "seconds": move_s},
        ),
        DemoStep("camera.demo.step.stop", cli(1, "stop"), {"address": 1}, wait_before_s=move_s),
        DemoStep(
            "camera.demo.step.goto",
            cli(1, "goto", pan1, tilt1, "--degrees"),
            {"address": 1, "pan": CAM1_TARGET[0], "tilt": CAM1_TARGET[1]},
        ),
        DemoStep("camera.demo.step.store", cli(1, "preset", "store", n), {"address": 1, "n": 1}),
        DemoStep("camera.demo.step.home", cli(1, "goto", "0", "0"), {"address": 1}),
        DemoStep("camera.demo.step.recall", cli(1, "preset", "recall", n), {"address": 1, "n": 1}),
        DemoStep("camera.demo.step.position", cli(1, "position"), {"address": 1}),
        DemoStep(
            "camera.demo.step.goto",
            cli(2, "goto", pan2, tilt2, "--degrees"),
            {"address": 2, "pan": CAM2_TARGET[0], "tilt": CAM2_TARGET[1]},
        ),
        DemoStep("camera.demo.step.position", cli(2, "position"), {"address": 2}),
    ]


def run_cli(argv: Sequence[str]) -> int:
    """Run ``appliance <argv>`` in this process, exactly as the shell command; exit code."""
    import click
    from typer.main import get_command

    from appliance.cli.main import app as root

    command = get_command(root)
    try:
        result = command.main(args=list(argv), prog_name="appliance", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    return result if isinstance(result, int) else 0


def run_steps(steps: Sequence[DemoStep], lang: str) -> int:
    """Announce and run each step; stop at the first failure (its exit code)."""
    for n, step in enumerate(steps, start=1):
        if step.wait_before_s:
            time.sleep(step.wait_before_s)
        what = t(step.what, lang, **step.params)
        typer.echo(t("camera.demo.step", lang, n=n, what=what))
        code = run_cli(step.argv)
        if code:
            typer.echo(t("camera.demo.failed", lang, n=n, what=what, code=code), err=True)
            return code
    return 0


def _check_positions(runner: SimulatorThread[PtySimulator], lang: str, steps: int) -> int:
    for address, (pan, tilt) in ((1, CAM1_TARGET), (2, CAM2_TARGET)):
        state = runner.sim.camera(address).state
        if (
            abs(state.pan_deg - pan) > POSITION_TOLERANCE_DEG
            or abs(state.tilt_deg - tilt) > POSITION_TOLERANCE_DEG
        ):
            what = f"camera {address}: pan {state.pan_deg:+.1f}°, tilt {state.tilt_deg:+.1f}°"
            typer.echo(t("camera.demo.failed", lang, n=steps, what=what, code=1), err=True)
            return 1
    return 0
