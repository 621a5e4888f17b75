"""Judging a loopback recording (pure): was our tone heard, how loud, how clean, how late.

Input: the microphone recording, where the playback started in it, and the signal we
played. Output: a :class:`LoopbackResult` with a pass/warn/fail status and the issues that
led to it. The thresholds are the named constants below; the readiness check shows the
issue codes (``LoopbackIssue``) to technicians through its own catalogue.

Order of judgement: a dead microphone (silence) → nothing rose above the room noise when we
played (not heard) → what rose is not our frequency (wrong frequency) → warnings (clipping,
low level, low SNR, distortion, high latency).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Final

import numpy as np

from drivers.audio import signals
from drivers.audio.results import (
    LoopbackIssue,
    LoopbackResult,
    LoopbackStatus,
)
from drivers.audio.signals import Samples

# -- thresholds (tune here; the tests use the same names) ---------------------------------
SILENCE_DBFS: Final = -70.0  # whole recording below this: the microphone delivers nothing
DETECT_MIN_RISE_DB: Final = 10.0  # the signal must rise this much above the pre-roll noise
FREQ_TOLERANCE_RATIO: Final = 0.02  # |heard - played| ≤ 2 % (44.1 vs 48 kHz mix-ups are 8.8 %)
FREQ_TOLERANCE_MIN_HZ: Final = 5.0
CLIPPING_WARN_RATIO: Final = 1e-4  # more clipped samples than this fraction → warn
LEVEL_WARN_DBFS: Final = -50.0  # tone heard, but this quiet → warn (speaker volume / mic gain)
SNR_WARN_DB: Final = 20.0  # tone vs. room noise before playback
BAND_SNR_WARN_DB: Final = 20.0  # tone vs. everything else while it plays (noise + distortion)
LATENCY_WARN_MS: Final = 300.0  # lip-sync trouble in a conference beyond this

# -- analysis windows ----------------------------------------------------------------------
SETTLE_S: Final = 0.03  # skip this much after the onset (fade-in, speaker/room build-up)
ANALYSIS_MAX_S: Final = 0.3  # at most this much steady tone is analysed
BAND_MIN_HZ: Final = 20.0  # the tone's band is at least ±this wide
BAND_BINS: Final = 4  # ... and at least ±this many FFT bins (Hann main lobe is ±2)


def freq_tolerance_hz(freq_hz: float) -> float:
    return max(FREQ_TOLERANCE_MIN_HZ, FREQ_TOLERANCE_RATIO * freq_hz)


def evaluate(
    recording: Samples,
    samplerate: float,
    *,
    freq_hz: float,
    preroll_end: int,
    tone_start: int | None = None,
    tone_s: float,
    fade_s: float = signals.FADE_S,
) -> tuple[LoopbackResult, float | None]:
    """Judge ``recording`` (mono). Returns the result (latency unset) and the onset in samples.

    ``preroll_end``: samples before this index were recorded before playback began.
    ``tone_start``: where the tone starts if already known (e.g. from a chirp); otherwise it is
    found from the envelope. The returned onset is fractional (fade-in corrected) so the
    caller can turn it into a latency with its own clock mapping.
    """
    preroll_end = max(0, min(preroll_end, recording.size))
    pre = recording[:preroll_end]
    after = recording[preroll_end:]
    noise_ms = float(np.mean(pre.astype(np.float64) ** 2)) if pre.size else 0.0
    clipping = float(np.count_nonzero(np.abs(recording) >= signals.CLIP_LEVEL)) / max(
        1, recording.size
    )
    base = _Common(freq_hz, signals.power_dbfs(noise_ms), clipping)
    overall_ms = float(np.mean(recording.astype(np.float64) ** 2)) if recording.size else 0.0
    if signals.power_dbfs(overall_ms) < SILENCE_DBFS:
        return _failed(LoopbackIssue.SILENCE, base), None

    # Where does a signal rise above the room noise after playback began?
    start = _find_rise(after, samplerate, noise_ms) if tone_start is None else tone_start
    if start is None:
        return _failed(LoopbackIssue.NOT_HEARD, base), None
    seg_start = preroll_end + start + round(SETTLE_S * samplerate)
    seg_len = round(min(ANALYSIS_MAX_S, max(0.05, tone_s - 2 * SETTLE_S)) * samplerate)
    segment = recording[seg_start : seg_start + seg_len]
    if segment.size < round(0.02 * samplerate):
        return _failed(LoopbackIssue.NOT_HEARD, base), None
    band = max(BAND_MIN_HZ, BAND_BINS * samplerate / segment.size)
    spec = signals.dominant_frequency(segment, samplerate, band)
    if abs(spec.peak_hz - freq_hz) > freq_tolerance_hz(freq_hz):
        heard = signals.power_dbfs(spec.total_power)
        return _failed(
            LoopbackIssue.WRONG_FREQUENCY, base, freq_hz=spec.peak_hz, level_dbfs=heard
        ), None

    tone_ms = spec.band_power
    snr = _ratio_db(tone_ms, noise_ms)
    onset = _tone_onset(recording, samplerate, freq_hz, preroll_end, seg_start, fade_s)
    issues: list[LoopbackIssue] = []
    level = signals.power_dbfs(tone_ms)
    if clipping > CLIPPING_WARN_RATIO:
        issues.append(LoopbackIssue.CLIPPING)
    if level < LEVEL_WARN_DBFS:
        issues.append(LoopbackIssue.LOW_LEVEL)
    if snr < SNR_WARN_DB:
        issues.append(LoopbackIssue.LOW_SNR)
    if spec.band_snr_db < BAND_SNR_WARN_DB:
        issues.append(LoopbackIssue.DISTORTION)
    result = LoopbackResult(
        status=LoopbackStatus.WARN if issues else LoopbackStatus.PASS,
        freq_hz=spec.peak_hz,
        level_dbfs=level,
        snr_db=snr,
        latency_ms=None,
        band_snr_db=spec.band_snr_db,
        noise_dbfs=base.noise_dbfs,
        clipping_ratio=base.clipping_ratio,
        issues=tuple(issues),
        expected_hz=freq_hz,
    )
    return result, onset


def with_latency(result: LoopbackResult, latency_ms: float | None) -> LoopbackResult:
    """Add the latency (and its warning) to a result from :func:`evaluate`."""
    if latency_ms is None or result.status is LoopbackStatus.FAIL:
        return dataclasses.replace(result, latency_ms=latency_ms)
    issues = result.issues
    if latency_ms > LATENCY_WARN_MS:
        issues = (*issues, LoopbackIssue.HIGH_LATENCY)
    status = LoopbackStatus.WARN if issues else LoopbackStatus.PASS
    return dataclasses.replace(result, latency_ms=latency_ms, issues=issues, status=status)


# -- internals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Common:
    expected_hz: float
    noise_dbfs: float
    clipping_ratio: float


def _failed(
    issue: LoopbackIssue,
    base: _Common,
    *,
    freq_hz: float | None = None,
    level_dbfs: float | None = None,
) -> LoopbackResult:
    return LoopbackResult(
        status=LoopbackStatus.FAIL,
        expected_hz=base.expected_hz,
        freq_hz=freq_hz,
        level_dbfs=level_dbfs,
        snr_db=None,
        latency_ms=None,
        noise_dbfs=base.noise_dbfs,
        clipping_ratio=base.clipping_ratio,
        issues=(issue,),
    )


def _ratio_db(signal_ms: float, noise_ms: float) -> float:
    if signal_ms <= 0.0:
        return -signals.SNR_CAP_DB
    if noise_ms <= signal_ms * 10 ** (-signals.SNR_CAP_DB / 10):
        return signals.SNR_CAP_DB
    return 10.0 * math.log10(signal_ms / noise_ms)


def _find_rise(after: Samples, samplerate: float, noise_ms: float) -> int | None:
    """First sample of the frame where the broadband level rises clearly over the noise."""
    env = signals.frame_levels(after, samplerate)
    if env.size == 0:
        return None
    plateau = float(np.percentile(env, 90))
    floor = math.sqrt(noise_ms) * 10 ** (DETECT_MIN_RISE_DB / 20)
    if plateau <= floor or signals.amplitude_dbfs(plateau) < SILENCE_DBFS:
        return None
    frame = round(signals.ENVELOPE_FRAME_S * samplerate)
    hit = signals.first_crossing(env, max(floor, plateau / 2))
    return None if hit is None else hit * frame


def _tone_onset(
    recording: Samples,
    samplerate: float,
    freq_hz: float,
    preroll_end: int,
    seg_start: int,
    fade_s: float,
) -> float | None:
    """Fractional sample where our tone's own envelope reaches half its steady amplitude."""
    env = signals.tone_envelope(recording, samplerate, freq_hz)
    steady = env[seg_start : seg_start + round(0.05 * samplerate)]
    if steady.size == 0:
        return None
    hit = signals.first_crossing(env, 0.5 * float(np.median(steady)), preroll_end)
    if hit is None:
        return None
    # The raised-cosine fade reaches half amplitude fade_s/2 after the tone's first sample.
    return hit - 0.5 * fade_s * samplerate
