"""A tiny sd_notify(3) client: READY=1, STATUS=…, WATCHDOG=1, STOPPING=1 (no dependency).

systemd (``Type=notify``) passes ``$NOTIFY_SOCKET``: a datagram socket, either a path or
an abstract name written ``@name``. Each message is one datagram of ``KEY=value`` lines.
With ``NotifyAccess=main`` systemd accepts it only from the main PID, which it learns
from the SCM_CREDENTIALS the kernel attaches (PLATFORM.md Infra 3).

The watchdog: systemd sets ``$WATCHDOG_USEC`` (from ``WatchdogSec=``) and
``$WATCHDOG_PID``; sd_watchdog_enabled(3) asks for a ping at half that interval. The
ping runs as an asyncio task, so a blocked event loop stops the pings and systemd
restarts the agent — which is the point.

TEST HOOK (only for proving the watchdog under a real systemd, tests/systemd/): when
``$APPLIANCE_TEST_WATCHDOG_HOLD_FILE`` names a file and that file exists, the pings of
:func:`start_watchdog` are withheld — a hung agent on demand, without hanging it. It is
never set in a shipped unit or config; a test sets it in a unit drop-in, then creates the
file to make systemd's watchdog fire. A warning is logged while pings are held.

Without ``$NOTIFY_SOCKET`` (run by hand, in tests, in the demo) everything is a no-op.
A failing send is logged once and never raises: the notify socket is advisory.

    from appliance.agent import sdnotify
    sdnotify.ready("room R01: API on 127.0.0.1:8080")
    task = sdnotify.start_watchdog()      # None when systemd did not ask for one
    ...
    sdnotify.stopping()
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

NOTIFY_SOCKET_ENV: Final = "NOTIFY_SOCKET"
WATCHDOG_USEC_ENV: Final = "WATCHDOG_USEC"
WATCHDOG_PID_ENV: Final = "WATCHDOG_PID"
# Test hook (module docstring): pings are withheld while the named file exists.
TEST_HOLD_FILE_ENV: Final = "APPLIANCE_TEST_WATCHDOG_HOLD_FILE"
WATCHDOG_FRACTION: Final = 0.5  # sd_watchdog_enabled(3): ping at half of WATCHDOG_USEC
MAX_STATUS_CHARS: Final = 400  # one short line in `systemctl status`, well under a datagram


class SdNotifier:
    """Sends notifications to one notify socket; see the module docstring."""

    def __init__(self, address: str | None, *, watchdog_interval_s: float | None = None) -> None:
        self._address = _socket_address(address)
        self.watchdog_interval_s = watchdog_interval_s if self._address else None
        self._sock: socket.socket | None = None
        self._warned = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SdNotifier:
        """Read ``NOTIFY_SOCKET``, ``WATCHDOG_USEC`` and ``WATCHDOG_PID``."""
        env = os.environ if environ is None else environ
        return cls(env.get(NOTIFY_SOCKET_ENV), watchdog_interval_s=_watchdog_interval(env))

    @property
    def enabled(self) -> bool:
        """True when there is a notify socket to talk to."""
        return self._address is not None

    # -- messages ----------------------------------------------------------------------

    def notify(self, *assignments: str) -> bool:
        """Send ``KEY=value`` lines as one datagram; True if it was sent."""
        if self._address is None:
            return False
        payload = "\n".join(assignments).encode("utf-8", errors="replace")
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                # Never block the event loop: a full receive queue drops this message.
                self._sock.setblocking(False)
            self._sock.sendto(payload, self._address)
        except OSError as exc:
            level = logging.DEBUG if self._warned else logging.WARNING
            self._warned = True
            log.log(level, "sd_notify to %s failed: %s", self._printable_address, exc)
            return False
        return True

    def ready(self, status: str | None = None) -> bool:
        """Startup finished (systemd moves the unit to active)."""
        return self.notify("READY=1", *_status_line(status))

    def status(self, text: str) -> bool:
        """Free-form one-line status shown by ``systemctl status``."""
        return self.notify(*_status_line(text))

    def stopping(self, status: str | None = None) -> bool:
        """Shutdown began."""
        return self.notify("STOPPING=1", *_status_line(status))

    def reloading(self) -> bool:
        """Configuration reload began (send :meth:`ready` when done)."""
        usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        return self.notify("RELOADING=1", f"MONOTONIC_USEC={usec}")

    def watchdog(self) -> bool:
        """One keep-alive ping."""
        return self.notify("WATCHDOG=1")

    def extend_timeout(self, seconds: float) -> bool:
        """Ask for more time for the current start/stop step."""
        return self.notify(f"EXTEND_TIMEOUT_USEC={max(0, int(seconds * 1_000_000))}")

    # -- watchdog ----------------------------------------------------------------------

    def start_watchdog(self, check: Callable[[], bool] | None = None) -> asyncio.Task[None] | None:
        """Ping every ``watchdog_interval_s`` in a task; None when no watchdog is wanted.

        ``check`` (optional) is asked before each ping; while it returns False (or
        raises) no ping is sent, so systemd restarts a service that is alive but stuck.
        Cancel the task to stop.
        """
        interval = self.watchdog_interval_s
        if interval is None:
            return None
        return asyncio.get_running_loop().create_task(
            self._watchdog_loop(interval, check), name="sd-watchdog"
        )

    async def _watchdog_loop(self, interval: float, check: Callable[[], bool] | None) -> None:
        log.debug("watchdog: ping every %.3f s", interval)
        while True:
            healthy = True
            if check is not None:
                try:
                    healthy = bool(check())
                except Exception:
                    log.exception("watchdog health check failed")
                    healthy = False
            if healthy:
                self.watchdog()
            else:
                log.warning("watchdog: unhealthy, ping withheld")
            await asyncio.sleep(interval)

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    @property
    def _printable_address(self) -> str:
        addr = self._address or ""
        return "@" + addr[1:] if addr.startswith("\0") else addr


# -- module-level conveniences: a fresh notifier from the environment each call ---------


def ready(status: str | None = None) -> bool:
    """READY=1 (and STATUS) to ``$NOTIFY_SOCKET``; no-op without it."""
    return _once(lambda n: n.ready(status))


def status(text: str) -> bool:
    """STATUS=… to ``$NOTIFY_SOCKET``; no-op without it."""
    return _once(lambda n: n.status(text))


def stopping(status: str | None = None) -> bool:
    """STOPPING=1 to ``$NOTIFY_SOCKET``; no-op without it."""
    return _once(lambda n: n.stopping(status))


def watchdog() -> bool:
    """One WATCHDOG=1 ping; no-op without ``$NOTIFY_SOCKET``."""
    return _once(lambda n: n.watchdog())


def start_watchdog(check: Callable[[], bool] | None = None) -> asyncio.Task[None] | None:
    """The watchdog task for ``$WATCHDOG_USEC`` (None when not asked for); cancel to stop."""
    notifier = SdNotifier.from_env()
    hold_file = os.environ.get(TEST_HOLD_FILE_ENV)
    if hold_file and notifier.watchdog_interval_s is not None:
        check = _held_by_file(Path(hold_file), check)
    task = notifier.start_watchdog(check)
    if task is None:
        notifier.close()
    else:
        task.add_done_callback(lambda _: notifier.close())
    return task


def _held_by_file(path: Path, check: Callable[[], bool] | None) -> Callable[[], bool]:
    """The test hook: unhealthy while ``path`` exists, else ``check`` (or healthy)."""
    log.warning("%s is set: watchdog pings stop while %s exists", TEST_HOLD_FILE_ENV, path)

    def held() -> bool:
        healthy = True if check is None else check()
        return healthy and not path.exists()

    return held


def _once(send: Callable[[SdNotifier], bool]) -> bool:
    notifier = SdNotifier.from_env()
    try:
        return send(notifier)
    finally:
        notifier.close()


def _socket_address(value: str | None) -> str | None:
    if not value:
        return None
    if value.startswith("@"):
        return "\0" + value[1:]  # abstract namespace (unix(7))
    if value.startswith("/"):
        return value
    # systemd ≥ 253 may pass vsock:CID:PORT (VMs); not used on a room PC.
    log.warning("NOTIFY_SOCKET=%r is not a path or @name; notifications disabled", value)
    return None


def _watchdog_interval(env: Mapping[str, str]) -> float | None:
    raw = env.get(WATCHDOG_USEC_ENV)
    if not raw:
        return None
    pid = env.get(WATCHDOG_PID_ENV)
    if pid and pid.strip() != str(os.getpid()):
        return None  # meant for another process (sd_watchdog_enabled(3))
    try:
        usec = int(raw)
    except ValueError:
        log.warning("%s=%r is not a number; watchdog disabled", WATCHDOG_USEC_ENV, raw)
        return None
    if usec <= 0:
        return None
    return usec / 1_000_000 * WATCHDOG_FRACTION


def _status_line(text: str | None) -> list[str]:
    if text is None:
        return []
    line = " ".join(text.split())  # one line: systemd reads up to the newline
    return [f"STATUS={line[:MAX_STATUS_CHARS]}"]
