"""``appliance follow``: the voice-follow camera of this room, through the agent's control API.

    appliance follow status [--json]      state, what is on air, each seat's level
    appliance follow on | off             follow the speaker, or stop (cameras stay put)
    appliance follow pin SEAT             lock the camera on a seat (name, channel, "overview")
    appliance follow unpin                free the lock

Common options: ``--config F`` (token file and API address), ``--lang vi|en``.
Exit codes: 0 done, 3 the agent could not be reached or refused (the reason is printed).
"""

from __future__ import annotations

import json
from typing import Any, Final

import typer

from appliance.i18n import normalize_lang, t
from drivers.errors import ConfigError

HTTP_TIMEOUT_S: Final = 20.0  # a pin waits for the camera's move (a recall ends within 15 s)
EXIT_FAILED: Final = 3

app = typer.Typer(
    help="Voice-follow camera: the delegate who speaks is on screen.", no_args_is_help=True
)

_CONFIG_HELP = "Config file (default: $APPLIANCE_CONFIG or /etc/appliance/appliance.toml)."


class _Failed(Exception):
    """The command could not be done; the message is for the technician."""


@app.command("status")
def status(
    config: str | None = typer.Option(None, "--config", "-c", help=_CONFIG_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the status as JSON."),
    lang: str = typer.Option("vi", "--lang", help="vi (default) or en."),
) -> None:
    """Show the follow's state, what is on air and every seat's level."""
    _run("GET", "/follow", config, lang, as_json=as_json)


@app.command("on")
def on(
    config: str | None = typer.Option(None, "--config", "-c", help=_CONFIG_HELP),
    lang: str = typer.Option("vi", "--lang", help="vi (default) or en."),
) -> None:
    """Follow the speaker."""
    _run("POST", "/follow/on", config, lang)


@app.command("off")
def off(
    config: str | None = typer.Option(None, "--config", "-c", help=_CONFIG_HELP),
    lang: str = typer.Option("vi", "--lang", help="vi (default) or en."),
) -> None:
    """Stop following (the cameras stay where they are)."""
    _run("POST", "/follow/off", config, lang)


@app.command("pin")
def pin(
    seat: str = typer.Argument(..., help="Seat name, channel number, or 'overview'."),
    config: str | None = typer.Option(None, "--config", "-c", help=_CONFIG_HELP),
    lang: str = typer.Option("vi", "--lang", help="vi (default) or en."),
) -> None:
    """Lock the camera on SEAT (the operator's choice wins until unpin)."""
    _run("PUT", "/follow/pin", config, lang, body={"seat": seat})


@app.command("unpin")
def unpin(
    config: str | None = typer.Option(None, "--config", "-c", help=_CONFIG_HELP),
    lang: str = typer.Option("vi", "--lang", help="vi (default) or en."),
) -> None:
    """Free the lock: follow the speaker again."""
    _run("DELETE", "/follow/pin", config, lang)


def render_status(status: dict[str, Any], lang: str) -> str:
    """The status as the technician reads it (also what ``status`` prints)."""
    state = t(f"follow.state.{status['state']}", lang)
    pinned = t("follow.cli.pinned", lang, seat=status["pinned"]) if status.get("pinned") else ""
    lines = [t("follow.cli.state", lang, state=state, pinned=pinned)]
    on_air = status.get("on_air")
    if on_air:
        lines.append(t("follow.cli.on_air", lang, **on_air))
    else:
        lines.append(t("follow.cli.nothing_on_air", lang))
    lines.append(
        t(
            "follow.cli.device",
            lang,
            device=status["device"],
            channels=status["channels"],
            switches=status["switches"],
        )
    )
    if status.get("last_error"):
        lines.append(t("follow.cli.last_error", lang, error=status["last_error"]))
    for seat in status["seats"]:
        lines.append(
            t(
                "follow.cli.seat",
                lang,
                channel=seat["channel"],
                name=seat["name"],
                level=f"{seat['level_dbfs']:.1f}",
                speaking=t("follow.cli.speaking", lang) if seat["speaking"] else "",
            ).rstrip()
        )
    return "\n".join(lines)


def _run(
    method: str,
    path: str,
    config: str | None,
    lang: str,
    *,
    body: dict[str, Any] | None = None,
    as_json: bool = False,
) -> None:
    language = normalize_lang(lang)
    try:
        status = _request(method, path, config, language, body)
    except _Failed as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_FAILED) from None
    if as_json:
        typer.echo(json.dumps(status, ensure_ascii=False, indent=1))
    else:
        typer.echo(render_status(status, language))


def _request(
    method: str, path: str, config: str | None, lang: str, body: dict[str, Any] | None
) -> dict[str, Any]:
    import httpx

    from appliance.config import config_path, load_config, parse_listen

    try:
        cfg = load_config(config_path(config))
    except ConfigError as exc:
        raise _Failed(t("agent.config.error", lang, error=str(exc))) from None
    host, port = parse_listen(cfg.api.listen)
    if host in ("0.0.0.0", ""):  # noqa: S104 - a listen address; we connect to loopback
        host = "127.0.0.1"
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}/api/v1"
    try:
        token = cfg.token_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise _Failed(
            t(
                "follow.cli.token_unreadable",
                lang,
                path=str(cfg.token_file),
                error=exc.strerror or str(exc),
            )
        ) from None
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": lang}
    try:
        answer = httpx.request(
            method, base + path, headers=headers, json=body, timeout=HTTP_TIMEOUT_S
        )
    except httpx.TransportError as exc:
        raise _Failed(
            t("follow.cli.agent_down", lang, url=base, error=str(exc) or type(exc).__name__)
        ) from None
    if answer.status_code >= 400:
        try:
            message = str(answer.json().get("message", answer.text))
        except ValueError:
            message = answer.text
        raise _Failed(t("follow.cli.refused", lang, status=answer.status_code, message=message))
    result: dict[str, Any] = answer.json()
    return result
