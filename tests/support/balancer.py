"""A TCP load balancer with fail-over, on loopback, for the hub replica tests.

    async with Balancer([port_b, port_a]) as lb:      # the first backend that accepts
        url = f"ws://127.0.0.1:{lb.port}/api/v1/link"

Like HAProxy in ``mode tcp`` with ``option redispatch``: each new connection goes to the
first backend in the list that accepts it; a backend that is down (connection refused) is
skipped. Bytes are copied both ways; when either side closes, the other is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType


class Balancer:
    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.port = 0
        self.connections: dict[int, int] = {}  # backend port → connections it was given
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Balancer:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await task
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            for port in self.backends:
                try:
                    up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
                except OSError:
                    continue
                self.connections[port] = self.connections.get(port, 0) + 1
                await asyncio.gather(
                    _pipe(reader, up_writer), _pipe(up_reader, writer), return_exceptions=True
                )
                return
        finally:
            writer.close()
            if task is not None:
                self._tasks.discard(task)


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while data := await src.read(65536):
            dst.write(data)
            await dst.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            dst.close()
