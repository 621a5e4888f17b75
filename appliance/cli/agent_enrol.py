"""``appliance agent enrol``: enrol this room at the hub (docs/LINK.md §1).

appliance agent enrol [--config F] [--hub URL] --token T | --token-file F [--lang en]

The token comes from the hub's administrator (one use, expires); ``--token-file`` keeps
it out of the shell history and the process list. Exit 0 with the secret stored
(``<state.dir>/hub-secret``, 0600), 1 with a clear reason otherwise.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from appliance.i18n import t
from drivers.errors import ConfigError


def enrol(
    config: str | None = typer.Option(
        None,
        "--config",
        "-c",
        help="Config file (default: $APPLIANCE_CONFIG or /etc/appliance/appliance.toml).",
    ),
    hub: str | None = typer.Option(
        None, "--hub", help="The hub's URL (default: hub.url of the config)."
    ),
    token: str | None = typer.Option(None, "--token", help="The one-time enrolment token."),
    token_file: str | None = typer.Option(None, "--token-file", help="A file holding the token."),
    lang: str = typer.Option("vi", "--lang", help="vi (default) or en."),
) -> None:
    """Trade a one-time enrolment token for this room's secret at the hub."""
    from appliance.agent.link.enrol import EnrolError, enrol, secret_path
    from appliance.config import config_path, load_config

    try:
        cfg = load_config(config_path(config))
    except ConfigError as exc:
        typer.echo(t("agent.config.error", lang, error=str(exc)), err=True)
        raise typer.Exit(1) from None
    hub_url = hub or cfg.hub.url
    if not hub_url:
        typer.echo(t("agent.link.enrol.no_hub", lang), err=True)
        raise typer.Exit(1)
    if token_file is not None:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            typer.echo(t("agent.link.enrol.token_file", lang, path=token_file, error=exc), err=True)
            raise typer.Exit(1) from None
    if not token:
        typer.echo(t("agent.link.enrol.no_token", lang), err=True)
        raise typer.Exit(1)
    try:
        secret = asyncio.run(enrol(cfg, hub_url, token))
    except EnrolError as exc:
        typer.echo(t(exc.key, lang, **exc.params), err=True)
        raise typer.Exit(1) from None
    except OSError as exc:  # the state directory is not writable
        typer.echo(t("agent.start.failed", lang, error=str(exc)), err=True)
        raise typer.Exit(1) from None
    typer.echo(
        t("agent.link.enrol.ok", lang, room=secret.room_id, hub=secret.hub, path=secret_path(cfg))
    )
