"""The voice-follow camera: the delegate who speaks is on screen (issue 10).

    follow = install(service)            # when the config has [follow]; sets service.follow
    await follow.start() / stop()        # service.start()/stop() call these
    follow.set_enabled(False)            # off: the input is closed, cameras stay where they are
    await follow.pin("Đại biểu 3")       # operator lock: that seat (or "overview"); pin(None) frees
    follow.status()                      # dict for the API, the CLI and the live WebSocket

Signal part in ``drivers/audio`` (``multichannel.MultichannelInput`` → ``vad``), switch
policy in ``follow_policy.FollowPolicy``; this module wires them to the service's cameras
and publishes each switch on ``service.events`` (``follow.switch``: seat, camera, preset,
reaction time) for the hub link and the WebSocket.

Failures never move a camera and never stop the agent: a channel count the device cannot
give, an input that stops delivering (unplugged), or a recall the camera refuses is the
follow's ``last_error`` and one ``follow.error`` event; the input is retried with a capped
backoff, the camera stays where it is, everything else of the agent keeps working.

Two cameras: a seat may be seen by several (``also``); a switch prefers the camera that
is *not* on air, so the picture cuts to a camera already at rest (DESIGN.md §3).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from appliance.agent.errors import InvalidRequestError, UnknownDeviceError
from appliance.agent.follow_policy import OVERVIEW, Decision, FollowPolicy, PolicyParams
from appliance.config import FollowConfig, FollowShot
from drivers.errors import ApplianceError, DeviceError, DeviceUnavailableError
from drivers.supervision import cancel_and_wait

if TYPE_CHECKING:
    from appliance.agent.service import AgentService
    from drivers.audio.vad import VadFrame, VadParams

log = logging.getLogger(__name__)

RETRY_INITIAL_S: Final = 1.0  # input lost → try again after this, doubling …
RETRY_MAX_S: Final = 10.0  # … up to this
LEVEL_DECAY_DB_PER_S: Final = 20.0  # live meters fall back this fast (like a PPM)
STATS_WINDOW_S: Final = 10.0  # per-seat statistics kept for the readiness check
# A seat channel that is digital silence this long after the input opened: the device has
# fewer channels than configured (a PulseAudio device maps what it has and pads with
# silence) or the channel is dead — said once in last_error and a follow.error event.
SILENT_CHANNEL_S: Final = 2.0
SILENT_DB: Final = -119.0
# Every channel digital silence this long: the device is gone. PulseAudio moves a stream
# whose source disappeared to another input (measured: the 8 channels then read −240 dB),
# so an unplugged interface need not stop the audio — it silences it.
DEVICE_SILENT_S: Final = 1.0
STOP_TIMEOUT_S: Final = 2.0
OVERVIEW_NAME: Final = "overview"

STATE_OFF: Final = "off"
STATE_STARTING: Final = "starting"
STATE_FOLLOWING: Final = "following"
STATE_PINNED: Final = "pinned"
STATE_ERROR: Final = "error"


class FollowUnavailableError(UnknownDeviceError):
    """The room has no ``[follow]`` section: the API answers 404 (nothing to follow here;
    a 503 would say "try again later", which never helps)."""


@dataclass(frozen=True)
class SeatReading:
    """What one seat's microphone delivered over a stretch (readiness check)."""

    name: str
    channel: int
    frames: int
    level_dbfs: float  # loudest speech-band frame
    floor_dbfs: float  # quietest frame (the channel's noise floor)
    speech_fraction: float  # share of frames with voice activity on this channel


def follow_of(service: AgentService) -> VoiceFollow:
    """The room's voice follow; ``FollowUnavailableError`` (404) when it has none."""
    follow = service.follow
    if not isinstance(follow, VoiceFollow):
        raise FollowUnavailableError(
            "follow",
            "voice follow is not configured in this room ([follow] section)",
            operation="follow",
        )
    return follow


def install(service: AgentService) -> VoiceFollow | None:
    """Attach the voice follow to ``service`` when its config has a ``[follow]`` section."""
    if service.config.follow is None:
        return None
    follow = VoiceFollow(service, service.config.follow)
    service.follow = follow
    return follow


