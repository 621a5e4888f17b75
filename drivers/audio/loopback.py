"""Acoustic loopback test: play a tone on the room speaker, record it with the room microphone.

    result = await loopback_test("Room Speaker", "Room Mic")
    result.status, result.freq_hz, result.level_dbfs, result.snr_db, result.latency_ms

How it runs (PLATFORM.md Media 1, all observed on PortAudio 19.6 → ALSA → PulseAudio):
- two SEPARATE streams — full-duplex streams abort at random on 19.6 (PortAudio #758);
- the microphone opens first and we wait for its first block before playing (its start-up
  takes 0.03–2 s), then record ``preroll_s`` of room noise as the SNR reference;
- stream latency 0.1 s (lower underruns), and the played signal is padded with 2×latency of
  silence because closing an output stream drops about one latency of queued audio;
- the microphone keeps recording ``tail_s`` after the speaker finished;
- latency uses ``time.monotonic()`` stamps taken in the callbacks, never callback counts:
  a sample's capture time is bounded by every later callback's stamp, and the tightest bound
  (the minimum over callbacks) gives the microphone's clock.

Optionally a short chirp precedes the tone: its cross-correlation peak times the arrival
more sharply than the tone's envelope (useful in reverberant rooms).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np

from drivers.audio import _sd, signals, verdict
from drivers.audio.devices import AudioDevice, DeviceKind, claim, resolve
from drivers.audio.levels import SAMPLE_RATE_HZ, STREAM_LATENCY_S
from drivers.audio.results import LoopbackResult, LoopbackTimings
from drivers.audio.signals import Samples
from drivers.errors import DeviceTimeoutError
from drivers.supervision import open_in_thread

log = logging.getLogger(__name__)

TONE_HZ: Final = 1000.0
TONE_AMPLITUDE: Final = 0.5  # -6 dBFS: loud enough to be heard, far from clipping
TONE_S: Final = 0.5
PREROLL_S: Final = 0.25
TAIL_S: Final = 0.2
INPUT_START_TIMEOUT_S: Final = 5.0  # first microphone block (normally 0.03–2 s)
PLAY_MARGIN_S: Final = 3.0  # playback may take this much longer than the signal
CHIRP_S: Final = 0.1
CHIRP_FROM_HZ: Final = 300.0
CHIRP_TO_HZ: Final = 6000.0
CHIRP_GAP_S: Final = 0.1  # silence between chirp and tone (the chirp's echoes die down)
CHIRP_MIN_CORRELATION: Final = 0.3  # below this the chirp was not found; use the tone onset


@dataclass(frozen=True)
class LoopbackParams:
    """Everything that shapes one test; the defaults are the readiness check's."""

    freq_hz: float = TONE_HZ
    amplitude: float = TONE_AMPLITUDE
    tone_s: float = TONE_S
    chirp: bool = False
    samplerate: int = SAMPLE_RATE_HZ
    latency_s: float = STREAM_LATENCY_S
    preroll_s: float = PREROLL_S
    tail_s: float = TAIL_S
    input_start_timeout_s: float = INPUT_START_TIMEOUT_S
    play_margin_s: float = PLAY_MARGIN_S

    def __post_init__(self) -> None:
        """Reject nonsense with a clear ``ValueError`` (the control API answers 422)."""
        limits: dict[str, tuple[float, float]] = {
            "samplerate": (8000, 192_000),
            "freq_hz": (20.0, self.samplerate / 2 - 1000.0),
            "amplitude": (1e-4, 1.0),
            "tone_s": (0.1, 10.0),
            "latency_s": (0.01, 1.0),
            "preroll_s": (0.05, 5.0),
            "tail_s": (0.0, 5.0),
            "input_start_timeout_s": (0.01, 60.0),
            "play_margin_s": (0.0, 60.0),
        }
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"loopback {name}={value} is outside {low:g}…{high:g}")


