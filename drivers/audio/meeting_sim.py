"""A scripted meeting for the voice-follow camera: N seat microphones in a simulated room.

    script = generate_script(seats=8, duration_s=600, coughs=30, overlaps=10, crosstalk_db=-12)
    with MeetingAudioSimulator(seats=8) as sim:          # PulseAudio + "Meeting Mics" (8 ch)
        playback = sim.play(MeetingRenderer(script))     # real time, from a thread
        playback.wait()

A product feature (``appliance sim meeting``, demos, training) that the tests and
``bench/follow.py`` use too. Nothing is downloaded: every seat's Vietnamese speech is
synthesised here by ``espeak-ng`` (Debian package ``espeak-ng``), with a pitch and speed
of its own per seat.

**Script** (:class:`MeetingScript`, JSON): seats, turns (seat, start, end, phrases),
sounds (coughs and paper rustle: seat, start, duration), the crosstalk level between
neighbouring seats, the room noise. :func:`generate_script` writes one from a seed; the
same seed gives the same meeting. A turn that starts before the previous one ended is an
*overlap*; the seat *has the floor* from ``floor_time(i)`` = when the previous talker
stopped (a camera that waits for the previous talker to finish is right, not late).

**Room acoustics** (:class:`MeetingRenderer`): each seat's microphone hears its own
delegate at ``speech_dbfs`` (RMS of active speech), every other sound source of the room
at ``crosstalk_db`` for a neighbour, 6 dB less per further seat, delayed 1 ms per seat
(sound travels ~0.34 m per ms), plus its own self-noise and a shared room noise. Coughs
are louder than speech (``cough_dbfs`` peak) and noise-like; rustle is crackle. Rendered
block by block, so a 10-minute meeting of 32 seats never sits in memory whole.

**Sound path** (:class:`MeetingAudioSimulator`, a :class:`RoomAudioSimulator` with one
more device): a null sink ``meeting`` with N channels whose monitor is the ALSA device
``Meeting Mics`` (N channels, input only); ``pacat`` plays the rendered meeting into the
sink in real time. Two PulseAudio defaults had to go for the channels to stay apart:
*remixing* (a recording stream whose channel map differs from the sink's gets every
channel mixed into every other) is switched off in the server's ``daemon.conf``, and the
sink uses the channel map the ALSA pulse plugin asks for (:func:`alsa_channel_map`, read
off ``pactl list source-outputs`` for 1–12 channels), so channel k stays channel k.

Timing: :class:`Playback` writes 20 ms blocks no more than ``PLAY_LEAD_S`` ahead of the
clock; ``t0`` is the monotonic time the first sample went to the sound server. Script
time ``s`` is at ``t0 + s`` or up to the lead plus pacat's buffer later — so a reaction
time measured from ``t0 + s`` is never shorter than the real one.
"""

from __future__ import annotations

import array
import bisect
import fcntl
import json
import logging
import os
import random
import shutil
import subprocess
import termios
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from drivers.audio.aliases import AlsaPulseAlias, alsa_pulse_config
from drivers.audio.simulator import RoomAudioSimulator
from drivers.errors import DeviceUnavailableError

log = logging.getLogger(__name__)

Samples = npt.NDArray[np.float32]

SIM_ID: Final = "meeting-simulator"
MEETING_MICS: Final = "Meeting Mics"
SAMPLE_RATE_HZ: Final = 16_000  # speech band; 8 channels cost 1/3 of what 48 kHz would
MAX_SEATS: Final = 32
SPEECH_DBFS: Final = -26.0  # RMS of active speech at its own microphone (a gooseneck at 30 cm)
COUGH_DBFS: Final = -8.0  # a cough's peak: louder than the speech
RUSTLE_DBFS: Final = -24.0
SELF_NOISE_DBFS: Final = -62.0  # each microphone's own hiss (RMS)
ROOM_NOISE_DBFS: Final = -55.0  # air conditioning, heard by every microphone (RMS)
CROSSTALK_DB: Final = -12.0  # a neighbour's voice in this microphone
CROSSTALK_STEP_DB: Final = 6.0  # each seat further away: 6 dB less (inverse square of distance)
SEAT_DELAY_S: Final = 0.001  # ~34 cm between microphones
PHRASE_GAP_S: Final = 0.25  # pause between a speaker's sentences
BLOCK_S: Final = 0.02
F_GETPIPE_SZ: Final = getattr(fcntl, "F_GETPIPE_SZ", 1032)  # linux/fcntl.h
RESYNC_S: Final = 0.2  # the feeder this late: it restarts its clock (a gap, as a real overrun)
ESPEAK_TIMEOUT_S: Final = 10.0
ESPEAK_RATE_HZ: Final = 22_050  # espeak-ng's fixed output rate

