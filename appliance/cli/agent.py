"""``appliance agent``: run the room agent (control API + devices) until SIGTERM.

appliance agent [--config F]                       the real room
appliance agent --simulate [--rooms-dir D]         the same agent on simulated hardware
                 [--hub URL [--hub-token-file F]]  … linked to a hub (enrols itself with F)
                 [--no-display]                    … without the simulated screen (Xvfb) and TV
appliance agent enrol --hub URL --token T          enrol the room at the hub (agent_enrol.py)
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import typer

from appliance.cli.agent_enrol import enrol
from appliance.cli.options import lang_option
from appliance.i18n import t
from drivers.errors import ConfigError

app = typer.Typer(
    help="Room agent: devices, control API, systemd notify.", invoke_without_command=True
)


app.command("enrol")(enrol)


@app.callback()
def agent(
    ctx: typer.Context,
    config: str | None = typer.Option(
        None,
        "--config",
        "-c",
        help="Config file (default: $APPLIANCE_CONFIG or /etc/appliance/appliance.toml).",
    ),
    simulate: bool = typer.Option(
        False,
        "--simulate",
        help="Start simulated cameras, video, audio and display, then run on them.",
    ),
    rooms_dir: str | None = typer.Option(
        None,
        "--rooms-dir",
        help="With --simulate: where the generated config and state go (default: a temp dir).",
    ),
    room_id: str = typer.Option("sim-room", "--room-id", help="With --simulate: the room's id."),
    listen: str | None = typer.Option(
        None, "--listen", help="With --simulate: API address (default 127.0.0.1 and a free port)."
    ),
    display: bool = typer.Option(
        True,
        "--display/--no-display",
        help="With --simulate: a simulated screen (Xvfb) and TV (HDMI-CEC) for the display.",
    ),
    lang: str = lang_option(),
    hub: str | None = typer.Option(
        None, "--hub", help="With --simulate: the hub's URL (the room links to it)."
    ),
    hub_token_file: str | None = typer.Option(
        None, "--hub-token-file", help="With --simulate: an enrolment token to enrol by itself."
    ),
    # The demo province's room processes (appliance demo province); not for technicians.
    room_name: str | None = typer.Option(None, "--room-name", hidden=True),
    district: str = typer.Option("Mô phỏng", "--district", hidden=True),
    shared_audio: str | None = typer.Option(None, "--shared-audio", hidden=True),
    shared_x: str | None = typer.Option(None, "--shared-x", hidden=True),
    x_output: str | None = typer.Option(None, "--x-output", hidden=True),
) -> None:
    """Run the agent in the foreground (systemd: Type=notify)."""
    if ctx.invoked_subcommand is not None:
        return
    root = logging.getLogger()
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    try:
        if simulate:
            from appliance.agent.simulate import ProvinceRoom, run_simulated

            province = ProvinceRoom(
                room_name=room_name,
                district=district,
                audio_server=shared_audio,
                x_display=shared_x,
                x_output=x_output,
                hub_url=hub,
                enrolment_token_file=Path(hub_token_file) if hub_token_file else None,
            )

            if listen is not None:
                _warn_if_exposed(listen, lang)

            asyncio.run(
                run_simulated(
                    rooms_dir=rooms_dir,
                    room_id=room_id,
                    listen=listen,
                    lang=lang,
                    display=display,
                    province=province,
                )
            )
        else:
            from appliance.agent.server import run_agent
            from appliance.config import config_path, load_config

            cfg = load_config(config_path(config))
            _warn_if_exposed(cfg.api.listen, lang)
            asyncio.run(run_agent(cfg))
    except ConfigError as exc:
        typer.echo(t("agent.config.error", lang, error=str(exc)), err=True)
        raise typer.Exit(1) from None
    except (OSError, RuntimeError) as exc:
        typer.echo(t("agent.start.failed", lang, error=str(exc)), err=True)
        raise typer.Exit(1) from None
    typer.echo(t("agent.stopped", lang), err=True)


def _warn_if_exposed(listen: str, lang: str) -> None:
    """The control API moves cameras: say so loudly when it is reachable off this host."""
    import ipaddress

    from appliance.config import parse_listen

    try:
        host, _ = parse_listen(listen)
    except ValueError as exc:
        raise ConfigError(str(exc), key="--listen") from None
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        typer.secho(t("agent.listen.exposed", lang, listen=listen), err=True, fg="red", bold=True)