async def loopback_test(
    output: AudioDevice | str,
    input: AudioDevice | str,  # the contract's name (INTERFACES.md), shadows a builtin
    params: LoopbackParams | None = None,
    **overrides: float | bool,
) -> LoopbackResult:
    """Play a tone on ``output``, record ``input``, judge the recording (see ``verdict``).

    Keyword overrides set single :class:`LoopbackParams` fields
    (``loopback_test(spk, mic, freq_hz=800, chirp=True)``); bad values raise ``ValueError``
    before anything plays. Raises ``DeviceUnavailableError``
    when a device is missing or busy, ``DeviceTimeoutError`` when the microphone delivers no
    audio or playback stalls. A dead microphone or an unheard tone is a FAIL result, not
    an error.
    """
    try:
        p = replace(params or LoopbackParams(), **overrides)  # type: ignore[arg-type]
    except TypeError as exc:  # an unknown keyword
        raise ValueError(f"loopback test: {exc}") from None
    spk = await resolve(output, DeviceKind.OUTPUT)
    mic = await resolve(input, DeviceKind.INPUT)
    with (
        claim(spk, DeviceKind.OUTPUT, "loopback test"),
        claim(mic, DeviceKind.INPUT, "loopback test"),
    ):
        run = _Run(spk, mic, p)
        await run.record()
    return run.judge()


@dataclass
class _Capture:
    """Microphone blocks with their callback stamps (PortAudio thread appends, we read)."""

    blocks: list[Samples] = field(default_factory=list)
    stamps: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, samples so far)
    total: int = 0


