"""Byte-level plumbing of the simulator: camera-side framing, paced output, the pty.

- :class:`CameraFramer` splits the controller's byte stream into packets. It is the
  camera's view, not the driver's ``transport.framing.Framer``: a camera must *see* an over-long
  message to answer "message length error" (VISCA.md §1.1, FCB), where the driver's
  framer drops such runs.
- :class:`PacedWriter` sends bytes no faster than the line's baud rate allows
  (len × 10 / baud; a pty delivers instantly, PLATFORM.md Infra 1 "no timing effect").
- :class:`PtyEnd` is the camera end of a pseudo-terminal behind a stable symlink.
  It keeps the slave fd open itself: with no process holding the slave, the master
  reads EIO in a busy loop (PLATFORM.md Infra 1, master-side gotcha). Closing it is an
  unplug — the driver's reads fail as with a pulled USB adapter — and opening it again
  re-points the symlink at the new /dev/pts/N, so the path survives a replug.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import shutil
import struct
import tempfile
import time
import tty
from collections.abc import Callable
from pathlib import Path
from typing import Final

from drivers.supervision import cancel_and_wait
from drivers.visca.messages import TERMINATOR

log = logging.getLogger(__name__)

# inotify (Linux, via libc: no package needed) tells the pty end when a client opens or
# closes the slave; <sys/inotify.h> constants and struct inotify_event (wd, mask,
# cookie, len), 16 bytes for a watch on a file.
_IN_OPEN: Final = 0x20
_IN_CLOSE: Final = 0x08 | 0x10  # IN_CLOSE_WRITE | IN_CLOSE_NOWRITE
_INOTIFY_EVENT: Final = struct.Struct("iIII")
_libc: ctypes.CDLL | None
try:
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - every Linux libc has it
    _libc = None

MAX_RUN: Final = 64  # bytes without FF before the framer gives up on a packet
READ_SIZE: Final = 4096
BITS_PER_BYTE: Final = 10  # 8N1
# asyncio's epoll selector rounds every timeout up to a whole millisecond, so a plain
# sleep wakes up to 1 ms late — 3 % of a 9600-baud inquiry round trip, twice per reply.
# Sleep to this much before a deadline, then yield to the loop until it is reached.
SPIN_S: Final = 0.0015


async def sleep_until(deadline: float) -> None:
    """Wake at ``deadline`` (monotonic) within tens of µs, still serving I/O meanwhile."""
    delay = deadline - time.monotonic()
    if delay > SPIN_S:
        await asyncio.sleep(delay - SPIN_S)
    while time.monotonic() < deadline:  # noqa: ASYNC110 - an Event could not wake us sooner
        await asyncio.sleep(0)


class CameraFramer:
    """Split a byte stream on ``FF``; a packet starts at a byte with bit 7 set."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.dropped = 0

    def feed(self, data: bytes) -> list[tuple[bytes, int]]:
        """Complete packets in ``data``, each with the index of its last byte in ``data``."""
        packets: list[tuple[bytes, int]] = []
        for index, byte in enumerate(data):
            if not self._buf and (not byte & 0x80 or byte == TERMINATOR):
                # Noise before a header byte; a lone FF is no header either (it used to
                # start a "packet" that swallowed the real one after it, issue #7 item 8).
                self.dropped += 1
                continue
            self._buf.append(byte)
            if byte == TERMINATOR and len(self._buf) > 1:
                packets.append((bytes(self._buf), index))
                self._buf.clear()
            elif len(self._buf) > MAX_RUN:
                self.dropped += len(self._buf)
                self._buf.clear()
        return packets


