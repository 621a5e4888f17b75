"""The switch policy on scripted dominance sequences (pure logic, 48 ms frames)."""

from __future__ import annotations

import pytest

from appliance.agent.follow_policy import OVERVIEW, Decision, FollowPolicy, PolicyParams

FRAME = 0.048


def run(
    policy: FollowPolicy, pattern: list[tuple[float, int | None]], start: float = 0.0
) -> list[Decision]:
    """Feed (seconds, dominant) segments; return the decisions."""
    out = []
    t = start
    for seconds, dominant in pattern:
        end = t + seconds
        while t < end - 1e-9:
            t += FRAME
            d = policy.update(t, dominant)
            if d is not None:
                out.append(d)
    return out


def test_a_talker_is_followed_after_the_minimum_speech_and_the_onset_is_reported() -> None:
    policy = FollowPolicy(8, PolicyParams(overview_after_s=None))
    decisions = run(policy, [(1.0, None), (3.0, 4)])
    assert [d.target for d in decisions] == [4]
    assert 1.0 < decisions[0].onset <= 1.0 + 2 * FRAME  # the first frame of its speech
    assert 0.1 <= decisions[0].t - decisions[0].onset <= 0.3


def test_word_gaps_and_short_bursts_do_not_switch() -> None:
    policy = FollowPolicy(8, PolicyParams(overview_after_s=None))
    run(policy, [(2.0, 1)])
    # another seat: a 0.1 s burst (a cough that looked voiced, a "vâng") between words
    decisions = run(policy, [(0.2, None), (0.1, 5), (0.2, None), (1.0, 1)], start=2.0)
    assert decisions == []
    assert policy.on_air == 1


def test_hysteresis_keeps_the_talker_on_air_during_an_overlap_then_switches() -> None:
    policy = FollowPolicy(8, PolicyParams(overview_after_s=None, hold_s=0.6))
    run(policy, [(3.0, 2)])
    # both talk: dominance alternates frame by frame for 1.2 s, then only seat 6 talks
    overlap = [(FRAME, 2), (FRAME, 6)] * 12
    decisions = run(policy, [*overlap, (2.0, 6)], start=3.0)
    assert [d.target for d in decisions] == [6]
    end_of_overlap = 3.0 + len(overlap) * FRAME
    assert decisions[0].t >= end_of_overlap + 0.5  # waited for the hold after seat 2 stopped


def test_a_new_talker_takes_over_one_who_only_murmurs() -> None:
    policy = FollowPolicy(8, PolicyParams(overview_after_s=None, hold_s=0.6, takeover_s=2.0))
    run(policy, [(3.0, 0)])
    murmur = [(0.45, 7), (FRAME, 0)] * 8  # seat 0 says a word every 0.5 s, seat 7 talks
    decisions = run(policy, murmur, start=3.0)
    assert [(d.target, d.reason) for d in decisions] == [(7, "takeover")]


def test_moves_are_capped() -> None:
    policy = FollowPolicy(8, PolicyParams(overview_after_s=None, min_move_interval_s=3.0))
    decisions = run(policy, [(1.0, 1), (1.0, 2), (1.0, 3), (3.0, 3)])
    assert [d.target for d in decisions] == [1, 3]
    assert decisions[1].t - decisions[0].t >= 3.0


def test_overview_after_silence_and_not_twice() -> None:
    policy = FollowPolicy(8, PolicyParams(overview_after_s=4.0))
    decisions = run(policy, [(2.0, 3), (10.0, None)])
    assert [d.target for d in decisions] == [3, OVERVIEW]
    assert decisions[1].t - (2.0) == pytest.approx(4.0, abs=2 * FRAME)


def test_bad_parameters_and_seats() -> None:
    with pytest.raises(ValueError, match="switch_fraction"):
        PolicyParams(switch_fraction=0.0)
    with pytest.raises(ValueError, match="min_speech_s"):
        PolicyParams(min_speech_s=3.0, takeover_s=1.0)
    with pytest.raises(ValueError, match="outside"):
        FollowPolicy(4).update(0.0, 4)
