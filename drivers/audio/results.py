"""What the audio drivers report, as plain data: no numpy, no PortAudio.

The agent receives these from its audio child process (``appliance/agent/audio.py``) and
rebuilds them without loading numpy or PortAudio (issue 7 item 11: RSS ≤ 80 MB);
``signals`` and ``verdict`` compute them and re-export them under their old names.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Final

SILENCE_FLOOR_DBFS: Final = -120.0


@dataclass(frozen=True)
class LevelReading:
    """Level figures over one stretch of microphone signal."""

    rms_dbfs: float
    peak_dbfs: float
    noise_floor_dbfs: float | None  # None when the stretch is shorter than one noise block
    clipping_ratio: float  # fraction of samples at or above CLIP_LEVEL
    seconds: float  # how much signal this reading covers


class LoopbackStatus(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    WARN = "warn"
    FAIL = "fail"


class LoopbackIssue(enum.StrEnum):
    """Why a loopback test did not simply pass (stable codes for translations)."""

    SILENCE = "silence"  # fail: the microphone records (digital) silence
    NOT_HEARD = "not_heard"  # fail: the speaker's tone did not reach the microphone
    WRONG_FREQUENCY = "wrong_frequency"  # fail: a signal came back at another frequency
    CLIPPING = "clipping"  # warn: microphone gain too high / speaker too loud
    LOW_LEVEL = "low_level"  # warn: tone heard but quiet
    LOW_SNR = "low_snr"  # warn: the room is noisy compared with the tone
    DISTORTION = "distortion"  # warn: much energy outside the tone while it plays
    HIGH_LATENCY = "high_latency"  # warn


@dataclass(frozen=True)
class LoopbackTimings:
    """Where the wall time of one test went (seconds); ``bench/audio.py`` prints these."""

    input_start_s: float = 0.0  # open the microphone until its first block arrives
    preroll_s: float = 0.0  # room noise recorded before playback
    play_s: float = 0.0  # open the speaker, play, drain
    tail_s: float = 0.0  # recording after the speaker finished
    analysis_s: float = 0.0
    total_s: float = 0.0


@dataclass(frozen=True)
class LoopbackResult:
    """The outcome of one speaker→microphone test."""

    status: LoopbackStatus
    expected_hz: float
    freq_hz: float | None  # dominant frequency heard while the tone played
    level_dbfs: float | None  # level of our tone at the microphone (AES17)
    snr_db: float | None  # tone vs. the room noise recorded before playback
    latency_ms: float | None  # signal handed to the speaker → its onset at the microphone
    band_snr_db: float | None = None  # tone vs. the rest of the spectrum while it plays
    noise_dbfs: float = SILENCE_FLOOR_DBFS  # room noise before playback
    clipping_ratio: float = 0.0
    issues: tuple[LoopbackIssue, ...] = ()
    timings: LoopbackTimings = field(default_factory=LoopbackTimings)