class PacedWriter:
    """Write packets in order, each finishing ``len × 10 / baud`` after the previous one."""

    def __init__(self, write: Callable[[bytes], None], baud: int | None) -> None:
        self._write = write
        self._baud = baud
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._line_free = 0.0

    def start(self) -> None:
        if self._baud and self._task is None:
            self._task = asyncio.create_task(self._run(), name="visca-sim:tx")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait(task)  # never swallows our caller's cancel

    def send(self, data: bytes) -> None:
        if self._task is None:
            self._write(data)
        else:
            self._queue.put_nowait(data)

    def flush(self) -> None:
        """Forget what is queued (the line went away)."""
        while not self._queue.empty():
            self._queue.get_nowait()

    async def _run(self) -> None:
        assert self._baud  # noqa: S101 - start() only creates the task with a baud
        per_byte = BITS_PER_BYTE / self._baud
        while True:
            data = await self._queue.get()
            # The last byte arrives one wire time after the line is free (absolute
            # deadlines, so scheduler delays do not add up over a burst).
            self._line_free = max(time.monotonic(), self._line_free) + len(data) * per_byte
            await sleep_until(self._line_free)
            self._write(data)


class PtyEnd:
    """The camera end of a pty, reachable at a stable symlink ``path``."""

    def __init__(self, link: str | None, on_data: Callable[[bytes], None]) -> None:
        self._own_dir: str | None = None
        if link is None:
            self._own_dir = tempfile.mkdtemp(prefix="visca-sim-")
            link = str(Path(self._own_dir) / "ttyVISCA0")
        self.path = link
        self._on_data = on_data
        self._master: int | None = None
        self._slave: int | None = None
        self.device: str | None = None
        self._watch: int | None = None  # inotify fd: who else opens our pty
        self._peers = 0

    @property
    def is_open(self) -> bool:
        return self._master is not None

    def open(self) -> None:
        if self._master is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.device = os.ttyname(slave)
        self._watch_opens(self.device)
        temp = f"{self.path}.new"
        with contextlib.suppress(FileNotFoundError):
            Path(temp).unlink()
        Path(temp).symlink_to(self.device)
        Path(temp).replace(self.path)  # atomic: the path never points nowhere mid-replug
        asyncio.get_running_loop().add_reader(master, self._readable)
        log.debug("pty %s -> %s", self.path, self.device)

    def close(self) -> None:
        master, slave = self._master, self._slave
        self._master = self._slave = None
        if master is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed
                asyncio.get_running_loop().remove_reader(master)
            os.close(master)
        if slave is not None:
            os.close(slave)
        self._unwatch()
        with contextlib.suppress(FileNotFoundError):
            Path(self.path).unlink()  # the device node vanishes with the adapter

    def peer_open(self) -> bool:
        """Whether anyone besides us holds the slave open (a client has "the port").

        Counted from inotify open/close events on our /dev/pts/N, watched from right
        after we opened it (scanning /proc took ~0.7 s on a busy host and blocked the
        loop). Without inotify, assume a client (the old behaviour).
        """
        watch = self._watch
        if watch is None:
            return True
        with contextlib.suppress(BlockingIOError):
            data = os.read(watch, 4096)
            for offset in range(0, len(data), _INOTIFY_EVENT.size):  # file watch: no name
                _wd, mask, _cookie, _length = _INOTIFY_EVENT.unpack_from(data, offset)
                self._peers += 1 if mask & _IN_OPEN else -1
        return self._peers > 0

    def _watch_opens(self, device: str) -> None:
        self._peers = 0
        libc = _libc
        fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC) if libc is not None else -1
        if libc is None or fd < 0:
            self._watch = None
            return
        if libc.inotify_add_watch(fd, device.encode(), _IN_OPEN | _IN_CLOSE) < 0:
            os.close(fd)
            self._watch = None
            return
        self._watch = fd

    def _unwatch(self) -> None:
        watch, self._watch = self._watch, None
        if watch is not None:
            os.close(watch)

    def remove_dir(self) -> None:
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)
            self._own_dir = None

    def write(self, data: bytes) -> None:
        if self._master is None:
            return
        try:
            os.write(self._master, data)
        except BlockingIOError:
            log.debug("pty buffer full (nobody reads); %d bytes lost", len(data))
        except OSError as exc:
            log.debug("pty write failed: %s", exc)

    def _readable(self) -> None:
        if self._master is None:
            return
        try:
            data = os.read(self._master, READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:  # EIO cannot happen while we hold the slave; be safe
            log.debug("pty read failed: %s", exc)
            return
        if data:
            self._on_data(data)
