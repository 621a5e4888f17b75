"""Audio handles of the service: the configured microphones and speakers.

    AudioDevices / AudioEndpoint   found by a substring of the sound-device name; level
                                   reading and live level stream (microphones)

PortAudio stays out of the agent process until an audio operation or an audio check
needs it (DESIGN.md §7 idle RSS ≤ 80 MB): numpy + sounddevice cost ~39 MB once loaded
(PLATFORM.md Media 5; measured 12 MB numpy, 24 MB PortAudio with its ALSA/PulseAudio
plugins, of which Pa_Terminate gives back only 11 MB). So the device look-up at start
and after a sound hotplug event runs in a short-lived child process
(``python -m appliance.agent.audio``, ~0.3 s of CPU) that prints what it found as JSON;
the endpoint shows ``ready`` with the device name it saw. The first real operation
(a level reading, the live stream, a check's ``resolve()``) looks the device up again
in this process — from then on PortAudio is loaded anyway and look-ups stay here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING, Final, Literal

from appliance.agent.errors import UnknownDeviceError
from appliance.agent.status import DeviceStatus, LatencyObserver, Scalar
from appliance.config import AudioDeviceConfig
from drivers.errors import DeviceError, DeviceUnavailableError, NotSupportedError
from drivers.supervision import DeviceState, cancel_and_wait

if TYPE_CHECKING:
    from drivers.audio.devices import AudioDevice
    from drivers.audio.signals import LevelReading

log = logging.getLogger(__name__)

AudioKind = Literal["microphone", "speaker"]
PROBE_TIMEOUT_S: Final = 15.0  # child start + numpy/PortAudio import + one device scan
_PROBE_MODULE: Final = "appliance.agent.audio"


def portaudio_loaded() -> bool:
    """True once this process has imported sounddevice (PortAudio is then initialised)."""
    return "sounddevice" in sys.modules


class AudioEndpoint:
    """One configured microphone or speaker."""

    def __init__(
        self, config: AudioDeviceConfig, kind: AudioKind, observe: LatencyObserver
    ) -> None:
        self.config = config
        self.id = config.id
        self.kind: AudioKind = kind
        self._observe = observe
        self._device: AudioDevice | None = None
        self._probed_name: str | None = None  # what the child-process look-up found
        self._exclusive = asyncio.Lock()  # one level reading at a time per microphone
        self.state = DeviceState.DISCONNECTED
        self.last_error: str | None = None

    @property
    def device_name(self) -> str | None:
        return self._device.name if self._device is not None else self._probed_name

    def status(self) -> DeviceStatus:
        details: dict[str, Scalar] = {"match": self.config.name, "device": self.device_name}
        return DeviceStatus(self.id, self.kind, self.state, self.last_error, details)

    async def resolve(self) -> None:
        """Find the sound device whose name contains the configured substring (in this
        process: loads PortAudio)."""
        from drivers.audio.devices import DeviceKind, find_device

        kind = DeviceKind.INPUT if self.kind == "microphone" else DeviceKind.OUTPUT
        try:
            self._device = await find_device(self.config.name, kind)
        except DeviceError as exc:
            self._device = None
            self._found(None, str(exc))
            return
        self._found(self._device.name, None)

    def device(self, operation: str) -> AudioDevice:
        """The device found in this process (after :meth:`resolve` or an operation)."""
        if self._device is None:
            raise DeviceUnavailableError(
                self.id,
                self.last_error or f"no sound device matching {self.config.name!r}",
                operation=operation,
            )
        return self._device

    async def level(self, seconds: float) -> LevelReading:
        from drivers.audio.levels import LevelMeter

        self._microphone_only("level")
        start = time.perf_counter()
        try:
            device = await self._device_here("level")
            async with self._exclusive, LevelMeter(device) as meter:
                return await meter.read(seconds)
        finally:
            self._observe(self.id, "level", time.perf_counter() - start)

    async def level_stream(self, interval_s: float) -> AsyncGenerator[LevelReading, None]:
        """Live readings; the microphone stays open while the caller iterates."""
        from drivers.audio.levels import LevelMeter

        self._microphone_only("level_stream")
        async with LevelMeter(await self._device_here("level_stream")) as meter:
            async for reading in meter.readings(interval_s):
                yield reading

    # -- internals ----------------------------------------------------------------------

    def _found(self, name: str | None, error: str | None) -> None:
        """Record a look-up's outcome (from this process or the probe)."""
        self._probed_name = name
        if name is None:
            self.state = DeviceState.DISCONNECTED
            if self.last_error != error:
                log.warning("%s: %s", self.id, error)
            self.last_error = error
            return
        self.state = DeviceState.READY
        self.last_error = None

    async def _device_here(self, operation: str) -> AudioDevice:
        """The device for an operation; looked up in this process on first use."""
        if self._device is None:
            await self.resolve()
        return self.device(operation)

    def _microphone_only(self, operation: str) -> None:
        if self.kind != "microphone":
            raise NotSupportedError(
                self.id, "levels are measured on microphones", operation=operation
            )


