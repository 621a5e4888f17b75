"""A display's VLC player in a child process, so libVLC, numpy and Pillow never enter the
agent.

    DisplayChild    one display's player child: started on the first show, ended by a
                    stop (the player, its VLC instance and window go with it)
    PatternVerdict  a screenshot of the output compared with the test pattern's layout

``drivers.display.VlcDisplay`` loads libVLC with its plugins and renders the pattern and
slate with numpy and Pillow: showing the slate once took the agent from 70 to 179 MB
(high-water 171 MB), and the check's display item — show the bars, screenshot the
output, compare — to 135 MB after and 215 MB during it (issue 7 item 11, measured with
/proc/PID/status; DESIGN.md §7 wants ≤ 80 MB at all times). So, as the camera pictures
do (``appliance.agent.video``), the player lives in a child, ``python -m
appliance.agent.display JSON``, and the check's screenshot and comparison run there too.

The wire, stdin → stdout, one JSON line each way: the agent writes ``{"op": OP, …}``
(OP: ``show`` with ``what``/``pattern``/``url``, ``probe``, ``verify``); the child
answers ``{"status": S, "result": R}`` (S: the player's ``DisplayStatus``) or ``{"error":
{…}, "status": S, "open_failed": B}`` (``open_failed``: X, the window or VLC could not
be opened, rather than the content refused). Errors are raised here as the same types
(``appliance.agent.child_wire``). The child closes its player when its stdin closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from appliance.agent.child_wire import REPORTED, error_json, raise_reported, run_child
from drivers.display.status import ContentKind, DisplayStatus, PlayerState
from drivers.errors import DeviceUnavailableError

if TYPE_CHECKING:
    from PIL import Image

    from drivers.display import PatternCheck
    from drivers.display.display import VlcDisplay

log = logging.getLogger(__name__)

# An answer waits for the child's start (Python, numpy, Pillow and libVLC, ~1 s), the
# display's open (X_TIMEOUT_S 3 s) and the content's (OPEN_TIMEOUT_S 5 s) of
# drivers/display/display.py; a verification for its own time limit on top.
DISPLAY_CHILD_TIMEOUT_S: Final = 20.0
STOP_TIMEOUT_S: Final = 8.0  # the child stops VLC (STOP_TIMEOUT_S 5 s there); then killed
EVIDENCE_JPEG_QUALITY: Final = 85
VERIFY_POLL_S: Final = 0.1  # between screenshots while waiting for the pattern
_CHILD_MODULE: Final = "appliance.agent.display"
# glibc malloc arenas of the player process (see DisplayChild._spawn).
MALLOC_ARENAS: Final = "2"


@dataclass(frozen=True)
class PatternVerdict:
    """The output's screenshot against the pattern (``drivers.display.PatternCheck``)."""

    ok: bool
    patches: int
    mismatches: tuple[str, ...]  # names of the patches with the wrong colour
    empty_text_boxes: tuple[str, ...]
    width: int
    height: int


