"""Run the agent: the control API (uvicorn) and the service in ONE asyncio loop.

    await run_agent(config)          returns when SIGTERM/SIGINT (or ``stop``) arrives

The service is :func:`build_service`'s: the devices plus the readiness-check engine
(``appliance.agent.checks.install``), so ``/api/v1/checks`` works in the real agent.

Order: validate (done by the caller) → token file (refuse an insecure one) → bind the
API port → lifespan starts the devices in the background → READY=1 to systemd →
watchdog pings. On SIGTERM: STOPPING=1, a check run in progress is cancelled (requests
waiting for its result get a 503), uvicorn stops accepting, open requests and WebSockets
get ``GRACEFUL_S``, then the lifespan stops the service (ports closed, players stopped),
all within ``STOP_TIMEOUT_S`` of the signal (5 s, the issue's budget; systemd's
TimeoutStopSec is 15 s).

uvicorn's own signal capture is switched off (it re-raises the signal after serving,
which would kill the process with the default handler): the loop's signal handlers
set ``should_exit`` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Callable, Iterator
from typing import Final

import uvicorn

from appliance.agent import sdnotify
from appliance.agent.api import create_app
from appliance.agent.api.auth import load_or_create_token
from appliance.agent.link.client import LinkClient
from appliance.agent.link.runner import start_link
from appliance.agent.service import AgentService
from appliance.config import AgentConfig, parse_listen
from drivers.supervision import cancel_and_wait

log = logging.getLogger(__name__)

STOP_TIMEOUT_S: Final = 5.0
GRACEFUL_S: Final = 1  # open requests / WebSockets after SIGTERM, before they are cancelled
# uvicorn's task, cancelled after the graceful stop overran, gets this to end (re-cancelled
# every drivers.supervision.STOP_GRACE_S); then it is logged and left.
FORCE_STOP_S: Final = 1.0
STARTUP_TIMEOUT_S: Final = 30.0  # binding the port and the lifespan start; devices connect later


def build_service(config: AgentConfig) -> AgentService:
    """The room's service with the check engine and the voice follow plugged in."""
    from appliance.agent import follow
    from appliance.agent.checks import install

    service = AgentService(config)
    install(service)
    follow.install(service)  # the voice-follow camera when the config has [follow]
    return service


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def run_agent(
    config: AgentConfig,
    *,
    service_factory: Callable[[AgentConfig], AgentService] = build_service,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[AgentService], None] | None = None,
    sock: socket.socket | None = None,
) -> None:
    """Serve until a signal or ``stop``; raise ``ConfigError`` before opening anything.

    ``sock``: a socket already bound to ``config.api.listen`` (the simulated room's free
    port, held from the moment it was chosen so no other program can take it meanwhile).
    """
    token = load_or_create_token(config.token_file)
    service = service_factory(config)
    app = create_app(service, token=token)
    host, port = parse_listen(config.api.listen)
    server = _Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            lifespan="on",
            log_config=None,  # our logging setup (stdout/journald), no uvicorn defaults
            access_log=False,  # request lines carry nothing we need; never the token anyway
            timeout_graceful_shutdown=GRACEFUL_S,
            ws="websockets-sansio",
            ws_ping_interval=None,
        )
    )
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()

    def _request_stop(signame: str) -> None:
        log.info("%s received, stopping", signame)
        stop.set()

    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, _request_stop, sig.name)
            installed.append(sig)
    serve = asyncio.create_task(_serve(server, sock), name="uvicorn")
    watchdog: asyncio.Task[None] | None = None
    link: LinkClient | None = None
    try:
        await _wait_started(server, serve)
        if not serve.done():
            # The hub link (docs/LINK.md) after the API is up: the service is started.
            link = await start_link(service)
            sdnotify.ready(f"room {config.room.id}: API on {config.api.listen}")
            log.info("agent %s ready, API on %s", config.room.id, config.api.listen)
            watchdog = sdnotify.start_watchdog()
            if on_ready is not None:
                on_ready(service)
            stopper = asyncio.create_task(stop.wait(), name="agent-stop")
            try:
                await asyncio.wait({serve, stopper}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                await cancel_and_wait(stopper, what="agent stop wait")
        sdnotify.stopping()
        deadline = loop.time() + STOP_TIMEOUT_S
        if link is not None:  # first: its close frame shows the room Offline at the hub at once
            await link.stop()
            link = None
        # A check run ends first: a request waiting for its result gets a 503 at once
        # instead of being cancelled by uvicorn after GRACEFUL_S.
        await service.close_checks()
        server.should_exit = True
        try:
            # asyncio.timeout over a shield (not wait_for: 3.11 gh-86296 can lose a cancel)
            async with asyncio.timeout_at(deadline):
                await asyncio.shield(serve)
        except TimeoutError:
            log.error("shutdown took over %.1f s; forcing", STOP_TIMEOUT_S)
            server.force_exit = True
            # Not `cancel(); suppress(CancelledError): await serve`: that swallows a
            # cancel of run_agent's caller too (drivers/supervision.py cancel_and_wait).
            await cancel_and_wait(serve, timeout_s=FORCE_STOP_S, what="the control API")
            if serve.done() and not serve.cancelled():
                serve.result()  # it ended on its own meanwhile: its error, as before
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        # The server if still running (a startup failure or a cancel of run_agent); the
        # watchdog always (a done one's error is then logged, not left unretrieved).
        tasks = [] if serve.done() else [serve]
        if watchdog is not None:
            tasks.append(watchdog)
        try:
            await cancel_and_wait(*tasks, timeout_s=FORCE_STOP_S)
            if link is not None:  # a startup failure or a cancel of run_agent
                await link.stop()
        finally:
            await service.stop()  # idempotent; covers a failed lifespan start


async def _serve(server: uvicorn.Server, sock: socket.socket | None = None) -> None:
    # uvicorn calls sys.exit() when it cannot bind or the lifespan fails; a SystemExit
    # escaping a task would stop the whole loop, so it becomes an ordinary error here.
    try:
        await server.serve(sockets=[sock] if sock is not None else None)
    except SystemExit as exc:
        raise RuntimeError(
            f"the control API stopped (exit {exc.code}): port in use or start failed"
        ) from None


async def _wait_started(server: uvicorn.Server, serve: asyncio.Task[None]) -> None:
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT_S
    while not server.started and not serve.done():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"the API did not start within {STARTUP_TIMEOUT_S:.0f} s")
        await asyncio.sleep(0.005)
    if serve.done() and not server.started:
        exc = serve.exception()
        raise exc or RuntimeError("the control API did not start (port in use? see the log)")
