"""Pure signal code (numpy, no I/O): test signals, level figures, tone detection.

Conventions: samples are float in [-1, 1] (full scale = 1.0). Levels are dBFS with the
AES17 convention for RMS — a full-scale sine reads 0 dBFS, so a sine's RMS and peak dBFS
agree. Digital silence reads :data:`SILENCE_FLOOR_DBFS` instead of -inf, so every figure
stays a finite JSON number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from drivers.audio.results import SILENCE_FLOOR_DBFS, LevelReading

Samples = npt.NDArray[np.float32]
Floats = npt.NDArray[np.float64]

CLIP_LEVEL: Final = 0.999  # |sample| at or above this fraction of full scale counts as clipped
NOISE_BLOCK_S: Final = 0.010  # short blocks whose RMS gives the noise floor
NOISE_PERCENTILE: Final = 10.0  # the noise floor is this percentile of the block RMS values
FADE_S: Final = 0.005  # raised-cosine fade in/out of test signals (no clicks, no splatter)
SNR_CAP_DB: Final = 120.0  # SNR against digital silence is reported as this
MIN_FREQ_HZ: Final = 20.0  # spectral peaks below this (DC, rumble) are ignored
ENVELOPE_FRAME_S: Final = 0.005  # frames of the broadband envelope that finds the tone
DEMOD_MIN_S: Final = 0.002  # shortest averaging window of the tone demodulator
_AES17_OFFSET_DB: Final = 10.0 * math.log10(2.0)  # RMS of a full-scale sine → 0 dBFS


def amplitude_dbfs(amplitude: float) -> float:
    """20·log10 of a peak amplitude, floored at SILENCE_FLOOR_DBFS."""
    if amplitude <= 0.0:
        return SILENCE_FLOOR_DBFS
    return max(SILENCE_FLOOR_DBFS, 20.0 * math.log10(amplitude))


def power_dbfs(mean_square: float) -> float:
    """AES17 dBFS of a mean-square value (a full-scale sine, mean square 0.5, is 0 dBFS)."""
    if mean_square <= 0.0:
        return SILENCE_FLOOR_DBFS
    return max(SILENCE_FLOOR_DBFS, 10.0 * math.log10(mean_square) + _AES17_OFFSET_DB)


def block_mean_squares(x: Samples, samplerate: float, block_s: float = NOISE_BLOCK_S) -> Floats:
    """Mean square of each whole block of ``block_s`` (a trailing partial block is dropped)."""
    n = max(1, round(samplerate * block_s))
    usable = (len(x) // n) * n
    if usable == 0:
        return np.zeros(0, dtype=np.float64)
    blocks = x[:usable].astype(np.float64).reshape(-1, n)
    return np.asarray(np.mean(blocks * blocks, axis=1), dtype=np.float64)


def noise_floor_dbfs(block_ms: Floats) -> float | None:
    """The NOISE_PERCENTILE-th percentile of block levels (quiet moments between speech)."""
    if block_ms.size == 0:
        return None
    return power_dbfs(float(np.percentile(block_ms, NOISE_PERCENTILE)))


def analyze_levels(x: Samples, samplerate: float) -> LevelReading:
    """RMS, peak, noise floor and clipping over all of ``x`` (mono)."""
    if x.size == 0:
        return LevelReading(SILENCE_FLOOR_DBFS, SILENCE_FLOOR_DBFS, None, 0.0, 0.0)
    x64 = x.astype(np.float64)
    magnitude = np.abs(x64)
    return LevelReading(
        rms_dbfs=power_dbfs(float(np.mean(x64 * x64))),
        peak_dbfs=amplitude_dbfs(float(np.max(magnitude))),
        noise_floor_dbfs=noise_floor_dbfs(block_mean_squares(x, samplerate)),
        clipping_ratio=float(np.count_nonzero(magnitude >= CLIP_LEVEL)) / x.size,
        seconds=x.size / samplerate,
    )


# -- test signals ------------------------------------------------------------------------


def tone(
    freq_hz: float, amplitude: float, seconds: float, samplerate: float, fade_s: float = FADE_S
) -> Samples:
    """A sine with raised-cosine fades at both ends."""
    n = max(0, round(seconds * samplerate))
    t = np.arange(n, dtype=np.float64) / samplerate
    return _faded(amplitude * np.sin(2.0 * np.pi * freq_hz * t), samplerate, fade_s)


def chirp(
    f0_hz: float,
    f1_hz: float,
    amplitude: float,
    seconds: float,
    samplerate: float,
    fade_s: float = FADE_S,
) -> Samples:
    """A linear sweep from ``f0_hz`` to ``f1_hz``; its autocorrelation is one sharp peak."""
    n = max(0, round(seconds * samplerate))
    t = np.arange(n, dtype=np.float64) / samplerate
    rate = (f1_hz - f0_hz) / seconds if seconds > 0 else 0.0
    phase = 2.0 * np.pi * (f0_hz * t + 0.5 * rate * t * t)
    return _faded(amplitude * np.sin(phase), samplerate, fade_s)


# -- detection ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Spectrum:
    """The dominant frequency of a stretch and how its power splits around it."""

    peak_hz: float
    band_power: float  # mean-square power within the peak's band
    total_power: float  # mean-square power of the whole stretch (DC removed)

    @property
    def band_snr_db(self) -> float:
        rest = self.total_power - self.band_power
        if self.band_power <= 0.0:
            return -SNR_CAP_DB
        if rest <= self.band_power * 10 ** (-SNR_CAP_DB / 10):
            return SNR_CAP_DB
        return 10.0 * math.log10(self.band_power / rest)


def dominant_frequency(
    x: Samples, samplerate: float, band_hz: float, around_hz: float | None = None
) -> Spectrum:
    """Peak frequency (Hann window, parabolic interpolation) and the power within ±band_hz.

    With ``around_hz`` the band is centred there instead of on the peak (the power of *our*
    tone even when something else is louder).
    """
    x64 = x.astype(np.float64) - float(np.mean(x))
    n = x64.size
    if n < 8:
        return Spectrum(0.0, 0.0, 0.0)
    window = np.hanning(n)
    spec = np.abs(np.fft.rfft(x64 * window)) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / samplerate)
    spec[freqs < MIN_FREQ_HZ] = 0.0
    k = int(np.argmax(spec))
    peak = float(freqs[k])
    if 0 < k < spec.size - 1 and spec[k] > 0.0:
        a, b, c = (math.log(max(v, 1e-300)) for v in spec[k - 1 : k + 2])
        denom = a - 2.0 * b + c
        if denom < 0.0:
            peak += 0.5 * (a - c) / denom * (samplerate / n)
    total = float(np.sum(spec))
    if total <= 0.0:
        return Spectrum(peak, 0.0, 0.0)
    centre = peak if around_hz is None else around_hz
    in_band = np.abs(freqs - centre) <= band_hz
    # Scale spectrum sums to the time-domain mean square (Parseval, window included).
    mean_square = float(np.mean(x64 * x64))
    return Spectrum(peak, mean_square * float(np.sum(spec[in_band])) / total, mean_square)


def tone_envelope(x: Samples, samplerate: float, freq_hz: float) -> Floats:
    """Amplitude of the ``freq_hz`` component over time (complex demodulation, centred).

    The average runs over a whole number of periods (at least DEMOD_MIN_S), which cancels the
    mirror component at 2·freq exactly; a steady sine of amplitude A reads A.
    """
    if x.size == 0:
        return np.zeros(0, dtype=np.float64)
    periods = max(1, math.ceil(DEMOD_MIN_S * freq_hz))
    n = max(1, round(periods * samplerate / freq_hz))
    t = np.arange(x.size, dtype=np.float64) / samplerate
    z = x.astype(np.float64) * np.exp(-2j * np.pi * freq_hz * t)
    kernel = np.full(n, 2.0 / n)
    return np.asarray(np.abs(np.convolve(z, kernel, mode="same")), dtype=np.float64)


def frame_levels(x: Samples, samplerate: float, frame_s: float = ENVELOPE_FRAME_S) -> Floats:
    """RMS amplitude per frame (the broadband envelope used to find where a signal starts)."""
    return np.sqrt(block_mean_squares(x, samplerate, frame_s))


def first_crossing(env: Floats, threshold: float, start: int = 0) -> int | None:
    """Index of the first value ≥ threshold at or after ``start``."""
    hits = np.flatnonzero(env[start:] >= threshold)
    return int(hits[0]) + start if hits.size else None


def cross_correlation_lag(recording: Samples, reference: Samples) -> tuple[int, float]:
    """Lag (samples) where ``reference`` best matches ``recording``, and the normalised peak."""
    n = recording.size + reference.size
    size = 1 << max(1, (n - 1).bit_length())
    rec = np.fft.rfft(recording.astype(np.float64), size)
    ref = np.fft.rfft(reference.astype(np.float64), size)
    corr = np.fft.irfft(rec * np.conj(ref), size)[: recording.size]
    lag = int(np.argmax(np.abs(corr)))
    energy = float(np.sqrt(np.sum(reference.astype(np.float64) ** 2)))
    local = recording[lag : lag + reference.size].astype(np.float64)
    norm = energy * float(np.sqrt(np.sum(local * local)))
    return lag, (float(abs(corr[lag])) / norm if norm > 0.0 else 0.0)


def _faded(x: Floats, samplerate: float, fade_s: float) -> Samples:
    n = min(round(fade_s * samplerate), x.size // 2)
    if n > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x.astype(np.float32)
