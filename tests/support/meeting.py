"""A scripted meeting through the real sound server and the VISCA simulator, and its score.

Shared by ``tests/follow`` (a shortened meeting) and ``bench/follow.py`` (the full 10
minutes, crosstalk sweeps):

    async with MeetingRoom(audio, directory) as room:      # pty camera + agent service
        run = await room.run(script)                        # plays it in real time
    score = score_meeting(run)                              # from the SIMULATOR's positions

The figures come from :class:`PositionLog` — the simulated camera's own pan/tilt sampled
every ``SAMPLE_S`` — against the script's times (``Playback.t0`` + script seconds), never
from the follow's own log or events.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from appliance.agent import follow as follow_module
from appliance.agent.follow import VoiceFollow
from appliance.agent.service import AgentService
from appliance.config import AgentConfig, parse_config
from drivers.audio.meeting_sim import (
    MeetingAudioSimulator,
    MeetingRenderer,
    MeetingScript,
    Playback,
)
from drivers.supervision import DeviceState, cancel_and_wait
from drivers.visca.sim import CameraSimulator, PtySimulator

SAMPLE_S: Final = 0.01
POSE_TOLERANCE_DEG: Final = 0.3
MODEL: Final = "brc-x400"  # 300°/s preset recalls (VISCA.md §2.6)
SEAT_SPACING_DEG: Final = 8.0  # eight delegates along one side of a table, 3 m from the camera
SEAT_TILT_DEG: Final = -4.0
OVERVIEW_POSE: Final = (0.0, 5.0)
ON_TIME_S: Final = 1.0  # issue 10: at the right preset within 1 s of speech onset
READY_TIMEOUT_S: Final = 15.0
COUGH_WINDOW_S: Final = 1.5  # a move this soon after a cough began counts against the cough
OVERVIEW_QUIET_S: Final = 5.0  # the overview is right only after this long without a talker


def seat_poses(seats: int) -> list[tuple[float, float]]:
    first = -SEAT_SPACING_DEG * (seats - 1) / 2
    return [(round(first + SEAT_SPACING_DEG * i, 2), SEAT_TILT_DEG) for i in range(seats)]


def follow_config(
    seats: int, port: str, state_dir: Path, *, device: str = "Meeting Mics", **follow: Any
) -> AgentConfig:
    """A room with one camera on ``port`` and ``seats`` seats on channels 1…N."""
    presets = {f"ghe-{i + 1}": i for i in range(seats)} | {"toan-canh": seats}
    return parse_config(
        {
            "room": {"id": "follow-room", "name": "Phòng họp huyện"},
            "cameras": [{"id": "cam1", "port": port, "model": MODEL, "presets": presets}],
            "state": {"dir": str(state_dir)},
            "follow": {
                "device": device,
                "channels": seats,
                "seats": [
                    {
                        "channel": i + 1,
                        "name": f"Đại biểu {i + 1}",
                        "camera": "cam1",
                        "preset": f"ghe-{i + 1}",
                    }
                    for i in range(seats)
                ],
                "overview": [{"camera": "cam1", "preset": "toan-canh"}],
            }
            | follow,
        }
    )


@dataclass(frozen=True)
class PositionSample:
    t: float  # monotonic
    pan_deg: float
    tilt_deg: float
    moving: bool


class PositionLog:
    """The simulated camera's position every ``SAMPLE_S`` (a task in the simulator's loop)."""

    def __init__(self, camera: CameraSimulator) -> None:
        self.camera = camera
        self.samples: list[PositionSample] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="position-log")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task, what="position log")
            self._task = None

    async def _run(self) -> None:
        while True:
            now = time.monotonic()
            state = self.camera.state_at(now)
            self.samples.append(PositionSample(now, state.pan_deg, state.tilt_deg, state.moving))
            await asyncio.sleep(SAMPLE_S)


@dataclass
class MeetingRun:
    script: MeetingScript
    playback: Playback  # its script_time() maps the log's clock to script seconds
    samples: list[PositionSample]
    poses: list[tuple[float, float]]  # seats, then the overview
    events: list[dict[str, Any]]
    late_blocks: int
    cpu_s: float = 0.0  # process CPU while the meeting played (bench)
    wall_s: float = 0.0


class MeetingRoom:
    """A VISCA simulator on a pty, the agent's service with the follow, presets stored."""

    def __init__(
        self,
        audio: MeetingAudioSimulator,
        directory: Path,
        *,
        seats: int | None = None,
        **follow: Any,
    ) -> None:
        self.audio = audio
        self.directory = directory
        self.seats = seats or audio.seats  # more than the device has: a channel-count mismatch
        self.follow_options = follow
        self.visca = PtySimulator(1, link=str(directory / "visca-follow"), model=MODEL)
        self.service: AgentService | None = None
        self.events: list[dict[str, Any]] = []
        self.poses = seat_poses(self.seats)
        self.config: AgentConfig | None = None

    async def __aenter__(self) -> MeetingRoom:
        await self.visca.start()
        try:
            config = follow_config(
                self.seats, self.visca.path, self.directory / "state", **self.follow_options
            )
            self.config = config
            service = AgentService(config, hotplug=False)
            self.service = service
            follow = follow_module.install(service)
            assert follow is not None
            follow.set_enabled(False)  # presets first: nothing may move the camera meanwhile
            service.events.subscribe(self.events.append)
            await service.start()
            await self.wait(
                lambda: service.cameras["cam1"].state is DeviceState.READY, "camera ready"
            )
            cam = service.camera("cam1")
            for i, (pan, tilt) in enumerate(self.poses):
                await cam.goto_degrees(pan, tilt, None)
                await cam.preset_store(i, None)
            await cam.goto_degrees(*OVERVIEW_POSE, None)
            await cam.preset_store(len(self.poses), None)
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.service is not None:
            await self.service.stop()
        await self.visca.stop()

    @property
    def follow(self) -> VoiceFollow:
        assert self.service is not None
        return follow_module.follow_of(self.service)

    async def wait(self, condition: Any, what: str, timeout_s: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
            await asyncio.sleep(0.02)

    async def start_following(self) -> None:
        self.follow.set_enabled(True)
        await self.wait(lambda: self.follow.state == "following", "the follow input")

    async def run(
        self, script: MeetingScript, renderer: MeetingRenderer | None = None
    ) -> MeetingRun:
        """Play ``script`` in real time; the follow runs; the camera's positions are logged."""
        renderer = renderer or MeetingRenderer(script, samplerate=self.audio.samplerate)
        await self.start_following()
        log = PositionLog(self.visca.camera(1))
        log.start()
        cpu0, wall0 = time.process_time(), time.monotonic()
        playback = self.audio.play(renderer)
        try:
            await self.wait(
                lambda: playback.done, "the end of the meeting", script.duration_s + 30.0
            )
            await asyncio.sleep(0.5)  # the last move may still be running
        finally:
            playback.stop()
            await log.stop()
        if playback.error:
            raise AssertionError(playback.error)
        return MeetingRun(
            script=script,
            playback=playback,
            samples=log.samples,
            poses=[*self.poses, OVERVIEW_POSE],
            events=list(self.events),
            late_blocks=self.audio.late_blocks,
            cpu_s=time.process_time() - cpu0,
            wall_s=time.monotonic() - wall0,
        )


# -- scoring -----------------------------------------------------------------------------


@dataclass
class TurnScore:
    index: int
    seat: int
    floor: float  # script seconds
    arrived: float | None  # script seconds the camera settled on the seat
    move_started: float | None  # script seconds the move to it began (command on the wire)
    moves: int  # camera moves that started within this turn

    @property
    def reaction_s(self) -> float | None:
        return None if self.arrived is None else max(0.0, self.arrived - self.floor)

    @property
    def on_time(self) -> bool:
        return self.reaction_s is not None and self.reaction_s <= ON_TIME_S


@dataclass
class MeetingScore:
    turns: list[TurnScore]
    moves: int
    cough_moves: int
    false_moves: int  # moves to a seat nobody there was talking at
    details: list[str] = field(default_factory=list)
    overview_moves: int = 0  # to the wide shot after nobody talked for a while

    @property
    def on_time_fraction(self) -> float:
        return sum(t.on_time for t in self.turns) / len(self.turns) if self.turns else 0.0

    @property
    def max_moves_per_turn(self) -> int:
        return max((t.moves for t in self.turns), default=0)

    def reactions(self) -> list[float]:
        return [r for t in self.turns if (r := t.reaction_s) is not None]

    def command_reactions(self) -> list[float]:
        return [
            max(0.0, t.move_started - t.floor) for t in self.turns if t.move_started is not None
        ]

    def summary(self) -> str:
        rs = sorted(self.reactions())
        med = statistics.median(rs) if rs else float("nan")
        p95 = rs[min(len(rs) - 1, int(0.95 * len(rs)))] if rs else float("nan")
        return (
            f"{len(self.turns)} turns: {self.on_time_fraction:.1%} on time (≤ {ON_TIME_S:.1f} s), "
            f"reaction median {med:.3f} s p95 {p95:.3f} s; {self.moves} moves ({self.overview_moves} "
            f"to the overview), max {self.max_moves_per_turn} per turn, {self.cough_moves} on a cough, "
            f"{self.false_moves} to a seat not talking"
        )


def _pose_at(sample: PositionSample, poses: list[tuple[float, float]]) -> int | None:
    if sample.moving:
        return None
    for i, (pan, tilt) in enumerate(poses):
        if (
            abs(sample.pan_deg - pan) <= POSE_TOLERANCE_DEG
            and abs(sample.tilt_deg - tilt) <= POSE_TOLERANCE_DEG
        ):
            return i
    return None


def score_meeting(run: MeetingRun) -> MeetingScore:
    """Turns on time, moves per turn, moves on coughs — from the position log and script."""
    script = run.script
    samples = [(run.playback.script_time(s.t), s) for s in run.samples]
    # Move starts and where each move ended (the next settled pose).
    moves: list[tuple[float, int | None]] = []
    for k in range(1, len(samples)):
        if samples[k][1].moving and not samples[k - 1][1].moving:
            target = next((_pose_at(s, run.poses) for _, s in samples[k:] if not s.moving), None)
            moves.append((samples[k][0], target))
    turns: list[TurnScore] = []
    for i, turn in enumerate(script.turns):
        floor = script.floor_time(i)
        until = script.turns[i + 1].start if i + 1 < len(script.turns) else script.duration_s + 1.0
        arrived = next(
            (
                t
                for t, s in samples
                if turn.start <= t < until and _pose_at(s, run.poses) == turn.seat
            ),
            None,
        )
        started = next(
            (t for t, target in moves if turn.start <= t < until and target == turn.seat), None
        )
        # The overview after the talk ended is not a move of this turn (counted apart).
        count = sum(
            1 for t, target in moves if turn.start <= t < until and target != len(run.poses) - 1
        )
        turns.append(TurnScore(i, turn.seat, floor, arrived, started, count))

    overview = len(run.poses) - 1
    overview_moves = sum(1 for _, target in moves if target == overview)

    def explained(t: float, target: int | None) -> bool:
        if target is None:  # the camera settled on no known shot
            return False
        if target == overview:  # fine once nobody has talked for a while
            return not any(u.start <= t <= u.end + OVERVIEW_QUIET_S for u in script.turns)
        return any(
            u.seat == target and u.start <= t <= u.end + COUGH_WINDOW_S for u in script.turns
        )

    false_moves = [(t, target) for t, target in moves if not explained(t, target)]
    coughs = [s for s in script.sounds if s.kind == "cough"]
    cough_moves = [
        (t, target)
        for t, target in moves
        if not explained(t, target)
        and any(c.start <= t <= c.start + c.duration + COUGH_WINDOW_S for c in coughs)
    ]
    details = [f"false move at {t:.2f} s to seat {target}" for t, target in false_moves]
    details += [
        f"turn {ts.index} (seat {ts.seat}, floor {ts.floor:.2f} s): reaction {ts.reaction_s}"
        for ts in turns
        if not ts.on_time
    ]
    return MeetingScore(
        turns, len(moves), len(cough_moves), len(false_moves), details, overview_moves
    )
