"""Simulated room screens: Xvfb (a real X server in memory) with named outputs and faults.

For ``appliance agent --simulate``, ``make demo`` and the tests. The production code runs
unchanged against it: VLC draws into our window on the Xvfb screen, and
:meth:`DisplaySimulator.screenshot` reads back what is shown (Pillow, pixel-exact), so
the readiness check can verify the picture with :func:`~drivers.display.pattern.check_pattern`.

    sim = DisplaySimulator(monitors=[("HDMI-1", "1920x1080+0+0"), ("HDMI-2", "1920x1080+1920+0")])
    xdisplay = await sim.start()                     # Xvfb picks a free display number
    display = sim.make_display("main", output="HDMI-2", room_name="Phòng họp A")
    await display.show_pattern()
    check_pattern(sim.screenshot("HDMI-2"), "bars").ok   # True
    sim.set_fault(DisplayFault.BROKEN_MEDIA)         # next pattern PNG is truncated: VLC fails
    await sim.unplug()                               # the X server goes away ("no output")

Xvfb is stopped by its PID. Each process picks display numbers from a range of its own
(by its PID) and falls back to Xvfb's own choice (``-displayfd``), so parallel runs on one
machine do not clash — also when a screen comes back on its old number after an unplug,
which a parallel run's lowest-free pick used to take; ``-displayfd`` tells us when it is
ready. An
owner that dies without stopping it (SIGKILL, a crash) takes it along: ``setpriv
--pdeathsig``, as the PulseAudio room simulator does (drivers/audio/simulator.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import logging
import os
import select
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

from PIL import Image

from drivers.display.display import VlcDisplay
from drivers.display.pattern import PatternKind, write_pattern_png
from drivers.display.xwindow import (
    Geometry,
    define_monitor,
    list_outputs,
    screenshot,
    select_output,
)
from drivers.errors import DeviceTimeoutError, DeviceUnavailableError

log = logging.getLogger(__name__)

XVFB_COMMAND: Final = "Xvfb"
XVFB_PACKAGE: Final = "xvfb"
XVFB_START_TIMEOUT_S: Final = 10.0  # ready after 0.2-0.8 s here (PLATFORM.md Media 2a)
XVFB_STOP_TIMEOUT_S: Final = 5.0
# Display numbers this process picks from (_free_display): 200 ranges of 20 from :100.
DISPLAY_FIRST: Final = 100
DISPLAY_SLOTS: Final = 200
DISPLAY_WIDTH: Final = 20
SETPRIV_COMMAND: Final = "setpriv"  # util-linux (essential in Debian)
DEFAULT_SIZE: Final = (1920, 1080)


class Xvfb:
    """One Xvfb server; ``start()`` returns its display name (``:N``)."""

    def __init__(
        self,
        screens: Sequence[tuple[int, int]] = (DEFAULT_SIZE,),
        *,
        depth: int = 24,
        command: str = XVFB_COMMAND,
        start_timeout_s: float = XVFB_START_TIMEOUT_S,
        stop_timeout_s: float = XVFB_STOP_TIMEOUT_S,
    ) -> None:
        if not screens:
            raise ValueError("Xvfb needs at least one screen")
        self.screens = tuple(screens)
        self.depth = depth
        self.command = command
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._hold: socket.socket | None = None
        self.display: str | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, display_number: int | None = None) -> str:
        """Start Xvfb (on ``display_number``, or a free one it picks) and wait until ready."""
        if self.running:
            raise RuntimeError(f"Xvfb already running on {self.display}")
        exe = shutil.which(self.command)
        if exe is None:
            raise DeviceUnavailableError(
                "xvfb",
                f"{self.command} not found; install the Debian package {XVFB_PACKAGE}",
                operation="start",
            )
        self._release_hold()
        if display_number is None:
            display_number = _free_display()
        read_fd, write_fd = os.pipe()
        argv = [*_lifeline(), exe]
        argv += [f":{display_number}"] if display_number is not None else []
        argv += [
            "-displayfd",
            str(write_fd),
            "-nolisten",
            "tcp",
            "-noreset",
            "-br",
        ]  # -br: black root
        for number, (width, height) in enumerate(self.screens):
            argv += ["-screen", str(number), f"{width}x{height}x{self.depth}"]
        # Xvfb's stderr, kept for error messages; closed in stop().
        self._log = tempfile.TemporaryFile(prefix="xvfb-")  # noqa: SIM115
        try:
            self._proc = subprocess.Popen(  # noqa: S603 - argv built above, no shell
                argv, pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=self._log, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            os.close(read_fd)
            self._close_log()
            raise DeviceUnavailableError(
                "xvfb", f"cannot start {exe}: {exc}", operation="start"
            ) from exc
        finally:
            os.close(write_fd)
        try:
            number = self._read_display_number(read_fd)
        except BaseException:
            self.stop()
            raise
        finally:
            os.close(read_fd)
        self.display = f":{number}"
        log.debug("Xvfb pid %d on %s", self._proc.pid, self.display)
        return self.display

    def stop(self, *, keep_display: bool = False) -> None:
        """Terminate Xvfb by its PID and wait for it (kill if it does not stop).

        ``keep_display`` holds the display number for a later ``start(number)``:
        otherwise a parallel run's Xvfb (``-displayfd`` takes the lowest free number)
        would take it, and clients of the old screen would reach a stranger's server.
        """
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(self.stop_timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(self.stop_timeout_s)
        elif proc is not None:
            proc.wait()
        self._close_log()
        if keep_display and self.display is not None:
            self._hold_display(int(self.display[1:]))
        else:
            self._release_hold()

    def _hold_display(self, number: int) -> None:
        # Xvfb -displayfd skips a number whose abstract socket "@/tmp/.X11-unix/X<n>" is
        # bound (lock files are ignored in that mode); X clients get "connection refused".
        hold = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            hold.bind(f"\0/tmp/.X11-unix/X{number}")
        except OSError as exc:
            hold.close()
            log.debug("cannot hold display :%d: %s", number, exc)
            return
        self._hold = hold

    def _release_hold(self) -> None:
        if self._hold is not None:
            self._hold.close()
            self._hold = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _read_display_number(self, read_fd: int) -> int:
        assert self._proc is not None  # noqa: S101 - set by start()
        deadline = time.monotonic() + self.start_timeout_s
        data = b""
        while not data.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeviceTimeoutError(
                    "xvfb", f"Xvfb not ready within {self.start_timeout_s:g} s", operation="start"
                )
            ready, _, _ = select.select([read_fd], [], [], min(remaining, 0.1))
            if ready:
                chunk = os.read(read_fd, 32)
                if chunk:
                    data += chunk
                    continue
            if self._proc.poll() is not None:
                raise DeviceUnavailableError(
                    "xvfb",
                    f"Xvfb exited with {self._proc.returncode}: {self._log_tail()}",
                    operation="start",
                )
        return int(data.strip())

    def _log_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        lines = [
            line.strip()
            for line in self._log.read().decode("utf-8", "replace").splitlines()
            if line.strip()
        ]
        return " | ".join(lines[-3:]) or "(no output)"

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def _free_display() -> int | None:
    """A display number nobody uses, from this process's own range (None: let Xvfb pick).

    Xvfb's ``-displayfd`` takes the lowest free number, so every parallel Xvfb competes for
    the same few numbers; a screen restarted on its old number (``start(number)`` after
    an unplug) then lost it to another run's new server in the moment between our hold's
    release and its bind ("Cannot establish any listening sockets", seen in parallel
    ``make test``). A range per PID keeps the runs apart.
    """
    base = DISPLAY_FIRST + (os.getpid() % DISPLAY_SLOTS) * DISPLAY_WIDTH
    for number in range(base, base + DISPLAY_WIDTH):
        if Path(f"/tmp/.X{number}-lock").exists():  # noqa: S108 - X11's own lock path
            continue
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.bind(f"\0/tmp/.X11-unix/X{number}")
        except OSError:
            continue
        finally:
            probe.close()
        return number
    return None


def _lifeline() -> list[str]:
    """``setpriv --pdeathsig TERM --``: Xvfb gets SIGTERM (and exits, removing its lock
    and socket) when the thread that started it ends — with its process, or with the
    asyncio loop's executor for :class:`DisplaySimulator`. setpriv execs Xvfb, so the
    PID stays Xvfb's. Without setpriv Xvfb still runs, only without the lifeline."""
    setpriv = shutil.which(SETPRIV_COMMAND)
    if setpriv is None:
        log.warning("%s not found (util-linux): Xvfb may outlive its owner", SETPRIV_COMMAND)
        return []
    return [setpriv, "--pdeathsig", "TERM", "--"]


