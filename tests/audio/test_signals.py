"""Pure signal code: level figures, frequency and onset detection, the loopback verdict."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.audio import signals, verdict
from drivers.audio.results import SILENCE_FLOOR_DBFS, LoopbackIssue, LoopbackResult, LoopbackStatus
from drivers.audio.signals import Samples

FS = 48_000


def _noise(seconds: float, level_dbfs: float, seed: int = 1) -> Samples:
    rng = np.random.default_rng(seed)
    # Gaussian noise with mean square ms reads 10·log10(ms) + 3.01 dBFS (AES17).
    ms = 10 ** ((level_dbfs - 3.0103) / 10)
    return (rng.standard_normal(round(seconds * FS)) * np.sqrt(ms)).astype(np.float32)


@pytest.mark.parametrize("dbfs", [0.0, -6.0206, -20.0, -45.5])
def test_sine_reads_its_level_as_rms_and_peak(dbfs: float) -> None:
    x = signals.tone(997.0, 10 ** (dbfs / 20), 1.0, FS, fade_s=0.0)
    r = signals.analyze_levels(x, FS)
    assert r.rms_dbfs == pytest.approx(dbfs, abs=0.01)
    assert r.peak_dbfs == pytest.approx(dbfs, abs=0.01)
    assert r.seconds == pytest.approx(1.0)


def test_silence_is_finite_and_noise_floor_finds_the_quiet_part() -> None:
    quiet = _noise(0.5, -60.0)
    loud = signals.tone(440.0, 0.5, 1.5, FS)
    r = signals.analyze_levels(np.concatenate([loud[: FS // 2], quiet, loud]), FS)
    assert r.noise_floor_dbfs == pytest.approx(-60.0, abs=1.0)  # 10th percentile = the quiet 20 %
    assert r.rms_dbfs > -8.0
    zero = signals.analyze_levels(np.zeros(FS, np.float32), FS)
    assert zero.rms_dbfs == zero.peak_dbfs == SILENCE_FLOOR_DBFS
    assert signals.analyze_levels(np.zeros(0, np.float32), FS).noise_floor_dbfs is None


def test_clipping_ratio_counts_samples_at_full_scale() -> None:
    x = np.clip(signals.tone(997.0, 2.0, 1.0, FS, fade_s=0.0), -1.0, 1.0)
    ratio = signals.analyze_levels(x, FS).clipping_ratio
    # |2 sin| ≥ 0.999 for all but the part of each period where |sin| < 0.4995: 2/3 of it.
    assert ratio == pytest.approx(2 / 3, abs=0.01)
    assert signals.analyze_levels(x * 0.5, FS).clipping_ratio == 0.0


@pytest.mark.parametrize("freq", [440.0, 997.0, 1000.0, 3150.5])
def test_dominant_frequency_is_sub_bin_accurate(freq: float) -> None:
    x = signals.tone(freq, 0.3, 0.3, FS) + _noise(0.3, -50.0)
    spec = signals.dominant_frequency(x, FS, band_hz=20.0)
    assert spec.peak_hz == pytest.approx(freq, abs=0.5)  # the bin is 3.3 Hz wide
    assert spec.band_snr_db == pytest.approx(39.5, abs=2.0)  # -10.5 dBFS tone over -50 dBFS noise


def test_envelope_and_chirp_correlation_find_the_onset() -> None:
    delay = 12_345
    x = np.concatenate([np.zeros(delay, np.float32), signals.tone(1000.0, 0.2, 0.2, FS)])
    env = signals.tone_envelope(x, FS, 1000.0)
    assert float(np.median(env[delay + 2000 : delay + 4000])) == pytest.approx(0.2, rel=1e-3)
    ref = signals.chirp(300.0, 6000.0, 0.5, 0.1, FS)
    rec = np.concatenate([_noise(0.3, -40.0), 0.1 * ref, _noise(0.2, -40.0)])
    lag, score = signals.cross_correlation_lag(rec, ref)
    assert lag == round(0.3 * FS)
    assert score > 0.9


def _recording(tone_dbfs: float | None, freq: float = 1000.0, noise_dbfs: float = -60.0) -> Samples:
    """0.3 s room noise, then (after 5 ms latency) a 0.5 s tone, then 0.3 s of noise."""
    x = _noise(1.105, noise_dbfs)
    if tone_dbfs is not None:
        start = round(0.305 * FS)
        t = signals.tone(freq, 10 ** (tone_dbfs / 20), 0.5, FS)
        x[start : start + t.size] += t
    return x


def _judge(x: Samples) -> LoopbackResult:
    result, onset = verdict.evaluate(x, FS, freq_hz=1000.0, preroll_end=round(0.3 * FS), tone_s=0.5)
    latency = None if onset is None else (onset - 0.3 * FS) / FS * 1000.0
    return verdict.with_latency(result, latency)


def test_verdict_pass_with_level_snr_and_latency() -> None:
    r = _judge(_recording(-6.0))
    assert r.status is LoopbackStatus.PASS, r.issues
    assert r.freq_hz == pytest.approx(1000.0, abs=0.5)
    assert r.level_dbfs == pytest.approx(-6.0, abs=0.1)
    assert r.snr_db == pytest.approx(54.0, abs=1.0)
    assert r.latency_ms == pytest.approx(5.0, abs=0.5)


def test_verdict_failures() -> None:
    silent = _judge(np.zeros(FS, np.float32))
    assert (silent.status, silent.issues) == (LoopbackStatus.FAIL, (LoopbackIssue.SILENCE,))
    unheard = _judge(_recording(None))
    assert unheard.issues == (LoopbackIssue.NOT_HEARD,)
    assert unheard.status is LoopbackStatus.FAIL
    assert unheard.noise_dbfs == pytest.approx(-60.0, abs=0.5)
    # 48 kHz audio played at 44.1 kHz: our 1 kHz comes back at 918.75 Hz.
    wrong = _judge(_recording(-6.0, freq=918.75))
    assert wrong.issues == (LoopbackIssue.WRONG_FREQUENCY,)
    assert wrong.status is LoopbackStatus.FAIL
    assert wrong.freq_hz == pytest.approx(918.75, abs=1.0)


def test_verdict_warnings() -> None:
    clipped = _recording(+6.0)
    np.clip(clipped, -1.0, 1.0, out=clipped)
    r = _judge(clipped)
    assert r.status is LoopbackStatus.WARN
    assert LoopbackIssue.CLIPPING in r.issues
    assert r.clipping_ratio > 0.1
    quiet = _judge(_recording(-55.0, noise_dbfs=-90.0))
    assert quiet.issues == (LoopbackIssue.LOW_LEVEL,)
    noisy = _judge(_recording(-20.0, noise_dbfs=-32.0))
    assert noisy.status is LoopbackStatus.WARN
    assert LoopbackIssue.LOW_SNR in noisy.issues
    assert noisy.snr_db == pytest.approx(12.0, abs=1.0)
    late = verdict.with_latency(_judge(_recording(-6.0)), verdict.LATENCY_WARN_MS + 1)
    assert (late.status, late.issues) == (LoopbackStatus.WARN, (LoopbackIssue.HIGH_LATENCY,))