class VoiceFollow:
    """See the module docstring."""

    def __init__(
        self,
        service: AgentService,
        config: FollowConfig,
        *,
        retry_initial_s: float = RETRY_INITIAL_S,
        retry_max_s: float = RETRY_MAX_S,
    ) -> None:
        self.service = service
        self.config = config
        self.seat_names = [seat.name for seat in config.seats]
        self._channel_of = [seat.channel - 1 for seat in config.seats]
        self._retry_initial_s = retry_initial_s
        self._retry_max_s = retry_max_s
        self.enabled = config.enabled
        self.state = STATE_OFF
        self.pinned: str | None = None
        self.on_air: dict[str, Any] | None = None  # {"seat", "camera", "preset"}
        self.on_air_camera: str | None = None
        self.last_error: str | None = None
        self.last_switch: dict[str, Any] | None = None
        self.switches = 0
        self.errors = 0
        self.policy = FollowPolicy(
            len(config.seats),
            PolicyParams(
                min_speech_s=config.min_speech_s,
                hold_s=config.hold_s,
                takeover_s=config.takeover_s,
                min_move_interval_s=config.min_move_interval_s,
                overview_after_s=config.overview_after_s if config.overview else None,
            ),
        )
        self._levels = [-120.0] * len(config.seats)
        self._speaking = [False] * len(config.seats)
        self._level_t = 0.0
        self._stats: collections.deque[tuple[float, list[float], list[bool]]] = collections.deque()
        self._task: asyncio.Task[None] | None = None
        self._actuator: asyncio.Task[None] | None = None
        self._pending: tuple[Decision, int | None] | None = None
        self._wake = asyncio.Event()
        self._started = False
        self._input_ok = asyncio.Event()
        self._loudest: list[float] = []
        self._opened_at: float | None = None

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._actuator = asyncio.create_task(self._actuate_loop(), name="follow-actuator")
        if self.enabled:
            self._start_input()

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        tasks = [t for t in (self._task, self._actuator) if t is not None]
        self._task = self._actuator = None
        await cancel_and_wait(*tasks, timeout_s=STOP_TIMEOUT_S, what="voice follow")
        self.state = STATE_OFF

    # -- control -------------------------------------------------------------------------

    def set_enabled(self, enabled: bool) -> dict[str, Any]:
        """On/off; off closes the input and leaves the cameras where they are."""
        if enabled == self.enabled:
            return self.status()
        self.enabled = enabled
        if enabled and self._started:
            self._start_input()
        elif not enabled and self._task is not None:
            self._task.cancel()  # the loop's finally closes the input; state → off
            self._task = None
            self.state = STATE_OFF
        self._publish_state()
        return self.status()

    async def pin(self, target: str | None) -> dict[str, Any]:
        """Lock the camera on a seat (by name or channel number) or ``overview``; None frees it.

        The recall runs now and its error is raised (the caller gets 409/503); the lock
        stays set either way, so following does not move the camera meanwhile.
        """
        if target is None or not target.strip():
            self.pinned = None
            self.policy.reset(self.policy.on_air)
            if self.state == STATE_PINNED:
                self.state = STATE_FOLLOWING if self._task is not None else STATE_OFF
            self._publish_state()
            return self.status()
        index = self.seat_index(target)
        self.pinned = OVERVIEW_NAME if index == OVERVIEW else self.seat_names[index]
        self.state = STATE_PINNED
        self._publish_state()
        await self._switch(index, time.monotonic(), "pin")
        return self.status()

    def seat_index(self, ref: str) -> int:
        """A seat by name (case-insensitive) or channel number; ``overview``; else 422."""
        ref = ref.strip()
        if ref.casefold() == OVERVIEW_NAME:
            if not self.config.overview:
                raise InvalidRequestError(
                    "follow", "this room has no overview shot", operation="pin"
                )
            return OVERVIEW
        for i, seat in enumerate(self.config.seats):
            if seat.name.casefold() == ref.casefold() or (
                ref.isdigit() and int(ref) == seat.channel
            ):
                return i
        known = ", ".join(self.seat_names)
        raise UnknownDeviceError(ref, f"no such seat (seats: {known})", operation="follow_pin")

    # -- reading -------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        now = time.monotonic()
        decay = max(0.0, now - self._level_t) * LEVEL_DECAY_DB_PER_S
        return {
            "enabled": self.enabled,
            "state": self.state,
            "pinned": self.pinned,
            "on_air": self.on_air,
            "device": self.config.device,
            "channels": self.config.channels,
            "last_error": self.last_error,
            "last_switch": self.last_switch,
            "switches": self.switches,
            "errors": self.errors,
            "seats": [
                {
                    "name": seat.name,
                    "channel": seat.channel,
                    "camera": seat.camera,
                    "preset": seat.preset,
                    "level_dbfs": round(max(-120.0, self._levels[i] - decay), 1),
                    "speaking": self._speaking[i] and decay < 1.0,
                }
                for i, seat in enumerate(self.config.seats)
            ],
        }

    async def measure(self, seconds: float) -> list[SeatReading]:
        """Per-seat statistics over the next ``seconds`` (readiness check).

        Uses the running input when following; otherwise opens the device for the time
        (``DeviceError`` when it cannot: missing, too few channels, no audio).
        """
        if self._task is not None and not self._task.done() and self._input_ok.is_set():
            start = time.monotonic()
            await asyncio.sleep(seconds)
            frames = [f for f in self._stats if f[0] >= start]
            if frames:
                return self._readings(frames)
            raise DeviceError(
                self.config.device, "the follow input delivered no audio", operation="measure"
            )
        from drivers.audio.multichannel import MultichannelInput
        from drivers.audio.vad import VoiceActivityDetector

        vad = VoiceActivityDetector(
            self.config.channels, self.config.samplerate, self._vad_params()
        )
        collected: list[tuple[float, list[float], list[bool]]] = []
        async with MultichannelInput(
            self.config.device, channels=self.config.channels, samplerate=self.config.samplerate
        ) as mics:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                block = await mics.read()
                for frame in vad.feed(block.samples, block.t_end):
                    collected.append(self._seat_values(frame))
        return self._readings(collected)

    # -- internals -----------------------------------------------------------------------

    def _vad_params(self) -> VadParams:
        from drivers.audio.vad import VadParams

        return VadParams(
            lead_db=self.config.hysteresis_db,
            voicing=self.config.voicing,
            snr_db=self.config.snr_db,
        )

    def _start_input(self) -> None:
        if self._task is None or self._task.done():
            self.state = STATE_PINNED if self.pinned else STATE_STARTING
            self._task = asyncio.create_task(self._input_loop(), name="follow-input")

    async def _input_loop(self) -> None:
        from drivers.audio.multichannel import MultichannelInput
        from drivers.audio.vad import VoiceActivityDetector

        delay = self._retry_initial_s
        try:
            while True:
                vad = VoiceActivityDetector(
                    self.config.channels, self.config.samplerate, self._vad_params()
                )
                self.policy.reset(self.policy.on_air)
                silent_since: float | None = None
                try:
                    async with MultichannelInput(
                        self.config.device,
                        channels=self.config.channels,
                        samplerate=self.config.samplerate,
                    ) as mics:
                        while True:
                            block = await mics.read()
                            if not self._input_ok.is_set():
                                self._input_ok.set()
                                self._recovered()
                                delay = self._retry_initial_s
                                self._loudest = [-120.0] * len(self.config.seats)
                                self._opened_at = block.t_end
                            for frame in vad.feed(block.samples, block.t_end):
                                self._on_frame(frame)
                                silent_since = self._device_silence(frame, silent_since)
                except DeviceError as exc:
                    self._input_ok.clear()
                    self._fail(f"{exc}")
                except Exception as exc:  # a bug must not end the follow, nor the agent
                    log.exception("voice follow: input loop failed")
                    self._input_ok.clear()
                    self._fail(f"internal error: {exc!r}")
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_max_s)
        finally:
            self._input_ok.clear()

    def _on_frame(self, frame: VadFrame) -> None:
        values = self._seat_values(frame)
        self._stats.append(values)
        while self._stats and self._stats[0][0] < frame.t - STATS_WINDOW_S:
            self._stats.popleft()
        self._levels, self._speaking, self._level_t = values[1], values[2], time.monotonic()
        self._watch_silent_channels(frame.t, values[1])
        dominant = None
        if frame.dominant is not None and frame.dominant in self._channel_of:
            dominant = self._channel_of.index(frame.dominant)
        if self.pinned is not None:
            return
        before = self.policy.on_air
        decision = self.policy.update(frame.t, dominant)
        if decision is not None:
            # Only the latest counts if a move is still running; ``before`` is what the
            # policy goes back to if the camera refuses.
            self._pending = (decision, before if self._pending is None else self._pending[1])
            self._wake.set()

    def _device_silence(self, frame: VadFrame, since: float | None) -> float | None:
        """Raise when every channel has been digital silence for DEVICE_SILENT_S."""
        if float(frame.energy_db.max()) > SILENT_DB:
            return None
        since = frame.t if since is None else since
        if frame.t - since >= DEVICE_SILENT_S:
            raise DeviceUnavailableError(
                self.config.device,
                f"all {self.config.channels} channels digitally silent for {DEVICE_SILENT_S:.0f} s: "
                "the device was disconnected (or the sound server moved its stream elsewhere)",
                operation="follow",
            )
        return since

    def _watch_silent_channels(self, t: float, levels: list[float]) -> None:
        if self._opened_at is None:
            return
        self._loudest = [max(a, b) for a, b in zip(self._loudest, levels, strict=True)]
        if t - self._opened_at < SILENT_CHANNEL_S:
            return
        self._opened_at = None  # once per opening of the input
        silent = [
            seat.channel
            for seat, loudest in zip(self.config.seats, self._loudest, strict=True)
            if loudest <= SILENT_DB
        ]
        if silent:
            channels = ", ".join(str(c) for c in silent)
            self._fail(
                f"{self.config.device}: channel(s) {channels} deliver digital silence for "
                f"{SILENT_CHANNEL_S:.0f} s — the device has fewer channels than follow.channels = "
                f"{self.config.channels}, or those microphones are dead",
                state_error=False,
            )

    def _seat_values(self, frame: VadFrame) -> tuple[float, list[float], list[bool]]:
        levels = [float(frame.energy_db[c]) for c in self._channel_of]
        speaking = [bool(frame.speech[c]) for c in self._channel_of]
        return frame.t, levels, speaking

    def _readings(self, frames: list[tuple[float, list[float], list[bool]]]) -> list[SeatReading]:
        out = []
        for i, seat in enumerate(self.config.seats):
            levels = [f[1][i] for f in frames]
            speech = sum(1 for f in frames if f[2][i])
            out.append(
                SeatReading(
                    name=seat.name,
                    channel=seat.channel,
                    frames=len(frames),
                    level_dbfs=round(max(levels), 1) if levels else -120.0,
                    floor_dbfs=round(min(levels), 1) if levels else -120.0,
                    speech_fraction=round(speech / len(frames), 3) if frames else 0.0,
                )
            )
        return out

    async def _actuate_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            pending, self._pending = self._pending, None
            if pending is None:
                continue
            decision, previous = pending
            if self.pinned is not None or not self.enabled:
                continue  # an operator's lock or off came in meanwhile
            ok = await self._switch(
                decision.target, decision.onset, decision.reason, raise_errors=False
            )
            if not ok:
                # The camera stays where it was; the policy must not believe otherwise.
                self.policy.on_air = previous

    async def _switch(
        self, target: int, onset: float, reason: str, *, raise_errors: bool = True
    ) -> bool:
        shots = self.config.overview if target == OVERVIEW else self.config.seats[target].shots
        shot = self.choose_shot(shots)
        seat = OVERVIEW_NAME if target == OVERVIEW else self.seat_names[target]
        camera = self.service.cameras.get(shot.camera)
        sent = time.monotonic()
        try:
            if camera is None:
                raise UnknownDeviceError(shot.camera, "camera not in this room", operation="follow")
            number, name, _seconds = await camera.preset_recall(str(shot.preset))
        except ApplianceError as exc:
            self._fail(f"{seat}: {exc}")
            if raise_errors:
                raise
            return False
        done = time.monotonic()
        self.policy.moved(target, done)
        self.on_air_camera = shot.camera
        self.on_air = {"seat": seat, "camera": shot.camera, "preset": name or number}
        self.switches += 1
        event = {
            "kind": "follow.switch",
            "room": self.service.config.room.id,
            "seat": seat,
            "camera": shot.camera,
            "preset": name or number,
            "preset_number": number,
            "reason": reason,
            # onset of the speech → the recall command went out / the camera arrived
            "reaction_s": round(sent - onset, 3) if reason != "pin" else None,
            "arrived_s": round(done - onset, 3) if reason != "pin" else None,
            "move_s": round(done - sent, 3),
        }
        self.last_switch = event
        if self.state == STATE_ERROR and self._input_ok.is_set():
            self.state = STATE_PINNED if self.pinned else STATE_FOLLOWING
        self.service.events.publish(event)
        return True

    def choose_shot(self, shots: list[FollowShot]) -> FollowShot:
        """Prefer a camera that is not on air: it moves while the other one is shown."""
        for shot in shots:
            if shot.camera != self.on_air_camera and shot.camera in self.service.cameras:
                return shot
        return shots[0]

    def _fail(self, message: str, *, state_error: bool = True) -> None:
        self.errors += 1
        first = message != self.last_error
        self.last_error = message
        if state_error:
            self.state = STATE_ERROR
        if first:
            log.warning("voice follow: %s", message)
            self.service.events.publish(
                {"kind": "follow.error", "room": self.service.config.room.id, "error": message}
            )

    def _recovered(self) -> None:
        if self.state in (STATE_ERROR, STATE_STARTING):
            self.state = STATE_PINNED if self.pinned else STATE_FOLLOWING
            self._publish_state()

    def _publish_state(self) -> None:
        with contextlib.suppress(Exception):
            self.service.events.publish(
                {
                    "kind": "follow.state",
                    "room": self.service.config.room.id,
                    "enabled": self.enabled,
                    "state": self.state,
                    "pinned": self.pinned,
                }
            )