# Sentences a delegate says at a district meeting (Vietnamese, for espeak-ng -v vi).
PHRASES: Final = (
    "Xin chào các đại biểu",
    "Tôi xin phát biểu về kế hoạch ngân sách năm nay",
    "Đề nghị ủy ban nhân dân huyện xem xét lại dự án này",
    "Chúng tôi đồng ý với ý kiến của đồng chí chủ tọa",
    "Về vấn đề giao thông nông thôn, tôi có ba ý kiến",
    "Thứ nhất, cần tăng cường kiểm tra chất lượng công trình",
    "Thứ hai, phải công khai minh bạch các khoản chi",
    "Thứ ba, đề nghị báo cáo tiến độ hằng tháng",
    "Tôi xin cảm ơn",
    "Xin mời đại biểu tiếp theo phát biểu",
    "Tình hình thu ngân sách quý ba đạt kết quả tốt",
    "Chúng ta cần quan tâm hơn đến giáo dục và y tế",
    "Tôi đề nghị biểu quyết nội dung này",
    "Vâng, tôi xin tiếp thu ý kiến của các đại biểu",
)

SoundKind = Literal["cough", "rustle"]


@dataclass(frozen=True)
class Turn:
    seat: int  # 0-based: channel index
    start: float  # seconds from the start of the meeting
    end: float
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Sound:
    kind: SoundKind
    seat: int
    start: float
    duration: float


@dataclass(frozen=True)
class MeetingScript:
    seats: int
    duration_s: float
    turns: tuple[Turn, ...]
    sounds: tuple[Sound, ...] = ()
    crosstalk_db: float = CROSSTALK_DB
    room_noise_dbfs: float = ROOM_NOISE_DBFS
    speech_dbfs: float = SPEECH_DBFS
    seed: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.seats <= MAX_SEATS:
            raise ValueError(f"seats={self.seats} outside 1…{MAX_SEATS}")
        if not -60.0 <= self.crosstalk_db <= 0.0:
            raise ValueError(f"crosstalk_db={self.crosstalk_db} outside -60…0 dB")
        for i, turn in enumerate(self.turns):
            if not 0 <= turn.seat < self.seats:
                raise ValueError(f"turns[{i}]: seat {turn.seat} outside 0…{self.seats - 1}")
            if not 0.0 <= turn.start < turn.end <= self.duration_s:
                raise ValueError(
                    f"turns[{i}]: times {turn.start}…{turn.end} not inside the meeting"
                )
            if not turn.phrases:
                raise ValueError(f"turns[{i}]: no phrases")
            if i and turn.start < self.turns[i - 1].start:
                raise ValueError(f"turns[{i}]: starts before turns[{i - 1}] (keep them in order)")
        for i, sound in enumerate(self.sounds):
            if sound.kind not in ("cough", "rustle"):
                raise ValueError(f"sounds[{i}]: unknown kind {sound.kind!r}")
            if not 0 <= sound.seat < self.seats:
                raise ValueError(f"sounds[{i}]: seat {sound.seat} outside 0…{self.seats - 1}")
            if sound.start < 0.0 or not 0.0 < sound.duration <= 5.0:
                raise ValueError(f"sounds[{i}]: bad start/duration")

    @property
    def overlaps(self) -> int:
        return sum(1 for i in range(1, len(self.turns)) if self.overlapped(i))

    def overlapped(self, i: int) -> bool:
        return i > 0 and self.turns[i].start < self.turns[i - 1].end

    def floor_time(self, i: int) -> float:
        """When turn ``i``'s seat is the only one talking (its start, or the previous end)."""
        turn = self.turns[i]
        return max(turn.start, self.turns[i - 1].end) if i else turn.start

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> MeetingScript:
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("a meeting script is a JSON object")
        try:
            turns = tuple(
                Turn(int(t["seat"]), float(t["start"]), float(t["end"]), tuple(t["phrases"]))
                for t in raw.pop("turns")
            )
            sounds = tuple(
                Sound(s["kind"], int(s["seat"]), float(s["start"]), float(s["duration"]))
                for s in raw.pop("sounds", [])
            )
            return cls(turns=turns, sounds=sounds, **raw)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"bad meeting script: {exc}") from None

    @classmethod
    def load(cls, path: str | Path) -> MeetingScript:
        try:
            return cls.from_json(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, ValueError) as exc:
            raise ValueError(f"{path}: {exc}") from None


