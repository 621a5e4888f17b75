"""Audio handles of the service: the configured microphones and speakers.

    AudioDevices / AudioEndpoint   found by a substring of the sound-device name; level
                                   reading and live level stream (microphones)

PortAudio never enters the agent process (DESIGN.md §7: RSS ≤ 80 MB at all times):
numpy + sounddevice cost ~39 MB once loaded (PLATFORM.md Media 5; measured 12 MB numpy,
24 MB PortAudio with its ALSA/PulseAudio plugins, of which Pa_Terminate gives back only
11 MB, libpulse being linked NODELETE), and one level reading took the agent from 64 to
87 MB for good (issue 7 item 11). So every audio operation runs in a short-lived child
process, ``python -m appliance.agent.audio OP JSON`` (~0.3 s of CPU to start), that
finds the device by its configured name itself and prints JSON:

    (a JSON list)  the device look-up at start and after a sound hotplug event
    level          one reading                      → the LevelReading's fields
    stream         live readings, one line each, until the agent kills it
    loopback       the speaker → microphone test    → the LoopbackResult's fields

A driver error in the child comes back as ``{"error": {"kind", "message"}}`` and is
raised here as the same kind of ``DeviceError``. Only numpy (for the result types) is
imported here, on the first reading.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

from appliance.agent.errors import UnknownDeviceError
from appliance.agent.status import DeviceStatus, LatencyObserver, Scalar
from appliance.config import AudioDeviceConfig
from drivers.errors import (
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    NotSupportedError,
)
from drivers.supervision import DeviceState, cancel_and_wait

if TYPE_CHECKING:
    from drivers.audio.results import LevelReading, LoopbackResult

log = logging.getLogger(__name__)

AudioKind = Literal["microphone", "speaker"]
PROBE_TIMEOUT_S: Final = 15.0  # child start + numpy/PortAudio import + one device scan
# A measuring child gets this on top of the span it measures (start, scan, open).
CHILD_OVERHEAD_S: Final = 15.0
LOOPBACK_TIMEOUT_S: Final = 30.0  # tone + recording ~3 s; the check item's own limit is lower
# Live stream: the first reading (child start + device open), then one per interval.
STREAM_FIRST_S: Final = 15.0
STREAM_STALL_S: Final = 5.0
_CHILD_MODULE: Final = "appliance.agent.audio"
_ERRORS: Final[dict[str, type[DeviceError]]] = {
    "timeout": DeviceTimeoutError,
    "not_supported": NotSupportedError,
    "unavailable": DeviceUnavailableError,
}


class AudioEndpoint:
    """One configured microphone or speaker."""

    def __init__(
        self,
        config: AudioDeviceConfig,
        kind: AudioKind,
        observe: LatencyObserver,
        lookup: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.config = config
        self.id = config.id
        self.kind: AudioKind = kind
        self._observe = observe
        self._lookup = lookup  # the room's shared look-up (AudioDevices.lookup)
        self._probed_name: str | None = None  # what the child-process look-up found
        self._exclusive = asyncio.Lock()  # one level reading at a time per microphone
        self.state = DeviceState.DISCONNECTED
        self.last_error: str | None = None

    @property
    def device_name(self) -> str | None:
        return self._probed_name

    def status(self) -> DeviceStatus:
        details: dict[str, Scalar] = {"match": self.config.name, "device": self.device_name}
        return DeviceStatus(self.id, self.kind, self.state, self.last_error, details)

    async def resolve(self) -> None:
        """Find the sound device whose name contains the configured substring (a new
        child process sees devices plugged in since the last look-up). In a room, one
        look-up serves every endpoint asking at the same time (a check's items do)."""
        if self._lookup is not None:
            await self._lookup()
            return
        wanted = [{"id": self.id, "name": self.config.name, "input": self.kind == "microphone"}]
        try:
            found = await _run_probe(wanted, PROBE_TIMEOUT_S)
        except DeviceError as exc:
            found = {self.id: {"error": str(exc)}}
        answer = found.get(self.id, {})
        name = answer.get("name")
        self._found(name, None if name else answer.get("error", "no answer"))

    async def level(self, seconds: float) -> LevelReading:
        from drivers.audio.results import LevelReading

        self._microphone_only("level")
        start = time.perf_counter()
        try:
            async with self._exclusive:
                answer = await _child_answer(
                    "level",
                    {"name": self.config.name, "seconds": seconds},
                    seconds + CHILD_OVERHEAD_S,
                    self.id,
                    "level",
                )
            return LevelReading(**answer)
        finally:
            self._observe(self.id, "level", time.perf_counter() - start)

    async def level_stream(self, interval_s: float) -> AsyncGenerator[LevelReading, None]:
        """Live readings; the microphone stays open (in the child) while the caller iterates."""
        from drivers.audio.results import LevelReading

        self._microphone_only("level_stream")
        payload = {"name": self.config.name, "interval_s": interval_s}
        async with contextlib.aclosing(
            _child_lines("stream", payload, interval_s, self.id, "level_stream")
        ) as lines:
            async for answer in lines:
                yield LevelReading(**answer)

    async def loopback(self, microphone: AudioEndpoint) -> LoopbackResult:
        """Play a tone on this speaker, judge what ``microphone`` hears (in a child)."""
        from drivers.audio.results import (
            LoopbackIssue,
            LoopbackResult,
            LoopbackStatus,
            LoopbackTimings,
        )

        answer = await _child_answer(
            "loopback",
            {"output": self.config.name, "input": microphone.config.name},
            LOOPBACK_TIMEOUT_S,
            self.id,
            "loopback",
        )
        return LoopbackResult(
            **{
                **answer,
                "status": LoopbackStatus(answer["status"]),
                "issues": tuple(LoopbackIssue(i) for i in answer["issues"]),
                "timings": LoopbackTimings(**answer["timings"]),
            }
        )

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
            self._endpoints[cfg.id] = AudioEndpoint(cfg, "microphone", observe, self.lookup)
        for cfg in speakers:
            self._endpoints[cfg.id] = AudioEndpoint(cfg, "speaker", observe, self.lookup)
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

    async def lookup(self) -> None:
        """Look every endpoint up now, joining a look-up already running: one child
        process (numpy + PortAudio start-up) however many endpoints ask at once."""
        self.refresh_soon()
        task = self._refresh
        if task is not None:
            # Shielded: one waiter's cancel must not end the look-up the others wait on;
            # stop() ends it, bounded (PROBE_TIMEOUT_S).
            await asyncio.shield(task)

    async def stop(self) -> None:
        task, self._refresh = self._refresh, None
        if task is not None:
            # Bounded, and a cancel of our caller (the service's stop budget) is passed
            # on, not swallowed as the look-up's own (drivers/supervision.py).
            await cancel_and_wait(task, what="audio device look-up")

    async def _resolve_all(self, rescan: bool) -> None:
        await self._probe_in_child()  # a new process sees new devices: no rescan needed

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
    answer = await _run_child([json.dumps(wanted)], timeout_s, "audio", "find")
    return {
        str(k): {str(a): str(b) for a, b in v.items()}
        for k, v in answer.items()
        if isinstance(v, dict)
    }


async def _child_answer(
    op: str, payload: dict[str, object], timeout_s: float, device_id: str, operation: str
) -> dict[str, Any]:
    answer = await _run_child([op, json.dumps(payload)], timeout_s, device_id, operation)
    _raise_reported(answer, device_id, operation)
    return answer


async def _run_child(
    args: list[str], timeout_s: float, device_id: str, operation: str
) -> dict[str, Any]:
    """Run ``python -m appliance.agent.audio ARGS``; its one JSON object."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        _CHILD_MODULE,
        *args,
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
        what = "device look-up" if operation == "find" else f"audio {operation}"
        raise DeviceUnavailableError(
            device_id, f"{what} gave no answer within {timeout_s:.0f} s", operation=operation
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
        what = "device look-up" if operation == "find" else f"audio {operation}"
        raise DeviceUnavailableError(
            device_id,
            f"{what} failed (exit {proc.returncode}): {detail[0]}",
            operation=operation,
        ) from None
    if not isinstance(answer, dict):
        raise DeviceUnavailableError(device_id, "audio child answered garbage", operation=operation)
    return answer


async def _child_lines(
    op: str, payload: dict[str, object], interval_s: float, device_id: str, operation: str
) -> AsyncGenerator[dict[str, Any], None]:
    """A child printing one JSON object per line until it is killed (by its handle)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        _CHILD_MODULE,
        op,
        json.dumps(payload),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,  # errors come as JSON lines; no pipe to fill
    )
    stdout = proc.stdout
    if stdout is None:  # cannot happen with stdout=PIPE; keeps the type checker honest
        raise RuntimeError("audio child without a stdout pipe")
    wait_s = STREAM_FIRST_S
    try:
        while True:
            try:
                async with asyncio.timeout(wait_s + interval_s):
                    line = await stdout.readline()
            except TimeoutError:
                raise DeviceTimeoutError(
                    device_id,
                    f"no level reading within {wait_s + interval_s:.0f} s",
                    operation=operation,
                ) from None
            if not line:
                raise DeviceUnavailableError(
                    device_id,
                    "the audio stream ended (its child process exited)",
                    operation=operation,
                )
            answer = json.loads(line)
            _raise_reported(answer, device_id, operation)
            yield answer
            wait_s = STREAM_STALL_S
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await asyncio.shield(proc.wait())


