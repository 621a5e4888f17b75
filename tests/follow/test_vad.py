"""The per-channel detector on real synthesised speech (espeak-ng), noise and coughs.

Signals are built with the meeting simulator's own renderer (the same room acoustics the
acceptance test plays through PulseAudio), fed straight to the detector: no sound server.
"""

from __future__ import annotations

import numpy as np
import pytest

from drivers.audio.meeting_sim import MeetingRenderer, MeetingScript, Sound, Turn, synthesize
from drivers.audio.vad import VadParams, VoiceActivityDetector
from tests.follow.conftest import need_espeak

FS = 16_000


def _frames(renderer: MeetingRenderer) -> list:  # type: ignore[type-arg]
    vad = VoiceActivityDetector(renderer.script.seats, FS)
    x = renderer.block(0, renderer.total_samples)
    return vad.feed(x, renderer.total_samples / FS)


def _script(
    turns: tuple[Turn, ...], sounds: tuple[Sound, ...] = (), crosstalk_db: float = -12.0
) -> MeetingScript:
    return MeetingScript(
        seats=4, duration_s=8.0, turns=turns, sounds=sounds, crosstalk_db=crosstalk_db
    )


def test_speech_dominates_its_own_channel_not_the_neighbours_crosstalk() -> None:
    need_espeak()
    script = _script((Turn(1, 1.0, 6.0, ("Tôi xin phát biểu về kế hoạch ngân sách năm nay",)),))
    frames = _frames(MeetingRenderer(script))
    during = [f for f in frames if 1.2 <= f.t <= 5.5]
    dominant = [f.dominant for f in during if f.dominant is not None]
    assert len(dominant) >= 0.4 * len(during), "speech found in too few frames"
    assert set(dominant) == {1}, f"crosstalk took over: {sorted(set(dominant))}"
    # The neighbours hear the voice (voiced, above their floor) but 12 dB weaker.
    leads = [f.lead_db for f in during if f.dominant == 1]
    assert float(np.median(leads)) == pytest.approx(12.0, abs=3.0)
    before = [f for f in frames if f.t < 0.9]
    assert all(f.dominant is None for f in before), "room noise taken for speech"


def test_a_cough_louder_than_speech_is_not_speech() -> None:
    need_espeak()
    script = _script(
        (), (Sound("cough", 2, 2.0, 0.5), Sound("cough", 0, 4.0, 0.4), Sound("rustle", 3, 5.0, 1.0))
    )
    frames = _frames(MeetingRenderer(script))
    loud = [f for f in frames if f.energy_db.max() > -30]
    assert loud, "the coughs were not rendered"
    assert all(not f.speech.any() for f in frames), "a cough or rustle was taken for speech"


def test_two_talkers_at_once_take_turns_at_dominance() -> None:
    need_espeak()
    script = _script(
        (
            Turn(0, 1.0, 7.0, ("Chúng tôi đồng ý với ý kiến của đồng chí chủ tọa",)),
            Turn(3, 1.0, 7.0, ("Tôi đề nghị biểu quyết nội dung này",)),
        )
    )
    frames = _frames(MeetingRenderer(script))
    seen = {f.dominant for f in frames if f.dominant is not None}
    assert seen == {0, 3}


def test_voicing_of_speech_and_noise() -> None:
    need_espeak()
    speech = synthesize("Xin chào các đại biểu", seat=2)
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.05, speech.size).astype(np.float32)
    vad = VoiceActivityDetector(2, FS)
    frames = vad.feed(np.stack([speech, noise], axis=1), 1.0)
    voicing = np.array([f.voicing for f in frames])
    loud = np.abs(speech[: len(frames) * vad.frame_len]).reshape(len(frames), -1).max(axis=1) > 0.05
    assert np.median(voicing[loud, 0]) > 0.6
    assert np.percentile(voicing[:, 1], 99) < VadParams().voicing


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channels": 0, "samplerate": FS}, "channels"),
        ({"channels": 2, "samplerate": 100}, "samplerate"),
    ],
)
def test_bad_detector_arguments(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        VoiceActivityDetector(**kwargs)


def test_a_block_with_the_wrong_channel_count_is_refused() -> None:
    vad = VoiceActivityDetector(8, FS)
    with pytest.raises(ValueError, match=r"expected \(n, 8\)"):
        vad.feed(np.zeros((320, 6), dtype=np.float32), 0.0)