def generate_script(
    *,
    seats: int = 8,
    duration_s: float = 600.0,
    coughs: int = 30,
    overlaps: int = 10,
    rustles: int = 0,
    crosstalk_db: float = CROSSTALK_DB,
    turn_s: tuple[float, float] = (4.0, 12.0),
    gap_s: tuple[float, float] = (0.8, 2.5),
    overlap_s: tuple[float, float] = (0.5, 1.2),
    seed: int = 1,
) -> MeetingScript:
    """A meeting of consecutive turns by changing seats, with overlaps, coughs and rustle."""
    if seats < 2:
        raise ValueError("a meeting needs at least 2 seats")
    rng = random.Random(seed)  # noqa: S311 - a reproducible script, not a secret
    turns: list[Turn] = []
    t = 1.0
    seat = rng.randrange(seats)
    while True:
        length = rng.uniform(*turn_s)
        if t + length > duration_s - 1.0:
            break
        phrases = tuple(rng.sample(PHRASES, k=min(len(PHRASES), 2 + int(length / 2))))
        turns.append(Turn(seat, round(t, 3), round(t + length, 3), phrases))
        t += length + rng.uniform(*gap_s)
        seat = rng.choice([s for s in range(seats) if s != seat])
    if len(turns) < 2:
        raise ValueError(f"duration_s={duration_s} too short for a meeting")
    overlapped = set(rng.sample(range(1, len(turns)), k=min(overlaps, len(turns) - 1)))
    shifted: list[Turn] = []
    shift = 0.0
    for i, turn in enumerate(turns):
        if i in overlapped:
            prev = shifted[-1]
            gap = turn.start - shift - prev.end
            shift += gap + rng.uniform(*overlap_s)  # start before the previous talker ends
        shifted.append(
            Turn(turn.seat, round(turn.start - shift, 3), round(turn.end - shift, 3), turn.phrases)
        )
    end = max(shifted[-1].end + 1.0, duration_s)  # the meeting lasts as long as asked
    sounds = [
        Sound("cough", rng.randrange(seats), round(rng.uniform(0.5, end - 1.0), 3), round(rng.uniform(0.25, 0.6), 3))
        for _ in range(coughs)
    ] + [
        Sound("rustle", rng.randrange(seats), round(rng.uniform(0.5, end - 1.0), 3), round(rng.uniform(0.3, 1.0), 3))
        for _ in range(rustles)
    ]  # fmt: skip
    sounds.sort(key=lambda s: s.start)
    return MeetingScript(
        seats=seats,
        duration_s=round(end, 3),
        turns=tuple(shifted),
        sounds=tuple(sounds),
        crosstalk_db=crosstalk_db,
        seed=seed,
    )


# -- speech ------------------------------------------------------------------------------


def espeak_binary() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise DeviceUnavailableError(
            SIM_ID,
            "'espeak-ng' is not installed; install the Debian package espeak-ng",
            operation="speech",
        )
    return path