def _raise_reported(answer: dict[str, Any], device_id: str, operation: str) -> None:
    error = answer.get("error")
    if isinstance(error, dict):
        cls = _ERRORS.get(str(error.get("kind")), DeviceUnavailableError)
        raise cls(device_id, str(error.get("message", "audio error")), operation=operation)


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


def _error_json(exc: DeviceError) -> dict[str, object]:
    kind = next((k for k, cls in _ERRORS.items() if isinstance(exc, cls)), "unavailable")
    return {"error": {"kind": kind, "message": exc.detail}}


def _child_op(op: str, payload: dict[str, Any]) -> dict[str, object]:
    """In the child: one measuring operation (this loads numpy and PortAudio here)."""
    import dataclasses

    from drivers.audio.devices import DeviceKind, find_device_sync
    from drivers.audio.levels import LevelMeter, measure_level
    from drivers.audio.loopback import loopback_test

    try:
        if op == "level":
            device = find_device_sync(str(payload["name"]), DeviceKind.INPUT)
            return dataclasses.asdict(asyncio.run(measure_level(device, float(payload["seconds"]))))
        if op == "loopback":
            out = find_device_sync(str(payload["output"]), DeviceKind.OUTPUT)
            mic = find_device_sync(str(payload["input"]), DeviceKind.INPUT)
            return dataclasses.asdict(asyncio.run(loopback_test(out, mic)))
        if op == "stream":
            device = find_device_sync(str(payload["name"]), DeviceKind.INPUT)

            async def stream() -> None:
                async with LevelMeter(device) as meter:
                    async for reading in meter.readings(float(payload["interval_s"])):
                        sys.stdout.write(json.dumps(dataclasses.asdict(reading)) + "\n")
                        sys.stdout.flush()

            asyncio.run(stream())
            return {"error": {"kind": "unavailable", "message": "the level stream ended"}}
    except DeviceError as exc:
        return _error_json(exc)
    except ValueError as exc:  # a span the meter refuses
        return {"error": {"kind": "not_supported", "message": str(exc)}}
    raise ValueError(f"unknown audio child operation {op!r}")


def main(argv: Sequence[str]) -> int:
    """``python -m appliance.agent.audio '[{"id": …, "name": …, "input": true}, …]'`` (the
    look-up) or ``python -m appliance.agent.audio level|stream|loopback '{…}'``."""
    answer: Mapping[str, object]
    if len(argv) == 2:
        answer = _child_op(argv[0], json.loads(argv[1]))
    else:
        answer = _probe(list(json.loads(argv[0]) if argv else []))
    with contextlib.suppress(BrokenPipeError):  # the agent stopped listening (a stream)
        sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
