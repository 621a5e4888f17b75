"""MJPEG over HTTP: the simulated camera's video stream (loopback only).

``GET /video.mjpg`` answers ``multipart/x-mixed-replace`` with one JPEG per part, the
layout FFmpeg's ``mpjpeg`` muxer writes and its demuxer reads (OpenCV opens it in about
84 ms, PLATFORM.md Media 3b). ``GET /snapshot.jpg`` answers one JPEG.

Frames come from a producer callable returning JPEG bytes, run in a worker thread at
``fps`` while at least one client is connected; every client gets the newest frame
(a slow client skips frames instead of building a backlog).

Faults for tests and demos, like a camera or encoder going wrong:

- :meth:`MjpegServer.stall` — stop sending while every socket stays open (a hung
  encoder; OpenCV's read then blocks, which our capture watchdog must catch);
- :meth:`MjpegServer.go_offline` — close all connections and stop listening (no signal);
  :meth:`MjpegServer.go_online` listens again on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Final

from drivers.supervision import cancel_and_wait

log = logging.getLogger(__name__)

DEFAULT_FPS: Final = 15.0
BOUNDARY: Final = "ffmpeg"  # what ffmpeg's own mpjpeg muxer uses
REQUEST_TIMEOUT_S: Final = 5.0  # a client must send its request head within this
WRITE_TIMEOUT_S: Final = 5.0  # a client that takes longer to accept one frame is dropped
MAX_REQUEST_HEAD: Final = 8192
LOOPBACK_HOSTS: Final = ("127.0.0.1", "::1", "localhost")

JpegProducer = Callable[[], bytes]


class MjpegServer:
    """Serves JPEG frames from ``produce`` as an MJPEG stream on a loopback port."""

    def __init__(
        self,
        produce: JpegProducer,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        fps: float = DEFAULT_FPS,
        write_timeout_s: float = WRITE_TIMEOUT_S,
        request_timeout_s: float = REQUEST_TIMEOUT_S,
    ) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"the simulator serves on loopback only, not on {host!r}")
        if not 0.1 <= fps <= 120.0:
            raise ValueError(f"fps must be 0.1…120, not {fps}")
        self._produce = produce
        self._host = host
        self._port = port
        self._period_s = 1.0 / fps
        self._write_timeout_s = write_timeout_s
        self._request_timeout_s = request_timeout_s
        self._server: asyncio.Server | None = None
        self._producer: asyncio.Task[None] | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._frame: bytes | None = None
        self._seq = 0
        self._new_frame = asyncio.Condition()
        self._clients = 0
        self._wanted = asyncio.Event()
        self._stalled = False
        self.frames_sent = 0

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Listen (the port is fixed after the first start, so restarts keep the URL)."""
        if self._producer is None:
            self._producer = asyncio.create_task(self._produce_loop(), name="mjpeg-producer")
        await self.go_online()

    async def stop(self) -> None:
        await self.go_offline()
        task, self._producer = self._producer, None
        if task is not None:
            await cancel_and_wait(task)  # never swallows our caller's cancel

    async def __aenter__(self) -> MjpegServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """The stream URL (``http://127.0.0.1:PORT/video.mjpg``)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}/video.mjpg"

    @property
    def snapshot_url(self) -> str:
        return self.url.replace("/video.mjpg", "/snapshot.jpg")

    @property
    def clients(self) -> int:
        return self._clients

    # -- faults ------------------------------------------------------------------------

    async def go_offline(self) -> None:
        """No signal: stop listening and close every connection."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        await cancel_and_wait(*self._handlers)  # never swallows our caller's cancel
        if server is not None:
            await server.wait_closed()

    async def go_online(self) -> None:
        """Listen again (same port once one was chosen)."""
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._on_client, self._host, self._port)
        self._port = int(self._server.sockets[0].getsockname()[1])
        log.debug("MJPEG simulator stream at %s", self.url)

    def stall(self) -> None:
        """Stop sending frames but keep every socket open."""
        self._stalled = True

    def resume(self) -> None:
        self._stalled = False

    @property
    def stalled(self) -> bool:
        return self._stalled

    @property
    def online(self) -> bool:
        return self._server is not None

    # -- internals ---------------------------------------------------------------------

    async def _produce_loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_t = loop.time()
        failing = False
        while True:
            await self._wanted.wait()
            if not self._stalled:
                try:
                    jpeg = await asyncio.to_thread(self._produce)
                    failing = False
                except Exception:
                    # First failure loud, repeats quiet (one a frame would flood the log).
                    log.log(
                        logging.DEBUG if failing else logging.ERROR,
                        "MJPEG simulator: frame producer failed",
                        exc_info=True,
                    )
                    failing = True
                    jpeg = None
                if jpeg is not None and not self._stalled:
                    async with self._new_frame:
                        self._frame = jpeg
                        self._seq += 1
                        self._new_frame.notify_all()
            next_t = max(next_t + self._period_s, loop.time())
            await asyncio.sleep(next_t - loop.time())

    def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(self._serve(reader, writer), name="mjpeg-client")
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            path = await self._read_request(reader)
            if path is None:
                await self._reply(writer, 400, "Bad Request")
            elif path == "/video.mjpg":
                await self._stream(writer)
            elif path == "/snapshot.jpg":
                await self._snapshot(writer)
            else:
                await self._reply(writer, 404, "Not Found")
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _read_request(self, reader: asyncio.StreamReader) -> str | None:
        try:
            async with asyncio.timeout(self._request_timeout_s):  # not wait_for: gh-86296
                head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            return None
        if len(head) > MAX_REQUEST_HEAD:
            return None
        parts = head.split(b"\r\n", 1)[0].split(b" ")
        if len(parts) != 3 or parts[0] != b"GET" or not parts[2].startswith(b"HTTP/1."):
            return None
        return parts[1].split(b"?", 1)[0].decode("ascii", "replace")

    async def _reply(self, writer: asyncio.StreamWriter, code: int, reason: str) -> None:
        body = f"{code} {reason}\n".encode()
        writer.write(
            f"HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        async with asyncio.timeout(self._write_timeout_s):
            await writer.drain()

    async def _next_frame(self, after: int) -> tuple[int, bytes]:
        async with self._new_frame:
            await self._new_frame.wait_for(lambda: self._seq > after and self._frame is not None)
            assert self._frame is not None  # noqa: S101 - the predicate checked it
            return self._seq, self._frame

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        self._clients += 1
        self._wanted.set()
        try:
            # Start with a fresh frame, not one left from an earlier client. A stalled
            # camera accepts the connection and then says nothing at all.
            seq, jpeg = await self._next_frame(self._seq)
            writer.write(
                b"HTTP/1.1 200 OK\r\nCache-Control: no-cache\r\nConnection: close\r\n"
                b"Content-Type: multipart/x-mixed-replace; boundary="
                + BOUNDARY.encode()
                + b"\r\n\r\n"
            )
            while True:
                writer.write(
                    f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                    f"Content-Length: {len(jpeg)}\r\n\r\n".encode()
                    + jpeg
                    + b"\r\n"
                )
                async with asyncio.timeout(self._write_timeout_s):
                    await writer.drain()
                self.frames_sent += 1
                seq, jpeg = await self._next_frame(seq)
        finally:
            self._clients -= 1
            if self._clients == 0:
                self._wanted.clear()

    async def _snapshot(self, writer: asyncio.StreamWriter) -> None:
        self._clients += 1
        self._wanted.set()
        try:
            _seq, jpeg = await self._next_frame(self._seq)
        finally:
            self._clients -= 1
            if self._clients == 0:
                self._wanted.clear()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nCache-Control: no-cache\r\n"
            + f"Content-Length: {len(jpeg)}\r\nConnection: close\r\n\r\n".encode()
            + jpeg
        )
        async with asyncio.timeout(self._write_timeout_s):
            await writer.drain()
