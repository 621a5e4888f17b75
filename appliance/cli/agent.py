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
    lang: str = typer.Option("vi", "--lang", help="vi (default) or en."),
    hub: str | None = typer.Option(
        None, "--hub", help="With --simulate: the hub's URL (the room links to it)."
    ),
    hub_token_file: str | None = typer.Option(
        None, "--hub-token-file", help="With --simulate: an enrolment token to enrol by itself."
    ),
) -> None:
    """Run the agent in the foreground (systemd: Type=notify)."""
    if ctx.invoked_subcommand is not None:
        return
    root = logging.getLogger()
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    try:
        if simulate:
            from appliance.agent.simulate import run_simulated

            asyncio.run(
                run_simulated(
                    rooms_dir=rooms_dir,
                    room_id=room_id,
                    listen=listen,
                    lang=lang,
                    display=display,
                    hub_url=hub,
                    hub_token_file=Path(hub_token_file) if hub_token_file else None,
                )
            )
        else:
            from appliance.agent.server import run_agent
            from appliance.config import config_path, load_config

            cfg = load_config(config_path(config))
            asyncio.run(run_agent(cfg))
    except ConfigError as exc:
        typer.echo(t("agent.config.error", lang, error=str(exc)), err=True)
        raise typer.Exit(1) from None
    except (OSError, RuntimeError) as exc:
        typer.echo(t("agent.start.failed", lang, error=str(exc)), err=True)
        raise typer.Exit(1) from None
    typer.echo(t("agent.stopped", lang), err=True)