def synthesize(text: str, *, seat: int, samplerate: int = SAMPLE_RATE_HZ) -> Samples:
    """``text`` spoken in Vietnamese by seat ``seat``'s voice; leading/trailing silence cut."""
    pitch = 25 + (seat * 37) % 60  # espeak-ng -p 0…99: a different voice height per seat
    speed = 140 + (seat * 13) % 40  # words per minute
    done = subprocess.run(  # noqa: S603 - fixed argv, the text is an argument, no shell
        [espeak_binary(), "-v", "vi", "-p", str(pitch), "-s", str(speed), "--stdout", text],
        capture_output=True,
        timeout=ESPEAK_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0 or len(done.stdout) <= 44:
        raise DeviceUnavailableError(
            SIM_ID,
            f"espeak-ng failed: {done.stderr.decode(errors='replace')[:200]}",
            operation="speech",
        )
    pcm = np.frombuffer(done.stdout[44:], dtype="<i2").astype(np.float32) / 32768.0  # WAV data
    audible = np.flatnonzero(np.abs(pcm) > 0.01)
    if audible.size:
        pcm = pcm[audible[0] : audible[-1] + 1]
    n = int(len(pcm) * samplerate / ESPEAK_RATE_HZ)
    positions = np.arange(n) * (ESPEAK_RATE_HZ / samplerate)
    out: Samples = np.interp(positions, np.arange(len(pcm)), pcm).astype(np.float32)
    return out


# -- rendering ---------------------------------------------------------------------------


@dataclass
class _Clip:
    seat: int
    start: int  # sample index
    samples: Samples


@dataclass
class MeetingRenderer:
    """The N microphone signals of a script, block by block (see the module docstring)."""

    script: MeetingScript
    samplerate: int = SAMPLE_RATE_HZ
    self_noise_dbfs: float = SELF_NOISE_DBFS
    clips: list[_Clip] = field(default_factory=list)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.script.seed)
        cache: dict[tuple[str, int], Samples] = {}
        speech_rms = 10.0 ** (self.script.speech_dbfs / 20.0)
        for turn in self.script.turns:
            parts: list[Samples] = []
            gap = np.zeros(round(PHRASE_GAP_S * self.samplerate), dtype=np.float32)
            for phrase in turn.phrases:
                key = (phrase, turn.seat)
                if key not in cache:
                    clip = synthesize(phrase, seat=turn.seat, samplerate=self.samplerate)
                    active = clip[np.abs(clip) > 0.01]
                    rms = float(np.sqrt(np.mean(active**2))) if active.size else 1.0
                    cache[key] = clip * (speech_rms / rms)
                parts += [cache[key], gap]
            speech = np.concatenate(parts)
            length = round((turn.end - turn.start) * self.samplerate)
            while speech.size < length:  # a long turn says its sentences again
                speech = np.concatenate([speech, speech])
            self.clips.append(
                _Clip(turn.seat, round(turn.start * self.samplerate), speech[:length])
            )
        for sound in self.script.sounds:
            n = round(sound.duration * self.samplerate)
            t = np.arange(n) / self.samplerate
            if sound.kind == "cough":
                # A burst of breathy noise, fast attack, ~80 ms decay, a second smaller burst.
                env = np.exp(-t / 0.08) + 0.5 * np.exp(
                    -np.maximum(t - n / self.samplerate / 2, 0) / 0.06
                ) * (t > n / self.samplerate / 2)
                noise = np.cumsum(rng.normal(0, 1, n)) * 0.05 + rng.normal(0, 1, n)  # tilted down
                noise -= np.convolve(noise, np.ones(8) / 8, mode="same")  # no DC, no rumble
                peak = 10.0 ** (COUGH_DBFS / 20.0)
            else:
                env = (rng.random(n) < 0.02).astype(np.float64)  # clicks of paper
                env = np.convolve(env, np.exp(-np.arange(80) / 15.0), mode="same")
                noise = rng.normal(0, 1, n)
                peak = 10.0 ** (RUSTLE_DBFS / 20.0)
            burst = env * noise
            burst *= peak / max(float(np.max(np.abs(burst))), 1e-9)
            self.clips.append(
                _Clip(sound.seat, round(sound.start * self.samplerate), burst.astype(np.float32))
            )
        seats = self.script.seats
        distance = np.abs(np.arange(seats)[:, None] - np.arange(seats)[None, :])
        leak_db = self.script.crosstalk_db - CROSSTALK_STEP_DB * np.maximum(distance - 1, 0)
        self.gains = np.where(distance == 0, 1.0, 10.0 ** (leak_db / 20.0))  # [mic, source seat]
        self.delays = distance * round(SEAT_DELAY_S * self.samplerate)
        self.total_samples = round(self.script.duration_s * self.samplerate)
        self._noise_rng = np.random.default_rng(self.script.seed + 1)

    def block(self, start: int, n: int) -> Samples:
        """Samples ``start … start+n`` of every microphone: shape (n, seats)."""
        seats = self.script.seats
        out = np.zeros((n, seats), dtype=np.float32)
        max_delay = int(self.delays.max()) if seats > 1 else 0
        for clip in self.clips:
            if clip.start >= start + n or clip.start + clip.samples.size + max_delay <= start:
                continue
            for mic in range(seats):
                gain = self.gains[mic, clip.seat]
                if gain < 1e-4:  # below -80 dB: inaudible under the self-noise
                    continue
                offset = clip.start + int(self.delays[mic, clip.seat]) - start
                lo, hi = max(0, offset), min(n, offset + clip.samples.size)
                if lo < hi:
                    out[lo:hi, mic] += gain * clip.samples[lo - offset : hi - offset]
        room = self._noise_rng.normal(0, 10.0 ** (self.script.room_noise_dbfs / 20.0), (n, 1))
        hiss = self._noise_rng.normal(0, 10.0 ** (self.self_noise_dbfs / 20.0), (n, seats))
        out += (room + hiss).astype(np.float32)
        return out