class DisplayChild:
    """One display's player child (see the module docstring); one request at a time."""

    def __init__(
        self,
        device_id: str,
        *,
        xdisplay: str,
        output: str | None,
        room_name: str,
        timeout_s: float = DISPLAY_CHILD_TIMEOUT_S,
    ) -> None:
        self.device_id = device_id
        self.xdisplay = xdisplay
        self.output = output
        self.room_name = room_name
        self.timeout_s = timeout_s
        self.status: DisplayStatus | None = None  # the player, as the child last said
        self.open_failed = False  # the last error came from opening the display
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._proc is not None

    async def show(
        self, what: str, *, pattern: str | None = None, url: str | None = None
    ) -> DisplayStatus:
        """Show the pattern (``pattern``: bars…), the slate, or play ``url``."""
        request: dict[str, object] = {"op": "show", "what": what, "pattern": pattern, "url": url}
        await self._request(request, "show")
        return self._status()

    async def probe(self) -> DisplayStatus | None:
        """Ask the player whether its output is still there; None while no child runs."""
        if self._proc is not None:
            await self._request({"op": "probe"}, "probe")
        return self.status

    async def verify_pattern(
        self, kind: str, *, tolerance: int, timeout_s: float, evidence: Path
    ) -> PatternVerdict:
        """Screenshot the output until it shows ``kind`` or ``timeout_s`` has passed; the
        last screenshot's comparison (and the screenshot saved to ``evidence``)."""
        request = {
            "op": "verify",
            "kind": kind,
            "tolerance": tolerance,
            "timeout_s": timeout_s,
            "evidence": str(evidence),
        }
        result = await self._request(request, "verify", timeout_s)
        return PatternVerdict(
            bool(result["ok"]),
            int(result["patches"]),
            tuple(str(m) for m in result["mismatches"]),
            tuple(str(b) for b in result["empty_text_boxes"]),
            int(result["width"]),
            int(result["height"]),
        )

    async def stop(self) -> None:
        """End the child: the player, its VLC instance and window are released."""
        async with self._lock:
            await self._end()
            if self.status is not None:
                self.status = _idle(self.status)

    def _status(self) -> DisplayStatus:
        if self.status is None:  # every answer of a running child carries one
            raise DeviceUnavailableError(self.device_id, "the display player said nothing")
        return self.status

    async def _request(
        self, request: dict[str, object], operation: str, extra_s: float = 0.0
    ) -> dict[str, Any]:
        async with self._lock:
            proc = self._proc or await self._spawn()
            limit_s = self.timeout_s + extra_s
            try:
                async with asyncio.timeout(limit_s):  # not wait_for: gh-86296
                    header = await _exchange(proc, request)
            except TimeoutError:
                await self._end()
                raise DeviceUnavailableError(
                    self.device_id,
                    f"the display player gave no answer within {limit_s:.0f} s",
                    operation=operation,
                ) from None
            except (OSError, EOFError, ValueError) as exc:  # it died, or garbage
                await self._end()
                raise DeviceUnavailableError(
                    self.device_id,
                    f"the display player failed (exit {proc.returncode}): "
                    f"{exc or type(exc).__name__}",
                    operation=operation,
                ) from None
            except BaseException:  # a cancel mid-answer: the pipe is out of step
                await asyncio.shield(self._end())
                raise
            status = header.get("status")
            if isinstance(status, dict):
                self.status = _status_from_json(status)
            self.open_failed = bool(header.get("open_failed"))
            if self.open_failed:  # no player in it: the next show starts afresh
                await self._end()
            raise_reported(header, self.device_id)
            result = header.get("result")
            return result if isinstance(result, dict) else {}

    async def _spawn(self) -> asyncio.subprocess.Process:
        # libVLC starts threads for every media it plays; glibc gives threads their own
        # malloc arenas (up to 8 per core, mallopt(3) M_ARENA_MAX) and keeps what they
        # freed. Measured: 15 show/stop cycles grew the player's process by 76 MB with
        # the default and 16 MB with 2 arenas (the soak, tests/reliability/test_soak.py).
        config = {
            "device_id": self.device_id,
            "xdisplay": self.xdisplay,
            "output": self.output,
            "room_name": self.room_name,
        }
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            _CHILD_MODULE,
            json.dumps(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            # stderr: the agent's own (the journal), as VLC's messages were before
            env={**os.environ, "MALLOC_ARENA_MAX": MALLOC_ARENAS},
        )
        return self._proc

    async def _end(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await proc.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()  # our own child, by its handle
            await proc.wait()


async def _exchange(proc: asyncio.subprocess.Process, request: dict[str, object]) -> dict[str, Any]:
    stdin, stdout = proc.stdin, proc.stdout
    if stdin is None or stdout is None:  # cannot happen with PIPE; keeps mypy honest
        raise OSError("display player without pipes")
    stdin.write(json.dumps(request).encode() + b"\n")
    await stdin.drain()
    line = await stdout.readline()
    if not line:
        raise EOFError("it exited")
    header = json.loads(line)
    if not isinstance(header, dict):
        raise ValueError("it answered garbage")
    return header


def _status_json(status: DisplayStatus) -> dict[str, object]:
    return {
        "device_id": status.device_id,
        "state": status.state.value,
        "content": status.content.value,
        "source": status.source,
        "output": status.output,
        "screen": status.screen,
        "error": status.error,
        "video_size": list(status.video_size) if status.video_size else None,
    }


def _status_from_json(data: dict[str, Any]) -> DisplayStatus:
    size = data.get("video_size")
    return DisplayStatus(
        device_id=str(data["device_id"]),
        state=PlayerState(data["state"]),
        content=ContentKind(data["content"]),
        source=data.get("source"),
        output=data.get("output"),
        screen=bool(data.get("screen")),
        error=data.get("error"),
        video_size=(int(size[0]), int(size[1])) if size else None,
    )


def _idle(status: DisplayStatus) -> DisplayStatus:
    """What a stopped player reports (as ``VlcDisplay.stop`` leaves it)."""
    return DisplayStatus(
        status.device_id, PlayerState.IDLE, ContentKind.NONE, None, None, status.screen
    )


# -- in the child -------------------------------------------------------------------------


class _Player:
    """In the child: the display's ``VlcDisplay``, opened on the first show."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.device_id = str(config["device_id"])
        self.xdisplay = str(config["xdisplay"])
        self.output = config.get("output")
        self.room_name = str(config.get("room_name") or "")
        self.vlc: VlcDisplay | None = None
        self.opening = False

    async def run(self, request: dict[str, Any]) -> dict[str, object]:
        op = request.get("op")
        if op == "show":
            vlc = await self._open()
            what = request.get("what")
            if what == "pattern":
                await vlc.show_pattern(request.get("pattern") or "bars", room_name=self.room_name)
            elif what == "slate":
                await vlc.show_slate(self.room_name)
            else:
                await vlc.play_url(str(request.get("url") or ""))
            return {}
        if op == "probe":
            if self.vlc is not None:
                await self.vlc.probe()
            return {}
        if op == "verify":
            return await self._verify(request)
        raise ValueError(f"unknown display operation {op!r}")

    def status(self) -> dict[str, object] | None:
        return None if self.vlc is None else _status_json(self.vlc.state())

    async def close(self) -> None:
        if self.vlc is not None:
            await self.vlc.close()

    async def _open(self) -> VlcDisplay:
        if self.vlc is None:
            from drivers.display.display import VlcDisplay

            vlc = VlcDisplay(
                self.device_id,
                xdisplay=self.xdisplay,
                output=self.output,
                room_name=self.room_name,
            )
            self.opening = True
            await vlc.open()
            self.opening = False
            self.vlc = vlc
        return self.vlc

    async def _verify(self, request: dict[str, Any]) -> dict[str, object]:
        shot, check = await self._screenshot_until(
            str(request["kind"]), int(request["tolerance"]), float(request["timeout_s"])
        )
        path = Path(request["evidence"])
        save = functools.partial(shot.save, path, format="JPEG", quality=EVIDENCE_JPEG_QUALITY)
        await asyncio.to_thread(save)  # an OSError (a full disk) names the file
        return {
            "ok": check.ok,
            "patches": len(check.patches),
            "mismatches": [p.name for p in check.mismatches],
            "empty_text_boxes": list(check.empty_text_boxes),
            "width": shot.width,
            "height": shot.height,
        }

    async def _screenshot_until(
        self, kind: str, tolerance: int, timeout_s: float
    ) -> tuple[Image.Image, PatternCheck]:
        """Screenshot the output until it shows ``kind`` or the time is up; the last one."""
        from drivers.display import check_pattern, list_outputs, screenshot, select_output
        from drivers.display.xwindow import screen_of, server_of

        outputs = await asyncio.to_thread(list_outputs, self.xdisplay, device_id=self.device_id)
        output = select_output(
            outputs, self.output, default_screen=screen_of(self.xdisplay), device_id=self.device_id
        )
        target = f"{server_of(self.xdisplay)}.{output.screen}"
        deadline = time.monotonic() + timeout_s
        while True:
            shot = await asyncio.to_thread(
                screenshot, target, output.geometry, device_id=self.device_id
            )
            check = check_pattern(shot, kind, tolerance=tolerance)
            # Colours and text come in one PNG: once the colours are right, the text is final.
            if not check.mismatches or time.monotonic() >= deadline:
                return shot, check
            await asyncio.sleep(VERIFY_POLL_S)


async def _serve(config: dict[str, Any]) -> None:
    """In the child: answer each request line on stdin until it closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout.buffer
    player = _Player(config)
    try:
        while line := await reader.readline():
            header: dict[str, object]
            try:
                header = {"result": await player.run(json.loads(line))}
            except REPORTED as exc:
                header = {"error": error_json(exc), "open_failed": player.opening}
            player.opening = False
            header["status"] = player.status()
            out.write(json.dumps(header).encode() + b"\n")
            out.flush()
    finally:
        await player.close()


def main(argv: Sequence[str]) -> int:
    """``python -m appliance.agent.display '{"device_id": …, "xdisplay": …, …}'``."""
    return run_child(_serve, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
