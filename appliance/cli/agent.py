"""``appliance agent``: run the room agent (control API + devices) until SIGTERM.

appliance agent [--config F]                       the real room
appliance agent --simulate [--rooms-dir D]         the same agent on simulated hardware
                 [--no-display]                    … without the simulated screen (Xvfb) and TV
"""

from __future__ import annotations

import asyncio
import logging

import typer

from appliance.cli.options import lang_option
from appliance.i18n import t
from drivers.errors import ConfigError

app = typer.Typer(
    help="Room agent: devices, control API, systemd notify.", invoke_without_command=True
)


@app.callback()
def agent(
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
) -> None:
    """Run the agent in the foreground (systemd: Type=notify)."""
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