# -- sound server ------------------------------------------------------------------------

_ALSA_MAPS: Final = {
    1: ("mono",),
    2: ("front-left", "front-right"),
    4: ("front-left", "front-right", "rear-left", "rear-right"),
    5: ("front-left", "front-right", "rear-left", "rear-right", "front-center"),
    6: ("front-left", "front-right", "rear-left", "rear-right", "front-center", "lfe"),
    8: ("front-left", "front-right", "rear-left", "rear-right", "front-center", "lfe", "side-left", "side-right"),
}  # fmt: skip


def alsa_channel_map(channels: int) -> str:
    """The channel map the ALSA pulse plugin gives an N-channel stream (positions, then aux)."""
    base = max(k for k in _ALSA_MAPS if k <= channels)
    names = list(_ALSA_MAPS[base]) + [f"aux{i}" for i in range(channels - base)]
    return ",".join(names)


class MeetingAudioSimulator(RoomAudioSimulator):
    """The simulated room plus ``seats`` seat microphones read as ``Meeting Mics``."""

    def __init__(
        self,
        seats: int = 8,
        *,
        mics_name: str = MEETING_MICS,
        samplerate: int = SAMPLE_RATE_HZ,
        **room: object,
    ) -> None:
        super().__init__(**room)  # type: ignore[arg-type]
        if not 1 <= seats <= MAX_SEATS:
            raise ValueError(f"seats={seats} outside 1…{MAX_SEATS}")
        self.seats = seats
        self.mics_name = mics_name
        self.samplerate = samplerate
        self._meeting_module: int | None = None
        self._feeder: _Feeder | None = None

    def start(self) -> None:
        super().start()
        try:
            self.plug()
            self.alsa_config.write_text(
                alsa_pulse_config(
                    [
                        AlsaPulseAlias(self.speaker_name, "room_speaker", "output", self.server),
                        AlsaPulseAlias(self.mic_name, "room_mic", "input", self.server),
                        AlsaPulseAlias(self.mics_name, "meeting", "input", self.server),
                    ]
                ),
                encoding="utf-8",
            )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self._stop_feeder()
        self._meeting_module = None
        super().stop()

    @property
    def late_blocks(self) -> int:
        """How often the feeder was starved and restarted its clock (a gap in the audio)."""
        return self._feeder.late_blocks if self._feeder is not None else 0

    @property
    def fifo(self) -> Path:
        return self._require_dir() / "meeting.fifo"

    @property
    def plugged(self) -> bool:
        return self._meeting_module is not None

    def plug(self) -> None:
        """Connect the seat microphones: the multichannel device appears and delivers audio."""
        if self._meeting_module is not None:
            return
        out = self._run(
            "load-module", "module-pipe-source", "source_name=meeting", f"file={self.fifo}",
            f"rate={self.samplerate}", f"channels={self.seats}",
            f"channel_map={alsa_channel_map(self.seats)}", "format=float32le",
        )  # fmt: skip
        self._meeting_module = int(out.strip())
        if self._feeder is None:
            self._feeder = _Feeder(self.fifo, self.seats, self.samplerate)
            self._feeder.start()
        self._feeder.attach()

    def unplug(self) -> None:
        """The multichannel device disappears (its source is unloaded); a playback ends."""
        if self._feeder is not None:
            self._feeder.detach()
        module, self._meeting_module = self._meeting_module, None
        if module is not None:
            self._run("unload-module", str(module))

    def set_stuck_open(self, seat: int, level_dbfs: float | None = -30.0) -> None:
        """Fault: seat ``seat``'s microphone is left open by a noise source (None: cleared)."""
        if not 0 <= seat < self.seats:
            raise ValueError(f"seat {seat} outside 0…{self.seats - 1}")
        if self._feeder is None:
            raise DeviceUnavailableError(SIM_ID, "the meeting microphones are not started")
        if level_dbfs is None:
            self._feeder.stuck.pop(seat, None)
        else:
            self._feeder.stuck[seat] = level_dbfs

    def play(self, renderer: MeetingRenderer, *, start_s: float = 0.0) -> Playback:
        """Feed the meeting from ``start_s`` to the microphones in real time."""
        if renderer.script.seats != self.seats or renderer.samplerate != self.samplerate:
            raise ValueError(
                f"script has {renderer.script.seats} seats at {renderer.samplerate} Hz, the "
                f"simulator {self.seats} at {self.samplerate} Hz"
            )
        if self._feeder is None or not self.plugged:
            raise DeviceUnavailableError(SIM_ID, "the meeting microphones are unplugged")
        playback = Playback(renderer, start_s=start_s)
        self._feeder.play(playback)
        return playback

    def _stop_feeder(self) -> None:
        feeder, self._feeder = self._feeder, None
        if feeder is not None:
            feeder.stop()

    def _server_script(self) -> str:
        # Written here because start() creates the server's HOME just before it asks for the
        # script: remixing off, so N channels stay N separate microphones (module docstring).
        conf = self._require_dir() / "home" / ".config" / "pulse"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / "daemon.conf").write_text(
            "enable-remixing = no\nremixing-produce-lfe = no\nremixing-consume-lfe = no\n",
            encoding="utf-8",
        )
        return super()._server_script()


