"""HDMI-CEC display power through ``cec-client`` (Debian ``cec-utils``, libCEC's own tool).

One ``cec-client -s -d 1 [port]`` run per command, the command on stdin (``on 0``,
``standby 0``, ``pow 0``): libCEC in a child process cannot crash or hang the agent
(PLATFORM.md Infra 6: the Python ``cec`` binding aborted the interpreter at exit), and the
timeout kills the child. One command at a time per adapter: the adapter opens once.

What ``cec-client`` prints (libCEC ``src/cec-client/cec-client.cpp``, ``-s`` mode):

- no adapter: ``autodetect FAILED``, exit 1 within 0.5 s → :attr:`CecPowerStatus.NOT_AVAILABLE`
- a port that cannot be opened: ``unable to open the device on port …``, exit 1 (after ~10 s
  of retries)
- otherwise ``opening a connection to the CEC adapter...``, then for ``pow N``
  ``power status: <on|standby|in transition from standby to on|in transition from on to
  standby|unknown>``; ``on``/``standby`` print nothing more. Log lines at ``-d 1`` look like
  ``ERROR:   [          1234]\tmessage``.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from drivers.errors import DeviceTimeoutError, DeviceUnavailableError, ProtocolError

log = logging.getLogger(__name__)

CEC_CLIENT: Final = "cec-client"
CEC_PACKAGE: Final = "cec-utils"
CEC_COMMAND_TIMEOUT_S: Final = 10.0  # open adapter (~1-2 s) + transmit + TV answer
CEC_KILL_TIMEOUT_S: Final = 2.0
CEC_LOG_LEVEL: Final = "1"  # errors only: the reply lines stay easy to find
TV_ADDRESS: Final = 0  # CEC logical address 0 is the TV

_NO_ADAPTER: Final = "autodetect FAILED"
_CANNOT_OPEN: Final = "unable to open the device"
_POWER_PREFIX: Final = "power status:"
_OPENING: Final = "opening a connection to the CEC adapter"


class CecPowerStatus(enum.StrEnum):
    """The display's power as CEC reports it, or that CEC cannot be asked."""

    ON = "on"
    STANDBY = "standby"
    TURNING_ON = "turning_on"
    TURNING_OFF = "turning_off"
    UNKNOWN = "unknown"  # the adapter is there but the TV did not answer
    NOT_AVAILABLE = "not_available"  # no CEC adapter on this PC


_POWER_WORDS: Final[dict[str, CecPowerStatus]] = {
    "on": CecPowerStatus.ON,
    "standby": CecPowerStatus.STANDBY,
    "in transition from standby to on": CecPowerStatus.TURNING_ON,
    "in transition from on to standby": CecPowerStatus.TURNING_OFF,
    "unknown": CecPowerStatus.UNKNOWN,
}


class CecAdapterMissingError(DeviceUnavailableError):
    """``cec-client`` found no adapter (or could not open the configured port)."""


def parse_power_status(lines: Sequence[str]) -> CecPowerStatus | None:
    """The status from a ``pow`` run's output; None when no ``power status:`` line."""
    for line in lines:
        text = line.strip()
        if text.lower().startswith(_POWER_PREFIX):
            word = text[len(_POWER_PREFIX) :].strip().lower()
            return _POWER_WORDS.get(word, CecPowerStatus.UNKNOWN)
    return None


