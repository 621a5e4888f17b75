"""A minimal hub for the agent's link tests: a real WebSocket server on 127.0.0.1 that
speaks the real protocol (``appliance.link`` models, docs/LINK.md) and keeps what the
agent sent. The real hub (``appliance hub serve``) is exercised in ``tests/fleet/``;
this one lets the client's edges (refused secret, an outage, clock offset) be driven
precisely.

Its store survives :meth:`stop` / :meth:`start` on the same port (a hub restart): events
are kept once by id, like the real hub's rule, and ``duplicates`` counts resends of ids
it already had.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
import uuid
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from appliance.link import (
    Ack,
    Command,
    Event,
    Heartbeat,
    Hello,
    Result,
    Welcome,
    decode_agent_message,
    encode,
)

WAIT_S = 20.0
# The test hub's own websockets logger stays at INFO: at DEBUG it logs the headers it
# receives, and the secret-not-logged test is about the agent's logs.
_LOG = logging.getLogger("tests.link_hub")
_LOG.setLevel(logging.INFO)


class MiniHub:
    def __init__(
        self,
        secret: str,
        room_id: str,
        *,
        heartbeat_s: float = 0.2,
        clock_skew_s: float = 0.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.tls = tls
        self.secret = secret
        self.room_id = room_id
        self.heartbeat_s = heartbeat_s
        self.clock_skew_s = clock_skew_s  # the hub's clock minus the real one
        self.port = 0
        self.events: list[Event] = []
        self.duplicates = 0
        self.heartbeats: list[Heartbeat] = []
        self.hellos: list[Hello] = []
        self.closes: list[int | None] = []
        self.refused = 0
        self._results: dict[str, asyncio.Future[Result]] = {}
        self._conn: ServerConnection | None = None
        self._server: Server | None = None
        self._news = asyncio.Event()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def last_id(self) -> int:
        return self.events[-1].id if self.events else 0

    async def start(self) -> None:
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            self.port,
            process_request=self._auth,
            compression=None,
            ssl=self.tls,
            logger=_LOG,
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._conn = None

    async def __aenter__(self) -> MiniHub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def command(self, op: str, args: dict[str, Any], timeout_s: float = 10.0) -> Result:
        conn = self._conn
        assert conn is not None, "no agent linked"
        request_id = uuid.uuid4().hex
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._results[request_id] = future
        await conn.send(
            encode(Command(request_id=request_id, op=op, args=args, timeout_s=timeout_s))
        )
        async with asyncio.timeout(timeout_s + WAIT_S):
            return await future

    async def wait_for(
        self, what: str, predicate: Callable[[], bool], timeout_s: float = WAIT_S
    ) -> None:
        """Until ``predicate()`` holds after something arrived (bounded)."""
        deadline = time.monotonic() + timeout_s
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{what}: not within {timeout_s} s")
            self._news.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, 0.5)):
                    await self._news.wait()

    def connected(self) -> bool:
        return self._conn is not None

    # -- the server ------------------------------------------------------------------------

    def _auth(self, conn: ServerConnection, request: Request) -> Response | None:
        if request.path != "/api/v1/link":
            return conn.respond(404, "no such endpoint\n")
        if request.headers.get("Authorization") != f"Bearer {self.secret}":
            self.refused += 1
            self._news.set()
            return conn.respond(401, "wrong room secret\n")
        return None

    async def _handle(self, conn: ServerConnection) -> None:
        hello = decode_agent_message(await conn.recv())
        assert isinstance(hello, Hello), hello
        self.hellos.append(hello)
        await conn.send(
            encode(
                Welcome(
                    room_id=self.room_id,
                    hub_time=time.time() + self.clock_skew_s,
                    last_event_id=self.last_id,
                    heartbeat_s=self.heartbeat_s,
                )
            )
        )
        self._conn = conn
        self._news.set()
        try:
            async for frame in conn:
                message = decode_agent_message(frame)
                if isinstance(message, Event):
                    if message.id > self.last_id:
                        self.events.append(message)
                    else:
                        self.duplicates += 1
                    await conn.send(encode(Ack(id=self.last_id)))
                elif isinstance(message, Heartbeat):
                    self.heartbeats.append(message)
                elif isinstance(message, Result):
                    future = self._results.pop(message.request_id, None)
                    if future is not None and not future.done():
                        future.set_result(message)
                self._news.set()
        except ConnectionClosed:
            pass
        finally:
            self.closes.append(conn.close_code)
            if self._conn is conn:
                self._conn = None
            self._news.set()