class Playback:
    """One meeting being fed; ``time_of(s)`` = when script second ``s`` reached the microphones.

    Each block's real write time is recorded: if the feeder is late (a busy machine), the
    recorded time is late too, so :meth:`time_of` stays the truth.
    """

    def __init__(self, renderer: MeetingRenderer, *, start_s: float = 0.0) -> None:
        self.renderer = renderer
        self.start_s = start_s
        self.block = round(BLOCK_S * renderer.samplerate)
        self.error: str | None = None
        self._first = round(start_s * renderer.samplerate) // self.block
        self._written: list[float] = []  # monotonic time each block went in
        self._stopped = False
        self._done = threading.Event()

    @property
    def t0(self) -> float | None:
        """Monotonic time of script second 0 (from the first block written)."""
        if not self._written:
            return None
        return self._written[0] - self._first * self.block / self.renderer.samplerate

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout_s: float | None = None) -> bool:
        return self._done.wait(timeout_s)

    def stop(self) -> None:
        """Stop feeding this meeting (the microphones go back to room noise)."""
        self._stopped = True
        self._done.set()

    def position_s(self) -> float:
        """Script seconds fed so far."""
        return (self._first + len(self._written)) * self.block / self.renderer.samplerate

    def time_of(self, script_s: float) -> float | None:
        """Monotonic time script second ``script_s`` reached the microphones (None: not yet)."""
        sample = round(script_s * self.renderer.samplerate)
        k = sample // self.block - self._first
        if not 0 <= k < len(self._written):
            return None
        offset = sample - (k + self._first) * self.block
        return self._written[k] + offset / self.renderer.samplerate

    def script_time(self, t: float) -> float:
        """Inverse of :meth:`time_of`: the script second at the microphones at monotonic ``t``."""
        k = bisect.bisect_right(self._written, t) - 1
        if k < 0:
            return (self._first * self.block) / self.renderer.samplerate - (
                self._written[0] - t if self._written else 0.0
            )
        return (self._first + k) * self.block / self.renderer.samplerate + (t - self._written[k])

    def _next(self, now: float) -> npt.NDArray[np.float32] | None:
        """The next block to write at ``now`` (the feeder's thread), or None when finished."""
        position = (self._first + len(self._written)) * self.block
        if self._stopped or position >= self.renderer.total_samples:
            self._done.set()
            return None
        n = min(self.block, self.renderer.total_samples - position)
        data = self.renderer.block(position, n)
        self._written.append(now)
        return data