class CecDisplay:
    """Power of one HDMI display over CEC (see the module docstring)."""

    def __init__(
        self,
        device_id: str = "display",
        *,
        logical_address: int = TV_ADDRESS,
        adapter_port: str | None = None,
        command: str = CEC_CLIENT,
        timeout_s: float = CEC_COMMAND_TIMEOUT_S,
        kill_timeout_s: float = CEC_KILL_TIMEOUT_S,
    ) -> None:
        if not 0 <= logical_address <= 14:
            raise ValueError(f"CEC logical address must be 0..14, not {logical_address}")
        self.device_id = device_id
        self.logical_address = logical_address
        self.adapter_port = adapter_port
        self.command = command
        self.timeout_s = timeout_s
        self.kill_timeout_s = kill_timeout_s
        self._lock = asyncio.Lock()

    async def power_on(self) -> None:
        """Wake the display (``on N``); raises when there is no adapter."""
        await self._run(f"on {self.logical_address:x}", "power_on")

    async def standby(self) -> None:
        """Put the display in standby (``standby N``); raises when there is no adapter."""
        await self._run(f"standby {self.logical_address:x}", "standby")

    async def power_status(self) -> CecPowerStatus:
        """Ask the display its power (``pow N``); ``NOT_AVAILABLE`` when there is no adapter."""
        try:
            lines = await self._run(f"pow {self.logical_address}", "power_status")
        except CecAdapterMissingError as exc:
            log.debug("%s: %s", self.device_id, exc)
            return CecPowerStatus.NOT_AVAILABLE
        status = parse_power_status(lines)
        if status is None:
            raise ProtocolError(
                self.device_id,
                f"cec-client printed no power status: {_tail(lines)}",
                operation="power_status",
            )
        return status

    async def _run(self, line: str, operation: str) -> list[str]:
        argv = self._argv(operation)
        async with self._lock:
            output, code = await self._exec(argv, line, operation)
        lines = output.splitlines()
        for text in lines:
            if text.startswith(("ERROR:", "WARNING:")):
                log.warning("%s: cec-client: %s", self.device_id, text.strip())
        if any(_NO_ADAPTER in text for text in lines):
            raise CecAdapterMissingError(
                self.device_id,
                "no HDMI-CEC adapter found (cec-client: autodetect FAILED)",
                operation=operation,
            )
        if any(_CANNOT_OPEN in text for text in lines):
            raise CecAdapterMissingError(
                self.device_id,
                f"cec-client could not open the adapter: {_tail(lines)}",
                operation=operation,
            )
        if code != 0:
            raise ProtocolError(
                self.device_id,
                f"cec-client exited with {code}: {_tail(lines)}",
                operation=operation,
            )
        if not any(_OPENING in text for text in lines):
            raise ProtocolError(
                self.device_id, f"unexpected cec-client output: {_tail(lines)}", operation=operation
            )
        return lines

    async def _exec(self, argv: list[str], line: str, operation: str) -> tuple[str, int]:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
        except OSError as exc:
            raise DeviceUnavailableError(
                self.device_id, f"cannot run {argv[0]}: {exc}", operation=operation
            ) from exc
        try:
            async with asyncio.timeout(self.timeout_s):  # not wait_for: see _support.in_thread
                out, _ = await proc.communicate(f"{line}\n".encode())
        except TimeoutError:
            raise DeviceTimeoutError(
                self.device_id,
                f"cec-client gave no answer to {line!r} within {self.timeout_s:g} s (killed)",
                operation=operation,
            ) from None
        finally:
            if proc.returncode is None:  # timed out or cancelled: never leave it running
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.kill_timeout_s):
                        await proc.wait()
        return out.decode("utf-8", "replace"), int(proc.returncode or 0)

    def _argv(self, operation: str) -> list[str]:
        argv = [self._executable(operation), "-s", "-d", CEC_LOG_LEVEL]
        if self.adapter_port:
            if not Path(self.adapter_port).exists():
                raise CecAdapterMissingError(
                    self.device_id,
                    f"CEC adapter port {self.adapter_port} does not exist",
                    operation=operation,
                )
            argv.append(self.adapter_port)
        return argv

    def _executable(self, operation: str) -> str:
        exe = shutil.which(self.command)
        if exe is None:
            raise DeviceUnavailableError(
                self.device_id,
                f"{self.command} not found; install the Debian package {CEC_PACKAGE}",
                operation=operation,
            )
        return exe


def _tail(lines: Sequence[str], count: int = 3) -> str:
    kept = [text.strip() for text in lines if text.strip()][-count:]
    return " | ".join(kept) if kept else "(no output)"
