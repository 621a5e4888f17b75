"""``appliance sim visca``: run the VISCA camera simulator in the foreground.

    appliance sim visca --port pty|tcp:PORT|udp:PORT|sony-udp:PORT --cameras N
        --model srg-300h [--baud 9600] [--link PATH] [--silent] [--garbage] …

The first line printed is where to connect (the pty path, or a URL the technician CLI
and the agent accept), so a script can read it; then a Vietnamese sentence (``--lang
en`` for English). Ctrl-C or SIGTERM stops it cleanly (pty link removed, sockets
closed). Faults are for training and tests: a silent camera, line noise, slow answers,
dropped ACKs, forced error replies, presets that land elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

from appliance.cli.options import lang_option
from appliance.i18n import t

if TYPE_CHECKING:
    from drivers.visca.sim import ViscaSimulator

app = typer.Typer(help="Simulated hardware for demos, training and tests.", no_args_is_help=True)


@app.command("visca")
def visca(
    port: str = typer.Option("pty", "--port", help="pty, tcp:PORT, udp:PORT or sony-udp:PORT"),
    cameras: int = typer.Option(1, "--cameras", "-n", min=1, max=7, help="Daisy chain length."),
    model: str = typer.Option("srg-300h", "--model", "-m", help="Camera model profile."),
    baud: int | None = typer.Option(None, "--baud", help="Line speed to pace (pty default 9600)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address for tcp/udp (loopback)."),
    link: str | None = typer.Option(None, "--link", help="pty: path of the stable symlink."),
    frame_ms: float | None = typer.Option(None, "--frame-ms", help="Processing time per message."),
    network_change: bool | None = typer.Option(
        None,
        "--network-change/--no-network-change",
        help="Send z0 38 FF at start (default: model).",
    ),
    unaddressed: bool = typer.Option(False, "--unaddressed", help="Cameras wait for AddressSet."),
    strict_ip: bool = typer.Option(False, "--strict-ip", help="sony-udp: refuse 0100 inquiries."),
    silent: bool = typer.Option(False, "--silent", help="Fault: no camera answers."),
    garbage: bool = typer.Option(False, "--garbage", help="Fault: answers are line noise."),
    slow_ms: float = typer.Option(0.0, "--slow-ms", help="Fault: answer this much later."),
    drop_acks: int = typer.Option(0, "--drop-acks", help="Fault: drop the next N ACKs."),
    drop_completions: int = typer.Option(
        0, "--drop-completions", help="Fault: drop the next N completions."
    ),
    error_code: str | None = typer.Option(
        None, "--error", help="Fault: answer every command with this VISCA error (hex, e.g. 41)."
    ),
    preset_offset: str | None = typer.Option(
        None, "--preset-offset", help="Fault: recalls land PAN,TILT units away."
    ),
    unplug_after: float | None = typer.Option(
        None,
        "--unplug-after",
        min=0,
        help="pty fault: pull the cable this many seconds after start (also: kill -USR1 PID).",
    ),
    replug_after: float | None = typer.Option(
        None,
        "--replug-after",
        min=0,
        help="pty fault: plug it back this many seconds after the unplug (also: kill -USR2 PID).",
    ),
    lang: str = lang_option(),
) -> None:
    """Serve simulated cameras until Ctrl-C / SIGTERM.

    On a pty, SIGUSR1 pulls the simulated cable (the driver's reads fail as with a pulled
    USB adapter) and SIGUSR2 plugs it back, for training with a running agent."""
    from drivers.visca.sim import create_simulator

    options: dict[str, Any] = {
        "model": model,
        "addressed": not unaddressed,
        "network_change": network_change,
        "frame_s": None if frame_ms is None else frame_ms / 1000,
    }
    kind = port.split(":", 1)[0].strip().lower()
    if kind != "pty" and (unplug_after is not None or replug_after is not None):
        typer.echo(t("camera.sim.error", lang, error=t("camera.sim.unplug_pty", lang)), err=True)
        raise typer.Exit(1)
    if kind == "pty":
        options["baud"] = baud or 9600
        options["link"] = link
    else:
        options["baud"] = baud
        options["host"] = host
    if kind == "sony-udp":
        options["lenient"] = not strict_ip
    try:
        offset = _offset(preset_offset)
        code = int(error_code, 16) if error_code else None
        sim = create_simulator(port, cameras, **options)
    except ValueError as exc:
        typer.echo(t("camera.sim.error", lang, error=str(exc)), err=True)
        raise typer.Exit(1) from None
    faults = [
        name
        for name, on in (
            ("silent", silent),
            ("garbage", garbage),
            (f"slow {slow_ms:g} ms", slow_ms > 0),
            (f"drop {drop_acks} ACK", drop_acks > 0),
            (f"drop {drop_completions} completion", drop_completions > 0),
            (f"error {error_code}", code is not None),
            (f"preset offset {preset_offset}", offset is not None),
        )
        if on
    ]

    def apply_faults() -> None:
        sim.silent(silent)
        sim.garbage(garbage)
        sim.slow(slow_ms / 1000)
        for address in range(1, cameras + 1):
            if drop_acks:
                sim.drop_next_ack(drop_acks, address)
            if drop_completions:
                sim.drop_next_completion(drop_completions, address)
            if code is not None:
                sim.error_reply(code, -1, address)
            if offset is not None:
                sim.preset_lands_elsewhere(*offset, address=address)

    cable = _Cable(sim, lang, unplug_after, replug_after) if kind == "pty" else None
    try:
        asyncio.run(_serve(sim, apply_faults, faults, lang, cable))
    except OSError as exc:  # port in use, no permission to bind
        typer.echo(t("camera.sim.error", lang, error=str(exc)), err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        pass
    typer.echo(t("camera.sim.stopped", lang))


class _Cable:
    """The pty's simulated RS-232 cable: pulled and plugged back on a signal or a timer."""

    def __init__(
        self, sim: ViscaSimulator, lang: str, unplug_after: float | None, replug_after: float | None
    ) -> None:
        self.sim = sim
        self.lang = lang
        self.unplug_after = unplug_after
        self.replug_after = replug_after

    def unplug(self) -> None:
        from drivers.visca.sim import PtySimulator

        if isinstance(self.sim, PtySimulator) and self.sim.plugged:
            self.sim.unplug()
            typer.echo(t("camera.sim.unplugged", self.lang))
            if self.replug_after is not None:
                asyncio.get_running_loop().call_later(self.replug_after, self.replug)

    def replug(self) -> None:
        from drivers.visca.sim import PtySimulator

        if isinstance(self.sim, PtySimulator) and not self.sim.plugged:
            self.sim.replug()
            typer.echo(t("camera.sim.replugged", self.lang))

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.add_signal_handler(signal.SIGUSR1, self.unplug)
        loop.add_signal_handler(signal.SIGUSR2, self.replug)
        if self.unplug_after is not None:
            loop.call_later(self.unplug_after, self.unplug)


async def _serve(
    sim: ViscaSimulator,
    apply_faults: Callable[[], None],
    faults: list[str],
    lang: str,
    cable: _Cable | None = None,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await sim.start()
    try:
        apply_faults()
        if cable is not None:  # before the first line: a script may signal at once
            cable.install(loop)
        where = getattr(sim, "path", None) or sim.describe()
        typer.echo(where)
        typer.echo(
            t(
                "camera.sim.started",
                lang,
                count=len(sim.cameras),
                model=sim.profile.name,
                where=sim.describe(),
            )
        )
        if faults:
            typer.echo(t("camera.sim.faults", lang, faults=", ".join(faults)))
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2):
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(sig)
        await sim.stop()


def _offset(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    pan, _, tilt = text.partition(",")
    try:
        return int(pan, 0), int(tilt, 0)
    except ValueError:
        raise ValueError(f"--preset-offset wants PAN,TILT in units, got {text!r}") from None


# ``appliance sim meeting`` lives in its own module (the voice-follow simulator, issue 10).
from appliance.cli.sim_meeting import meeting  # noqa: E402 - registered after the group exists

app.command("meeting")(meeting)