class AudioDevices:
    """Every configured microphone and speaker."""

    def __init__(
        self,
        microphones: Sequence[AudioDeviceConfig],
        speakers: Sequence[AudioDeviceConfig],
        observe: LatencyObserver,
        *,
        probe_timeout_s: float = PROBE_TIMEOUT_S,
    ) -> None:
        self._endpoints: dict[str, AudioEndpoint] = {}
        for cfg in microphones:
            self._endpoints[cfg.id] = AudioEndpoint(cfg, "microphone", observe)
        for cfg in speakers:
            self._endpoints[cfg.id] = AudioEndpoint(cfg, "speaker", observe)
        self.probe_timeout_s = probe_timeout_s
        self._refresh: asyncio.Task[None] | None = None

    def endpoints(self) -> list[AudioEndpoint]:
        return list(self._endpoints.values())

    def endpoint(self, device_id: str) -> AudioEndpoint:
        try:
            return self._endpoints[device_id]
        except KeyError:
            raise UnknownDeviceError(
                device_id, "no such microphone or speaker in this room"
            ) from None

    @property
    def microphones(self) -> list[AudioEndpoint]:
        return [e for e in self._endpoints.values() if e.kind == "microphone"]

    @property
    def speakers(self) -> list[AudioEndpoint]:
        return [e for e in self._endpoints.values() if e.kind == "speaker"]

    def statuses(self) -> list[DeviceStatus]:
        return [e.status() for e in self._endpoints.values()]

    async def start(self) -> None:
        if self._endpoints:
            self.refresh_soon(rescan=False)

    def refresh_soon(self, *, rescan: bool = True) -> None:
        """Look the devices up again (hotplug saw a sound device come or go)."""
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.create_task(self._resolve_all(rescan), name="audio-resolve")

    async def stop(self) -> None:
        task, self._refresh = self._refresh, None
        if task is not None:
            # Bounded, and a cancel of our caller (the service's stop budget) is passed
            # on, not swallowed as the look-up's own (drivers/supervision.py).
            await cancel_and_wait(task, what="audio device look-up")

    async def _resolve_all(self, rescan: bool) -> None:
        if not portaudio_loaded():
            await self._probe_in_child()  # a new process sees new devices: no rescan
            return
        from drivers.audio.devices import rescan_devices

        if rescan:
            try:
                await rescan_devices()
            except DeviceError as exc:
                log.warning("audio rescan failed: %s", exc)
        for endpoint in self._endpoints.values():
            await endpoint.resolve()

    async def _probe_in_child(self) -> None:
        wanted = [
            {"id": e.id, "name": e.config.name, "input": e.kind == "microphone"}
            for e in self._endpoints.values()
        ]
        try:
            found = await _run_probe(wanted, self.probe_timeout_s)
        except DeviceError as exc:
            found = {str(e["id"]): {"error": str(exc)} for e in wanted}
        for endpoint in self._endpoints.values():
            answer = found.get(endpoint.id, {})
            name = answer.get("name")
            endpoint._found(name, None if name else answer.get("error", "no answer"))


async def _run_probe(
    wanted: list[dict[str, object]], timeout_s: float
) -> dict[str, dict[str, str]]:
    """Run the device look-up in a child process; its JSON answer by endpoint id."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        _PROBE_MODULE,
        json.dumps(wanted),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel (gh-86296)
        async with asyncio.timeout(timeout_s):
            out, err = await proc.communicate()
    except TimeoutError:
        proc.kill()  # our own child, by its handle
        await proc.wait()
        raise DeviceUnavailableError(
            "audio", f"device look-up gave no answer within {timeout_s:.0f} s", operation="find"
        ) from None
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await asyncio.shield(proc.wait())
        raise
    try:
        answer = json.loads(out.decode("utf-8"))
    except ValueError:
        detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise DeviceUnavailableError(
            "audio",
            f"device look-up failed (exit {proc.returncode}): {detail[0]}",
            operation="find",
        ) from None
    if not isinstance(answer, dict):
        raise DeviceUnavailableError("audio", "device look-up answered garbage", operation="find")
    return {
        str(k): {str(a): str(b) for a, b in v.items()}
        for k, v in answer.items()
        if isinstance(v, dict)
    }


def _probe(wanted: list[dict[str, object]]) -> dict[str, dict[str, str]]:
    """In the child: find each wanted device by name (this loads PortAudio here)."""
    from drivers.audio.devices import DeviceKind, find_device_sync

    out: dict[str, dict[str, str]] = {}
    for item in wanted:
        kind = DeviceKind.INPUT if item.get("input") else DeviceKind.OUTPUT
        try:
            out[str(item["id"])] = {"name": find_device_sync(str(item["name"]), kind).name}
        except DeviceError as exc:
            out[str(item["id"])] = {"error": str(exc)}
    return out


def main(argv: Sequence[str]) -> int:
    """``python -m appliance.agent.audio '[{"id": …, "name": …, "input": true}, …]'``."""
    wanted = json.loads(argv[0]) if argv else []
    sys.stdout.write(json.dumps(_probe(list(wanted)), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