class _Run:
    def __init__(self, spk: AudioDevice, mic: AudioDevice, p: LoopbackParams) -> None:
        self.spk, self.mic, self.p = spk, mic, p
        fs = p.samplerate
        self.chirp = (
            signals.chirp(CHIRP_FROM_HZ, CHIRP_TO_HZ, p.amplitude, CHIRP_S, fs) if p.chirp else None
        )
        lead = [self.chirp, np.zeros(round(CHIRP_GAP_S * fs), np.float32)] if p.chirp else []
        self.tone_offset = sum(a.size for a in lead if a is not None)
        pad = np.zeros(round(2 * p.latency_s * fs), np.float32)
        tone = signals.tone(p.freq_hz, p.amplitude, p.tone_s, fs)
        self.signal = np.concatenate([*(a for a in lead if a is not None), tone, pad])
        self.capture = _Capture()
        self.lock = threading.Lock()
        self.pos = 0
        self.t_out_first: float | None = None
        self.timings: dict[str, float] = {}

    async def record(self) -> None:
        loop = asyncio.get_running_loop()
        first_in, played = asyncio.Event(), asyncio.Event()
        p = self.p

        def wake(event: asyncio.Event) -> None:
            with contextlib.suppress(RuntimeError):  # loop closed: we are shutting down
                loop.call_soon_threadsafe(event.set)

        def on_input(block: Samples, t: float, _overflow: bool) -> None:
            with self.lock:
                self.capture.blocks.append(block[:, 0])
                self.capture.total += block.shape[0]
                self.capture.stamps.append((t, self.capture.total))
            if len(self.capture.stamps) == 1:
                wake(first_in)

        def on_output(out: Samples, t: float) -> bool:
            if self.t_out_first is None:
                self.t_out_first = t
            n = min(out.shape[0], self.signal.size - self.pos)
            out[:n] = self.signal[self.pos : self.pos + n, None]
            out[n:] = 0.0
            self.pos += n
            return self.pos >= self.signal.size

        t0 = time.monotonic()
        # open_in_thread: a cancel mid-open closes the stream instead of leaking it
        # (a leaked one stays counted open and blocks device re-scans: _sd.reinitialize).
        mic_stream = await open_in_thread(
            functools.partial(
                _sd.open_input,
                self.mic.index,
                self.mic.name,
                samplerate=p.samplerate,
                channels=1,
                latency_s=p.latency_s,
                handler=on_input,
            ),
            _sd.Stream.close,
        )
        try:
            await self._wait(
                first_in, p.input_start_timeout_s, self.mic.name, "no audio from the microphone"
            )
            t1 = time.monotonic()
            await asyncio.sleep(p.preroll_s)
            t2 = time.monotonic()
            spk_stream = await open_in_thread(
                functools.partial(
                    _sd.open_output,
                    self.spk.index,
                    self.spk.name,
                    samplerate=p.samplerate,
                    channels=1,
                    latency_s=p.latency_s,
                    handler=on_output,
                    on_finished=lambda: wake(played),
                ),
                _sd.Stream.close,
            )
            try:
                budget = self.signal.size / p.samplerate + p.play_margin_s
                await self._wait(played, budget, self.spk.name, "playback stalled")
            finally:
                await asyncio.to_thread(spk_stream.close)
            t3 = time.monotonic()
            await asyncio.sleep(p.tail_s)
        finally:
            await asyncio.to_thread(mic_stream.close)
        t4 = time.monotonic()
        self.timings = {
            "input_start_s": t1 - t0,
            "preroll_s": t2 - t1,
            "play_s": t3 - t2,
            "tail_s": t4 - t3,
        }

    @staticmethod
    async def _wait(event: asyncio.Event, timeout_s: float, device: str, what: str) -> None:
        try:
            async with asyncio.timeout(timeout_s):  # not wait_for: gh-86296
                await event.wait()
        except TimeoutError:
            raise DeviceTimeoutError(
                device, f"{what} within {timeout_s:.1f} s", operation="loopback test"
            ) from None

    def judge(self) -> LoopbackResult:
        t_start = time.monotonic()
        fs = float(self.p.samplerate)
        with self.lock:
            blocks, stamps = list(self.capture.blocks), list(self.capture.stamps)
        recording = np.concatenate(blocks) if blocks else np.zeros(0, np.float32)
        # Capture time of sample i ≈ i/fs + offset (tightest bound over all callbacks).
        offset = min((t - n / fs for t, n in stamps), default=0.0)
        t_out = self.t_out_first if self.t_out_first is not None else offset
        preroll_end = int((t_out - offset) * fs)
        tone_start = self._chirp_arrival(recording, preroll_end)
        result, onset = verdict.evaluate(
            recording,
            fs,
            freq_hz=self.p.freq_hz,
            preroll_end=preroll_end,
            tone_start=None if tone_start is None else tone_start - preroll_end,
            tone_s=self.p.tone_s,
        )
        latency_ms: float | None = None
        if tone_start is not None and self.chirp is not None:
            latency_ms = ((tone_start - self.tone_offset) / fs + offset - t_out) * 1000.0
        elif onset is not None:
            latency_ms = (onset / fs + offset - t_out - self.tone_offset / fs) * 1000.0
        if latency_ms is not None:
            # Both clocks are bounds good to a few ms; a path faster than that (a null sink)
            # can come out slightly negative, which is physically meaningless.
            latency_ms = max(0.0, latency_ms)
        result = verdict.with_latency(result, latency_ms)
        analysis_s = time.monotonic() - t_start
        timings = LoopbackTimings(
            **self.timings,
            analysis_s=analysis_s,
            total_s=sum(self.timings.values()) + analysis_s,
        )
        log.debug("loopback %s → %s: %s", self.spk.name, self.mic.name, result)
        return replace(result, timings=timings)

    def _chirp_arrival(self, recording: Samples, preroll_end: int) -> int | None:
        """Sample index where the tone starts, from the chirp's correlation peak."""
        if self.chirp is None or recording.size <= preroll_end + self.chirp.size:
            return None
        lag, score = signals.cross_correlation_lag(recording[preroll_end:], self.chirp)
        if score < CHIRP_MIN_CORRELATION:
            log.debug("chirp not found (correlation %.2f)", score)
            return None
        return preroll_end + lag + self.tone_offset
