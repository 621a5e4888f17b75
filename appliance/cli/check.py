"""``appliance check``: the pre-meeting readiness check of this room.

    appliance check [--config F] [--only camera,audio] [--json] [--lang vi|en] [--standalone]
    appliance check reference CAMERA PRESET [--config F] [--lang vi|en]

By default the check runs in the room agent (it owns the serial ports, sound devices and
displays): the command starts a run through the local control API (token from the
configured token file), shows live progress, then the results table. When no agent
answers it says so; ``--standalone`` runs the same engine in this process on the
configured devices (only while the agent is stopped — it refuses when one answers).
``reference`` recalls a preset and stores what the camera shows as that preset's
reference picture: through the agent's control API while it runs
(``POST /api/v1/cameras/CAM/presets/PRESET/reference``), else in this process.

Exit codes: 0 pass, 1 warn, 2 fail, 3 the check could not run, 130 Ctrl-C (it says what
became of the run; --standalone stops the cameras).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

import typer
from rich.console import Console
from rich.live import Live

from appliance.agent.checks.report import (
    EXIT_NOT_RUN,
    exit_code,
    progress_view,
    run_view,
)
from appliance.cli.options import lang_option
from appliance.i18n import normalize_lang, t
from drivers.errors import ApplianceError, ConfigError

if TYPE_CHECKING:
    from appliance.agent.service import AgentService
    from appliance.config import AgentConfig

log = logging.getLogger(__name__)

POLL_S: Final = 0.25  # progress refresh while a run goes on
HTTP_TIMEOUT_S: Final = 10.0  # one control-API request
AGENT_PROBE_TIMEOUT_S: Final = 1.0  # "is an agent answering?" before a standalone run
RUN_TIMEOUT_S: Final = 300.0  # give up following a run after this long
# Storing a reference through the agent: recall (a VISCA move completes within 15 s) +
# fresh frames, plus waiting for a check run that holds the camera.
REFERENCE_TIMEOUT_S: Final = 60.0

app = typer.Typer(help="Pre-meeting readiness check of this room.", invoke_without_command=True)

_CONFIG_HELP = "Config file (default: $APPLIANCE_CONFIG or /etc/appliance/appliance.toml)."


EXIT_INTERRUPTED: Final = 130  # Ctrl-C, as the shell reports a SIGINT death
STOP_CAMERAS_TIMEOUT_S: Final = 5.0  # Ctrl-C in --standalone: stop each camera, bounded


class _NotRun(Exception):
    """The check could not run; the message is for the technician."""


class _Interrupted(Exception):
    """Ctrl-C; the message says what became of the run and its cameras."""


@app.callback()
def check(
    ctx: typer.Context,
    config: str | None = typer.Option(None, "--config", "-c", help=_CONFIG_HELP),
    only: str | None = typer.Option(
        None, "--only", help="Categories, comma-separated: camera,video,audio,display,system,hub."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the run as JSON (no live view)."),
    lang: str = lang_option(),
    standalone: bool = typer.Option(
        False, "--standalone", help="Run in this process on the devices (agent stopped)."
    ),
    timeout: float = typer.Option(RUN_TIMEOUT_S, "--timeout", help="Seconds to wait for the run."),
) -> None:
    """Run the readiness check and print the results (exit 0 pass, 1 warn, 2 fail, 3 not run)."""
    if ctx.invoked_subcommand is not None:  # "check --config F reference …": pass them on
        ctx.obj = {"config": config, "lang": lang}
        return
    language = normalize_lang(lang)
    console = Console(highlight=False)
    categories = [c.strip() for c in only.split(",") if c.strip()] if only else None
    try:
        cfg = _load(config, language)
        follow = _Follower(console, language, live=not as_json)
        if standalone:
            try:
                run = asyncio.run(_standalone(cfg, categories, follow, timeout))
            except KeyboardInterrupt:  # _standalone cancelled the run and stopped the cameras
                if follow.not_stopped:
                    cameras = ", ".join(follow.not_stopped)
                    said = t("checks.cli.interrupted.not_stopped", language, cameras=cameras)
                else:
                    said = t("checks.cli.interrupted.standalone", language)
                raise _Interrupted(said) from None
        else:
            run = _through_agent(cfg, categories, follow, timeout, language)
    except (_NotRun, _Interrupted) as exc:
        code = EXIT_NOT_RUN if isinstance(exc, _NotRun) else EXIT_INTERRUPTED
        if as_json:  # a script reading stdout gets JSON in every case, never nothing
            status = "not_run" if code == EXIT_NOT_RUN else "interrupted"
            error = {"status": status, "exit_code": code, "error": str(exc)}
            typer.echo(json.dumps(error, ensure_ascii=False, indent=2))
        typer.echo(str(exc), err=True)
        raise typer.Exit(code) from None
    if as_json:
        typer.echo(json.dumps(run, ensure_ascii=False, indent=2))
    else:
        console.print(run_view(run, language, width=console.width))
    raise typer.Exit(exit_code(run.get("overall")))


@app.command("reference")
def reference(
    ctx: typer.Context,
    camera: str = typer.Argument(..., help="Camera id (e.g. cam1)."),
    preset: str = typer.Argument(..., help="Preset number or name."),
    config: str | None = typer.Option(None, "--config", "-c", help=_CONFIG_HELP),
    lang: str | None = lang_option(None),
) -> None:
    """Recall PRESET on CAMERA and store the picture as its reference (through the agent
    when it runs)."""
    given = ctx.obj if isinstance(ctx.obj, dict) else {}
    config = config or given.get("config")
    language = normalize_lang(lang or given.get("lang"))
    try:
        cfg = _load(config, language)
        path = _reference_through_agent(cfg, camera, preset, language)
        if path is None:  # no agent answers: this process opens the devices
            path = asyncio.run(_store_reference(cfg, camera, preset, language))
    except _NotRun as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_NOT_RUN) from None
    typer.echo(t("checks.cli.reference.saved", language, camera=camera, preset=preset, path=path))


# -- through the agent ------------------------------------------------------------------


def _through_agent(
    cfg: AgentConfig, categories: list[str] | None, follow: _Follower, timeout_s: float, lang: str
) -> Mapping[str, object]:
    import httpx

    base = _api_base(cfg)
    try:
        httpx.get(base.removesuffix("/api/v1") + "/healthz", timeout=AGENT_PROBE_TIMEOUT_S)
    except httpx.TransportError as exc:
        raise _NotRun(
            t("checks.cli.agent_down", lang, url=base, error=str(exc) or type(exc).__name__)
        ) from None
    headers = {"Authorization": f"Bearer {_token(cfg, lang)}", "Accept-Language": lang}
    body = {"only": categories} if categories else {}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=HTTP_TIMEOUT_S) as client:
            try:
                started = client.post("/checks", json=body)
            except KeyboardInterrupt:  # the service may have queued it: say where to look
                raise _Interrupted(
                    t("checks.cli.interrupted.unanswered", lang, url=f"{base}/checks")
                ) from None
            _raise_for(started, lang, base)
            run_id = str(started.json()["run_id"])

            def poll() -> Mapping[str, object]:
                answer = client.get(f"/checks/{run_id}")
                _raise_for(answer, lang, base)
                data: Mapping[str, object] = answer.json()
                return data

            try:
                return follow.until_done(poll, timeout_s)
            except KeyboardInterrupt:
                raise _Interrupted(_cancel_in_agent(client, run_id, lang, base)) from None
    except httpx.TransportError as exc:
        raise _NotRun(
            t("checks.cli.agent_down", lang, url=base, error=str(exc) or type(exc).__name__)
        ) from None


def _cancel_in_agent(client: object, run_id: str, lang: str, base: str) -> str:
    """Ctrl-C while the agent runs the check: ask it to cancel the run (its cleanup stops
    and returns the cameras); an agent without that route goes on, and we say so."""
    import httpx

    assert isinstance(client, httpx.Client)  # noqa: S101 - typing aid
    try:
        answer = client.post(f"/checks/{run_id}/cancel")
    except httpx.HTTPError:
        answer = None
    if answer is not None and answer.status_code < 300:
        return t("checks.cli.interrupted.cancelled", lang, run_id=run_id)
    return t("checks.cli.interrupted.continues", lang, run_id=run_id, url=f"{base}/checks/{run_id}")


def _reference_through_agent(cfg: AgentConfig, camera: str, preset: str, lang: str) -> str | None:
    """Store the reference through the running agent; None when no agent answers."""
    import httpx

    base = _api_base(cfg)
    try:
        httpx.get(base.removesuffix("/api/v1") + "/healthz", timeout=AGENT_PROBE_TIMEOUT_S)
    except httpx.TransportError:
        return None
    headers = {"Authorization": f"Bearer {_token(cfg, lang)}", "Accept-Language": lang}
    url = f"{base}/cameras/{quote(camera, safe='')}/presets/{quote(preset, safe='')}/reference"
    try:
        answer = httpx.post(url, headers=headers, timeout=REFERENCE_TIMEOUT_S)
    except httpx.TransportError as exc:
        raise _NotRun(
            t("checks.cli.agent_down", lang, url=base, error=str(exc) or type(exc).__name__)
        ) from None
    if answer.status_code == 401:
        raise _NotRun(t("checks.cli.token_rejected", lang, url=base))
    if answer.status_code >= 400:
        try:
            error = str(answer.json().get("message", answer.text))
        except (ValueError, AttributeError):
            error = answer.text
        raise _NotRun(
            t("checks.cli.reference.failed", lang, camera=camera, preset=preset, error=error)
        )
    return str(answer.json()["image"])


def _token(cfg: AgentConfig, lang: str) -> str:
    try:
        return cfg.token_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise _NotRun(
            t(
                "checks.cli.token_unreadable",
                lang,
                path=str(cfg.token_file),
                error=exc.strerror or str(exc),
            )
        ) from None


def _raise_for(response: object, lang: str, base: str) -> None:
    import httpx

    assert isinstance(response, httpx.Response)  # noqa: S101 - typing aid
    if response.status_code < 400:
        return
    try:
        error = response.json()
    except ValueError:
        error = {}
    code = str(error.get("error", "")) if isinstance(error, dict) else ""
    message = str(error.get("message", response.text)) if isinstance(error, dict) else response.text
    if response.status_code == 401:
        raise _NotRun(t("checks.cli.token_rejected", lang, url=base))
    if code == "check_engine_unavailable":
        raise _NotRun(t("checks.cli.no_engine", lang, url=base))
    raise _NotRun(t("checks.cli.api_error", lang, status=response.status_code, error=message))


# -- standalone -------------------------------------------------------------------------------


async def _standalone(
    cfg: AgentConfig, categories: list[str] | None, follow: _Follower, timeout_s: float
) -> Mapping[str, object]:
    from appliance.agent.checks import install
    from appliance.agent.service import AgentService

    _refuse_if_agent_runs(cfg, follow.lang)
    service = AgentService(cfg, hotplug=False)
    engine = install(service)
    await service.start()
    try:
        try:
            run_id = await engine.start(set(categories) if categories else None)
        except ApplianceError as exc:
            raise _NotRun(str(exc)) from None
        task = asyncio.create_task(engine.wait(run_id), name="check-wait")
        deadline = time.monotonic() + timeout_s
        try:
            while not task.done():
                follow.show(engine.progress(run_id).to_json())
                if time.monotonic() > deadline:
                    raise _NotRun(t("checks.cli.timeout", follow.lang, seconds=f"{timeout_s:g}"))
                await asyncio.wait({task}, timeout=POLL_S)
        except asyncio.CancelledError:  # Ctrl-C (asyncio.run cancels us first)
            follow.stop()
            task.cancel()  # the waiter first: nobody is left to read its outcome
            with contextlib.suppress(asyncio.CancelledError, ApplianceError):
                await task
            await engine.close()  # the run's cleanup puts the cameras back
            follow.not_stopped = await _stop_cameras(service)
            raise
        follow.stop()
        return (await task).to_json()
    finally:
        follow.stop()
        await engine.close()
        await service.stop()


async def _stop_cameras(service: AgentService) -> list[str]:
    """After a cancelled run: no camera keeps moving when the process ends. Returns the
    cameras that could not be told to stop."""
    failed = []
    for cam in service.cameras.values():
        try:
            async with asyncio.timeout(STOP_CAMERAS_TIMEOUT_S):
                await cam.stop()
        except (ApplianceError, TimeoutError) as exc:
            log.info("Ctrl-C: could not stop camera %s: %s", cam.id, exc)
            failed.append(cam.id)
    return failed


async def _store_reference(cfg: AgentConfig, camera: str, preset: str, lang: str) -> str:
    from appliance.agent.checks.items.camera import capture_reference
    from appliance.agent.service import AgentService

    _refuse_if_agent_runs(cfg, lang)
    service = AgentService(cfg, hotplug=False)
    await service.start()
    try:
        cam = service.camera(camera)
        await cam.link.supervisor.wait_ready(HTTP_TIMEOUT_S)
        return str((await capture_reference(service, camera, preset)).image_path)
    except (ApplianceError, ValueError) as exc:
        raise _NotRun(
            t("checks.cli.reference.failed", lang, camera=camera, preset=preset, error=str(exc))
        ) from None
    finally:
        await service.stop()


def _refuse_if_agent_runs(cfg: AgentConfig, lang: str) -> None:
    """The agent owns the devices: a second user of a serial port garbles both."""
    import httpx

    url = _api_base(cfg).removesuffix("/api/v1") + "/healthz"
    try:
        answer = httpx.get(url, timeout=AGENT_PROBE_TIMEOUT_S)
    except httpx.HTTPError:
        return
    if answer.status_code == 200:
        raise _NotRun(t("checks.cli.agent_running", lang, url=url))


# -- helpers ----------------------------------------------------------------------------------


class _Follower:
    """The live progress view (nothing at all for --json)."""

    def __init__(self, console: Console, lang: str, *, live: bool) -> None:
        self.lang = lang
        self._live = Live(console=console, transient=True, auto_refresh=False) if live else None
        self._started = False
        self.not_stopped: list[str] = []  # Ctrl-C in --standalone: cameras not stopped

    def show(self, run: Mapping[str, object]) -> None:
        if self._live is None:
            return
        if not self._started:
            self._live.start()
            self._started = True
        self._live.update(progress_view(run, self.lang), refresh=True)

    def stop(self) -> None:
        if self._live is not None and self._started:
            self._live.stop()
            self._started = False

    def until_done(
        self, poll: Callable[[], Mapping[str, object]], timeout_s: float
    ) -> Mapping[str, object]:
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                run = poll()
                if run.get("status") == "done":
                    return run
                if run.get("status") == "cancelled":
                    raise _NotRun(t("checks.cli.cancelled", self.lang))
                self.show(run)
                if time.monotonic() > deadline:
                    raise _NotRun(t("checks.cli.timeout", self.lang, seconds=f"{timeout_s:g}"))
                time.sleep(POLL_S)
        finally:
            self.stop()


def _load(path: str | None, lang: str) -> AgentConfig:
    from appliance.config import config_path, load_config

    try:
        return load_config(config_path(path))
    except ConfigError as exc:
        raise _NotRun(t("agent.config.error", lang, error=str(exc))) from None


def _api_base(cfg: AgentConfig) -> str:
    from appliance.config import parse_listen

    host, port = parse_listen(cfg.api.listen)
    if host in ("0.0.0.0", ""):  # noqa: S104 - a listen address, we connect to loopback
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/api/v1"