class DisplayFault(enum.StrEnum):
    """Faults the simulator can inject."""

    NONE = "none"
    BROKEN_MEDIA = "broken_media"  # the next pattern/slate PNG is truncated: VLC cannot show it
    NO_OUTPUT = "no_output"  # the X server is gone (see unplug())


class DisplaySimulator:
    """A virtual screen (Xvfb) with optional named outputs, screenshots and faults."""

    def __init__(
        self,
        *,
        size: tuple[int, int] = DEFAULT_SIZE,
        monitors: Sequence[tuple[str, str]] = (),
        extra_screens: Sequence[tuple[int, int]] = (),
        command: str = XVFB_COMMAND,
    ) -> None:
        self.monitors = [(name, Geometry.parse(spec)) for name, spec in monitors]
        if self.monitors:
            size = (
                max(g.x + g.width for _, g in self.monitors),
                max(g.y + g.height for _, g in self.monitors),
            )
        self.size = size
        self._xvfb = Xvfb((size, *extra_screens), command=command)
        self._number: int | None = None
        self.fault = DisplayFault.NONE

    @property
    def xdisplay(self) -> str:
        if self._xvfb.display is None:
            raise DeviceUnavailableError(
                "xvfb", "the display simulator is not started", operation="screenshot"
            )
        return self._xvfb.display

    @property
    def pid(self) -> int | None:
        return self._xvfb.pid

    async def start(self) -> str:
        """Start Xvfb and declare the named outputs; returns the X display name."""
        xdisplay = await asyncio.to_thread(self._xvfb.start, self._number)
        self._number = int(xdisplay[1:])
        for index, (name, geometry) in enumerate(self.monitors):
            await asyncio.to_thread(define_monitor, xdisplay, name, geometry, primary=index == 0)
        self.fault = DisplayFault.NONE
        return xdisplay

    async def stop(self) -> None:
        await asyncio.to_thread(self._xvfb.stop)

    async def unplug(self) -> None:
        """Fault: the screen goes away (the X server stops; players lose their output)."""
        await asyncio.to_thread(functools.partial(self._xvfb.stop, keep_display=True))
        self.fault = DisplayFault.NO_OUTPUT

    async def replug(self) -> str:
        """The screen comes back on the same display number."""
        return await self.start()

    def set_fault(self, fault: DisplayFault) -> None:
        """Inject a fault into the next renders (``BROKEN_MEDIA``) or clear it (``NONE``)."""
        if fault is DisplayFault.NO_OUTPUT:
            raise ValueError("use unplug() for NO_OUTPUT")
        self.fault = fault

    def make_display(self, device_id: str = "display", **kwargs: Any) -> VlcDisplay:
        """A production :class:`VlcDisplay` on this screen, rendering through the fault hook."""
        return VlcDisplay(device_id, xdisplay=self.xdisplay, renderer=self.render, **kwargs)

    def render(
        self, path: Path, kind: PatternKind | str, width: int, height: int,
        room_name: str, now: datetime, *, lang: str | None = None,
    ) -> Path:  # fmt: skip
        """The production renderer, or a truncated PNG when ``BROKEN_MEDIA`` is set."""
        write_pattern_png(path, kind, width, height, room_name, now, lang=lang)
        if self.fault is DisplayFault.BROKEN_MEDIA:
            data = path.read_bytes()
            path.write_bytes(data[: max(64, len(data) // 50)])
        return path

    def screenshot(self, output: str | None = None) -> Image.Image:
        """What the screen shows now, or only the output named by ``output``."""
        xdisplay = self.xdisplay
        if output is None:
            return screenshot(xdisplay)
        chosen = select_output(list_outputs(xdisplay), output)
        return screenshot(f"{xdisplay}.{chosen.screen}", chosen.geometry)

    async def __aenter__(self) -> DisplaySimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        with contextlib.suppress(DeviceUnavailableError):
            await self.stop()
