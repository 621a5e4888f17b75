"""``appliance config check``: validate the room agent's TOML file without starting anything."""

from __future__ import annotations

import typer

from appliance.cli.options import lang_option
from appliance.i18n import t
from drivers.errors import ConfigError

app = typer.Typer(help="Room configuration (/etc/appliance/appliance.toml).", no_args_is_help=True)


@app.command("check")
def check(
    config: str | None = typer.Option(
        None,
        "--config",
        "-c",
        help="Config file (default: $APPLIANCE_CONFIG or /etc/appliance/appliance.toml).",
    ),
    lang: str = lang_option(),
) -> None:
    """Print OK and a summary, or the one-line error (exit 1)."""
    from appliance.config import config_path, load_config

    path = config_path(config)
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        typer.echo(t("agent.config.error", lang, error=str(exc)), err=True)
        raise typer.Exit(1) from None
    typer.echo(
        t(
            "agent.config.ok",
            lang,
            path=str(path),
            room=cfg.room.id,
            cameras=len(cfg.cameras),
            microphones=len(cfg.microphones),
            speakers=len(cfg.speakers),
            displays=len(cfg.displays),
        )
    )
