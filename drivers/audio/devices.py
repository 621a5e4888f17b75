"""Sound devices: list them, pick one by configured name, rescan, and claim one for a test.

Devices are chosen by a case-insensitive substring of their PortAudio name, never by index:
indices change with every scan and every reboot, names do not. On a PC whose microphone and
speakers belong to PulseAudio, PortAudio only shows ``pulse`` and ``default``; named ALSA
PCMs of ``type pulse`` with hints make each PulseAudio sink/source appear under its own name
(:func:`drivers.audio.simulator.alsa_pulse_config`; the simulator uses exactly that). Names of
USB devices contain ``(hw:N,M)``, whose card number can change: configure the product part
(``"Jabra SPEAK 510"``), not the card number.

A *claim* marks a device as in use by a loopback test: two tests on the same speaker would
hear each other's tones, so the second gets ``DeviceUnavailableError`` ("busy"). Level
meters do not claim (several readers on one microphone are fine).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from drivers.audio import _sd
from drivers.errors import DeviceUnavailableError

PACKAGES_HINT: Final = _sd.PACKAGES_HINT
PULSE_PROBE_TIMEOUT_S: Final = 0.2


class DeviceKind(enum.StrEnum):
    """Which direction a device is used in."""

    INPUT = "input"  # a microphone
    OUTPUT = "output"  # a speaker


@dataclass(frozen=True)
class AudioDevice:
    """A sound device as found at one scan (``generation``)."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    generation: int

    def supports(self, kind: DeviceKind) -> bool:
        if kind is DeviceKind.INPUT:
            return self.max_input_channels > 0
        return self.max_output_channels > 0


async def list_devices(kind: DeviceKind | None = None) -> list[AudioDevice]:
    """Every device of the current scan (optionally only inputs or outputs)."""
    return await asyncio.to_thread(list_devices_sync, kind)


def list_devices_sync(kind: DeviceKind | None = None) -> list[AudioDevice]:
    """Blocking form of :func:`list_devices` (the first call loads PortAudio, ~0.1 s)."""
    gen = _sd.generation()
    devices = [
        AudioDevice(
            index=d.index,
            name=d.name,
            hostapi=d.hostapi,
            max_input_channels=d.max_input_channels,
            max_output_channels=d.max_output_channels,
            default_samplerate=d.default_samplerate,
            generation=gen,
        )
        for d in _sd.query_devices()
    ]
    return [d for d in devices if kind is None or d.supports(kind)]


async def rescan_devices(wait_s: float = _sd.RESCAN_WAIT_S) -> list[AudioDevice]:
    """Scan again (after a hotplug event or a sound-server restart) and return the devices.

    Waits up to ``wait_s`` for open streams to close (a rescan would kill them) and raises
    ``DeviceTimeoutError`` if they stay open.
    """
    await asyncio.to_thread(_sd.reinitialize, wait_s)
    return await list_devices()


async def find_device(name: str, kind: DeviceKind) -> AudioDevice:
    """The one device whose name contains ``name`` (case-insensitive) and can do ``kind``."""
    return await asyncio.to_thread(find_device_sync, name, kind)


def find_device_sync(name: str, kind: DeviceKind) -> AudioDevice:
    """Blocking form of :func:`find_device`."""
    wanted = name.strip().casefold()
    if not wanted:
        raise DeviceUnavailableError(name, "empty device name", operation="find")
    everything = list_devices_sync()
    if not everything:
        raise DeviceUnavailableError(name, no_devices_message(), operation="find")
    usable = [d for d in everything if d.supports(kind)]
    matches = [d for d in usable if wanted in d.name.casefold()]
    exact = [d for d in matches if d.name.casefold() == wanted]
    if len(exact) == 1:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    role = "microphone (input)" if kind is DeviceKind.INPUT else "speaker (output)"
    if matches:
        raise DeviceUnavailableError(
            name,
            f"ambiguous: {len(matches)} {role} devices match: {_names(matches)}; "
            "configure a longer part of the name",
            operation="find",
        )
    message = f"no {role} device matches; {role} devices: {_names(usable) or 'none'}"
    others = [d for d in everything if d not in usable]
    if others:
        message += f"; other devices: {_names(others)}"
    raise DeviceUnavailableError(name, message, operation="find")


async def resolve(device: AudioDevice | str, kind: DeviceKind) -> AudioDevice:
    """A device by configured name, or the same device re-found by name after a rescan."""
    if isinstance(device, str):
        return await find_device(device, kind)
    if device.generation == _sd.generation():
        return device
    found = await find_device(device.name, kind)
    if found.name != device.name:
        raise DeviceUnavailableError(device.name, "device is gone after a rescan", operation="find")
    return found


def no_devices_message() -> str:
    """What to tell a technician when PortAudio sees no device at all."""
    return (
        "no sound devices at all: the sound server is not running or not reachable "
        f"({pulse_server_status()}); start PulseAudio (or the room's audio service), "
        f"and check that the Debian packages {PACKAGES_HINT} are installed"
    )


def pulse_server_status() -> str:
    """One line on where libpulse will look for PulseAudio and whether it answers there."""
    server = os.environ.get("PULSE_SERVER", "").strip()
    if server:
        path = server.split()[0]
        if "}" in path:  # "{machine-id}unix:/path" form
            path = path.split("}", 1)[1]
        if path.startswith("unix:"):
            path = path[5:]
        elif not path.startswith("/"):
            return f"PULSE_SERVER={server}"
    else:
        runtime = os.environ.get("PULSE_RUNTIME_PATH") or str(
            Path(os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}") / "pulse"
        )
        path = str(Path(runtime) / "native")
    return f"PulseAudio socket {path}: {_probe_unix(path)}"


# -- claims (busy) -----------------------------------------------------------------------

_claims: dict[tuple[DeviceKind, str], str] = {}


@contextlib.contextmanager
def claim(device: AudioDevice, kind: DeviceKind, purpose: str) -> Iterator[None]:
    """Mark ``device`` as used for ``purpose``; a second claim raises "busy" at once."""
    key = (kind, device.name)
    holder = _claims.get(key)
    if holder is not None:
        raise DeviceUnavailableError(
            device.name, f"device is busy ({holder} is running on it)", operation=purpose
        )
    _claims[key] = purpose
    try:
        yield
    finally:
        del _claims[key]


# -- internals ---------------------------------------------------------------------------


def _names(devices: list[AudioDevice]) -> str:
    return ", ".join(repr(d.name) for d in devices)


def _probe_unix(path: str) -> str:
    if not Path(path).exists():
        return "missing"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(PULSE_PROBE_TIMEOUT_S)
        try:
            sock.connect(path)
        except OSError as exc:
            return f"not answering ({exc.strerror or exc})"
    return "answering"