class _Feeder:
    """The device's clock: writes a block every ``BLOCK_S`` — the meeting, or room noise.

    One thread for the simulator's life; while detached (unplugged) it writes nothing.
    """

    def __init__(self, fifo: Path, seats: int, samplerate: int) -> None:
        self.fifo = fifo
        self.seats = seats
        self.samplerate = samplerate
        self.block = round(BLOCK_S * samplerate)
        self.late_blocks = 0
        self.dropped_blocks = 0
        self.stuck: dict[int, float] = {}  # seat → level (dBFS RMS) of an open mic's noise
        self._playback: Playback | None = None
        self._rng = np.random.default_rng(0)
        self._stop = threading.Event()
        self._attached = threading.Event()
        self._detached = threading.Event()
        self._detached.set()
        self._thread = threading.Thread(target=self._run, name="meeting-feeder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def attach(self) -> None:
        self._detached.clear()
        self._attached.set()

    def detach(self) -> None:
        """Stop writing (and close the FIFO) before the source goes; a playback ends."""
        self._attached.clear()
        self._detached.wait(5.0)
        playback, self._playback = self._playback, None
        if playback is not None:
            playback.error = "the meeting microphones were unplugged"
            playback.stop()

    def play(self, playback: Playback) -> None:
        previous, self._playback = self._playback, playback
        if previous is not None:
            previous.stop()

    def stop(self) -> None:
        self._stop.set()
        self._attached.set()  # wake it
        self._thread.join(5.0)
        if self._playback is not None:
            self._playback.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._attached.wait()
            if self._stop.is_set():
                break
            try:
                self._feed()
            except OSError as exc:
                if self._attached.is_set() and not self._stop.is_set():
                    log.warning("meeting microphones: feeding failed: %s", exc)
                    self._stop.wait(0.5)
            finally:
                self._detached.set()

    def _feed(self) -> None:
        # The pipe source holds the FIFO open for reading, so this open does not block.
        fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.set_blocking(fd, True)
            base = time.monotonic()
            k = 0
            while self._attached.is_set() and not self._stop.is_set():
                due = base + k * self.block / self.samplerate
                wait = due - time.monotonic()
                if wait > 0 and self._stop.wait(wait):
                    break
                if wait < -RESYNC_S:  # starved for long: restart the clock, do not burst
                    self.late_blocks += 1
                    base, k = time.monotonic(), 0
                now = time.monotonic()
                data = None
                playback = self._playback
                if playback is not None:
                    data = playback._next(now)
                    if data is None:
                        self._playback = None
                if data is None:
                    data = self._idle()
                for seat, level in list(self.stuck.items()):  # fault: a microphone left open
                    data[:, seat] += self._rng.normal(
                        0.0, 10.0 ** (level / 20.0), data.shape[0]
                    ).astype(np.float32)
                payload = data.astype(np.float32, copy=False).tobytes()
                # Nobody recording: PulseAudio suspends the source and stops reading the FIFO.
                # A real interface then drops its samples too — never block the clock, and
                # never write part of a frame (the channels would shift).
                if _pipe_free(fd) >= len(payload):
                    os.write(fd, payload)
                else:
                    self.dropped_blocks += 1
                k += 1
        finally:
            os.close(fd)

    def _idle(self) -> npt.NDArray[np.float32]:
        noise = self._rng.normal(0.0, 10.0 ** (SELF_NOISE_DBFS / 20.0), (self.block, self.seats))
        return noise.astype(np.float32)


def _pipe_free(fd: int) -> int:
    """Bytes a write to the pipe ``fd`` can take without blocking (Linux: size − queued)."""
    queued = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, queued)
    return fcntl.fcntl(fd, F_GETPIPE_SZ) - queued[0]
