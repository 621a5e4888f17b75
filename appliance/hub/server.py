"""Run the hub: uvicorn in-process, one asyncio loop, SIGTERM/SIGINT stop it cleanly.

    await run_hub(settings)          returns after SIGTERM/SIGINT (or ``stop``)

uvicorn's own signal capture is off (it re-raises the signal after serving, which would
kill the process with the default handler, appliance/agent/server.py): the loop's
handlers set ``stop``. On stop: uvicorn stops accepting, open requests / links get
``GRACEFUL_S``, then the lifespan closes the links (agents see a close frame and
reconnect later), flushes presence and closes the store, all within ``STOP_TIMEOUT_S``.
TLS: ``--tls-cert/--tls-key`` are passed to uvicorn (agents then dial ``wss://``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Iterator
from typing import Final

import uvicorn

from appliance.hub.app import create_app
from appliance.hub.settings import (
    WS_MAX_SIZE_BYTES,
    WS_PING_INTERVAL_S,
    WS_PING_TIMEOUT_S,
    HubSettings,
    parse_hub_listen,
)
from drivers.supervision import cancel_and_wait

log = logging.getLogger(__name__)

STOP_TIMEOUT_S: Final = 10.0
GRACEFUL_S: Final = 2
FORCE_STOP_S: Final = 2.0
STARTUP_TIMEOUT_S: Final = 60.0  # binding + the lifespan (schema upgrade of a big database)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def make_server(settings: HubSettings, *, clock: Callable[[], float] = time.time) -> uvicorn.Server:
    """The uvicorn server for ``settings`` (not started); ``clock``: create_app's."""
    host, port = parse_hub_listen(settings.listen)
    config = uvicorn.Config(
        create_app(settings, clock=clock),
        host=host,
        port=port,
        lifespan="on",
        log_config=None,  # our logging setup; uvicorn's access log would carry nothing useful
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_S,
        ws="websockets-sansio",
        ws_max_size=WS_MAX_SIZE_BYTES,
        ws_ping_interval=WS_PING_INTERVAL_S,
        ws_ping_timeout=WS_PING_TIMEOUT_S,
        # No permessage-deflate: link frames are small JSON (or JPEG in base64), and a
        # zlib context pair per link cost memory per room and CPU per frame (a profile of
        # bench/hub.py showed inflate on every heartbeat).
        ws_per_message_deflate=False,
        ssl_certfile=str(settings.tls_cert) if settings.tls_cert else None,
        ssl_keyfile=str(settings.tls_key) if settings.tls_key else None,
        # 10,000 agents' links are 10,000 open connections (bench/hub.py).
        backlog=4096,
    )
    return _Server(config)


def bound_port(server: uvicorn.Server) -> int:
    """The port uvicorn listens on (``--listen …:0`` picks one)."""
    for srv in server.servers:
        for sock in srv.sockets:
            return int(sock.getsockname()[1])
    raise RuntimeError("the hub is not listening")


async def run_hub(
    settings: HubSettings,
    *,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[int], None] | None = None,
) -> None:
    """Serve until a signal or ``stop``; ``on_ready(port)`` once the port is open."""
    server = make_server(settings)
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()

    def _request_stop(signame: str) -> None:
        log.info("%s received, stopping the hub", signame)
        stop.set()

    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, _request_stop, sig.name)
            installed.append(sig)
    serve = asyncio.create_task(_serve(server), name="hub-uvicorn")
    try:
        await _wait_started(server, serve)
        port = bound_port(server)
        log.info("hub ready on %s (port %d)", settings.listen, port)
        if on_ready is not None:
            on_ready(port)
        stopper = asyncio.create_task(stop.wait(), name="hub-stop")
        try:
            await asyncio.wait({serve, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await cancel_and_wait(stopper, what="hub stop wait")
        server.should_exit = True
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await asyncio.shield(serve)
        except TimeoutError:
            log.error("hub shutdown took over %.0f s; forcing", STOP_TIMEOUT_S)
            server.force_exit = True
            await cancel_and_wait(serve, timeout_s=FORCE_STOP_S, what="the hub server")
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        if not serve.done():
            await cancel_and_wait(serve, timeout_s=FORCE_STOP_S, what="the hub server")


async def _serve(server: uvicorn.Server) -> None:
    # uvicorn calls sys.exit() when it cannot bind or the lifespan fails; a SystemExit
    # escaping a task would stop the loop, so it becomes an ordinary error here.
    try:
        await server.serve()
    except SystemExit as exc:
        raise RuntimeError(
            f"the hub stopped (exit {exc.code}): port in use or start failed"
        ) from None


async def _wait_started(server: uvicorn.Server, serve: asyncio.Task[None]) -> None:
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT_S
    while not server.started and not serve.done():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"the hub did not start within {STARTUP_TIMEOUT_S:.0f} s")
        await asyncio.sleep(0.01)
    if serve.done() and not server.started:
        exc = serve.exception()
        raise exc or RuntimeError("the hub did not start (port in use? see the log)")
