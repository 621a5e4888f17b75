"""Camera snapshots taken in a child process, so OpenCV never enters the agent.

    SnapshotChild   one camera's reader child: started on the first snapshot, kept while
                    snapshots come, ended when idle (VideoHandle's idle close)

OpenCV, numpy and the FFmpeg libraries they bring cost ~40 MB of the agent's RSS once
loaded (PLATFORM.md Media 5: cv2 alone is +32 MB; measured with issue 7 item 11: a
snapshot under API load took the agent from 71 to 115 MB, for good). DESIGN.md §7 wants
≤ 80 MB at all times, so — as the audio work does (``appliance.agent.audio``) — the
picture is read in a child, ``python -m appliance.agent.video JSON``, that owns the
``VideoSource`` (and its reader thread). Unlike a level reading, a snapshot wants the
stream already open (first frame 0.2–1.3 s, PLATFORM.md Media 3b), so the child lives
on between snapshots and the agent ends it when the source is closed when idle.

The wire, stdin → stdout: the agent writes ``snapshot\\n``; the child answers one JSON
line, ``{"size": N, "state": S, "reopened": K}`` followed by N JPEG bytes, or
``{"error": {"kind", "message", …}, "open_failed": B, "state": S, "reopened": K}``
(``open_failed``: the source could not be opened, rather than read). A driver error in the
child is raised here as the same kind of error (``DeviceUnavailableError``,
``DeviceTimeoutError``, ``ConfigError``). The child opens a source whose stream ended or
stalled again (as ``VideoHandle.source()`` does) and counts it in ``reopened``. It ends
when its stdin closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any, Final

from drivers.errors import ConfigError, DeviceError, DeviceTimeoutError, DeviceUnavailableError

log = logging.getLogger(__name__)

# The first answer waits for the child's start (Python + OpenCV import, ~0.3 s), the
# source's open and its first frame (OPEN_TIMEOUT_S + FIRST_FRAME_TIMEOUT_S of
# drivers/video/capture.py, 5 s each); a later one for an encode (~11 ms at 1080p) or a
# reopen. Beyond this the child is taken as hung and killed.
SNAPSHOT_CHILD_TIMEOUT_S: Final = 15.0
STOP_TIMEOUT_S: Final = 2.0  # the child stops its source when stdin closes; then killed
_CHILD_MODULE: Final = "appliance.agent.video"
_REQUEST: Final = b"snapshot\n"
_ERRORS: Final[dict[str, type[DeviceError]]] = {
    "timeout": DeviceTimeoutError,
    "unavailable": DeviceUnavailableError,
}


class SnapshotChild:
    """One camera's reader child (see the module docstring); one snapshot at a time."""

    def __init__(
        self,
        device_id: str,
        url: str,
        *,
        stall_timeout_s: float | None = None,
        timeout_s: float = SNAPSHOT_CHILD_TIMEOUT_S,
    ) -> None:
        self.device_id = device_id
        self.url = url
        self.stall_timeout_s = stall_timeout_s  # None: the driver's STALL_TIMEOUT_S
        self.timeout_s = timeout_s
        self.source_state: str | None = None  # the child's source, as its last answer said
        self.reopened = 0  # sources the child replaced (its count, summed over children)
        self.open_failed = False  # the last error came from opening the source
        self._reopened_before = 0  # counted by children that have exited
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._proc is not None

    async def snapshot_jpeg(self) -> bytes:
        """JPEG of the newest frame (the child opens the source on the first call)."""
        async with self._lock:
            proc = self._proc or await self._spawn()
            try:
                async with asyncio.timeout(self.timeout_s):  # not wait_for: gh-86296
                    header, data = await _exchange(proc)
            except TimeoutError:
                await self._end()
                raise DeviceUnavailableError(
                    self.device_id,
                    f"the video reader gave no answer within {self.timeout_s:.0f} s",
                    operation="snapshot",
                ) from None
            except (OSError, EOFError, ValueError) as exc:  # it died, or garbage
                await self._end()
                raise DeviceUnavailableError(
                    self.device_id,
                    f"the video reader failed (exit {proc.returncode}): {exc or type(exc).__name__}",
                    operation="snapshot",
                ) from None
            except BaseException:  # a cancel mid-answer: the pipe is out of step
                await asyncio.shield(self._end())
                raise
            self.source_state = header.get("state")
            self.reopened = self._reopened_before + int(header.get("reopened", 0))
            self.open_failed = bool(header.get("open_failed"))
            _raise_reported(header, self.device_id)
            return data

    async def stop(self) -> None:
        """End the child (its source is released); the next snapshot starts a new one."""
        async with self._lock:
            await self._end()

    async def _spawn(self) -> asyncio.subprocess.Process:
        config: dict[str, object] = {"url": self.url, "device_id": self.device_id}
        if self.stall_timeout_s is not None:
            config["stall_timeout_s"] = self.stall_timeout_s
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            _CHILD_MODULE,
            json.dumps(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            # stderr: the agent's own (the journal), as OpenCV's warnings were before
        )
        return self._proc

    async def _end(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        self._reopened_before = self.reopened
        self.source_state = None
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await proc.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()  # our own child, by its handle
            await proc.wait()


async def _exchange(proc: asyncio.subprocess.Process) -> tuple[dict[str, Any], bytes]:
    stdin, stdout = proc.stdin, proc.stdout
    if stdin is None or stdout is None:  # cannot happen with PIPE; keeps mypy honest
        raise OSError("video reader without pipes")
    stdin.write(_REQUEST)
    await stdin.drain()
    line = await stdout.readline()
    if not line:
        raise EOFError("it exited")
    header = json.loads(line)
    if not isinstance(header, dict):
        raise ValueError("it answered garbage")
    size = header.get("size")
    data = await stdout.readexactly(int(size)) if isinstance(size, int) else b""
    return header, data


def _raise_reported(header: dict[str, Any], device_id: str) -> None:
    error = header.get("error")
    if not isinstance(error, dict):
        return
    message = str(error.get("message", "video error"))
    if error.get("kind") == "config":
        raise ConfigError(message, path=error.get("path"), key=error.get("key"))
    cls = _ERRORS.get(str(error.get("kind")), DeviceUnavailableError)
    raise cls(str(error.get("device_id") or device_id), message, operation=error.get("operation"))


# -- in the child -------------------------------------------------------------------------


def _error_json(exc: ConfigError | DeviceError) -> dict[str, object]:
    if isinstance(exc, ConfigError):
        return {"kind": "config", "message": _config_message(exc), "path": exc.path, "key": exc.key}
    kind = "timeout" if isinstance(exc, DeviceTimeoutError) else "unavailable"
    return {
        "kind": kind,
        "message": exc.detail,
        "device_id": exc.device_id,
        "operation": exc.operation,
    }


def _config_message(exc: ConfigError) -> str:
    """The message a ConfigError was made with (its str() carries ``path: key: `` too)."""
    text = str(exc)
    prefix = ": ".join(p for p in (exc.path, exc.key) if p)
    return text[len(prefix) + 2 :] if prefix and text.startswith(prefix + ": ") else text


async def _serve(config: dict[str, Any]) -> None:
    """In the child: answer each ``snapshot`` line on stdin until it closes."""
    from drivers.video.capture import SourceState, VideoSource

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout.buffer
    device_id = str(config["device_id"])
    options: dict[str, Any] = {"device_id": device_id}
    if config.get("stall_timeout_s") is not None:
        options["stall_timeout_s"] = float(config["stall_timeout_s"])
    source: VideoSource | None = None
    reopened = 0
    try:
        while await reader.readline():
            header: dict[str, object]
            data = b""
            opening = False
            try:
                if source is not None and source.state not in (
                    SourceState.OPENING,
                    SourceState.STREAMING,
                ):
                    log.info(
                        "%s: %s (%s); opening it again", device_id, source.state, source.reason
                    )
                    old, source = source, None
                    reopened += 1
                    await old.stop()
                if source is None:
                    opening = True
                    fresh = VideoSource(str(config["url"]), **options)
                    await fresh.start()
                    source = fresh
                opening = False
                data = await source.snapshot_jpeg()
                header = {"size": len(data)}
            except (ConfigError, DeviceError) as exc:
                header = {"error": _error_json(exc), "open_failed": opening}
            header["state"] = source.state.value if source is not None else None
            header["reopened"] = reopened
            out.write(json.dumps(header).encode() + b"\n" + data)
            out.flush()
    finally:
        if source is not None:
            await source.stop()


def main(argv: Sequence[str]) -> int:
    """``python -m appliance.agent.video '{"url": …, "device_id": …}'``."""
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    with contextlib.suppress(BrokenPipeError):  # the agent stopped listening
        asyncio.run(_serve(json.loads(argv[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
