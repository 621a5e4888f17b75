"""Run one fuzz target with hypothesis at a given seed: ``run(seed, templates, check)``.

Each hypothesis example draws ``TEMPLATES`` inputs from the target's strategy (the
structure: real message shapes, config-like documents) and hypothesis' own random
generator; every template is fed as drawn and as ``BATCH // TEMPLATES - 1`` mutations
(byte/character flips, insertions, deletions, truncations, splices with another
template). Hypothesis' generation cost is paid once per template instead of once per
input, so ≥ 10⁵ inputs fit in CI's time, and everything stays reproducible from the
seed. ``check`` gets the batch and asserts what must hold for each input; ``run``
returns how many inputs reached the target, for the test to assert the count.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.reliability.conftest import BATCH, EXAMPLES

T = TypeVar("T", str, bytes)
TEMPLATES = 10


def mutate(value: T, other: T, rnd: random.Random) -> T:
    """One random structural mutation of ``value`` (``other`` is a splice partner)."""
    empty = value[:0]
    if not value:
        return other
    i = rnd.randrange(len(value))
    choice = rnd.randrange(6)
    if choice == 0:  # replace one element with a random one
        new: T = (
            bytes((rnd.randrange(256),))
            if isinstance(value, bytes)
            else chr(rnd.randrange(0x20, 0x250))
        )  # type: ignore[assignment]
        return value[:i] + new + value[i + 1 :]
    if choice == 1:  # delete a run
        return value[:i] + value[i + rnd.randrange(1, 8) :]
    if choice == 2:  # duplicate a run
        return value[:i] + value[i : i + rnd.randrange(1, 16)] + value[i:]
    if choice == 3:  # truncate
        return value[:i]
    if choice == 4:  # splice with the other template
        return value[:i] + other[rnd.randrange(len(other) + 1) :] if other else value + empty
    # flip a bit / shift a character
    code = value[i] if isinstance(value, bytes) else ord(value[i])
    code ^= 1 << rnd.randrange(7)
    new = bytes((code,)) if isinstance(value, bytes) else chr(code)  # type: ignore[assignment]
    return value[:i] + new + value[i + 1 :]


def expand(templates: Sequence[T], rnd: random.Random) -> list[T]:
    per = BATCH // len(templates)
    out: list[T] = []
    for template in templates:
        out.append(template)
        for _ in range(per - 1):
            value = template
            for _ in range(rnd.randrange(1, 4)):
                value = mutate(value, rnd.choice(templates), rnd)
            out.append(value)
    return out


def run(fuzz_seed: int, templates: st.SearchStrategy[T], check: Callable[[list[T]], None]) -> int:
    fed = [0]

    @seed(fuzz_seed)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(templates, min_size=TEMPLATES, max_size=TEMPLATES), st.randoms())
    def target(drawn: list[T], rnd: random.Random) -> None:
        batch = expand(drawn, rnd)
        check(batch)
        fed[0] += len(batch)

    target()
    return fed[0]
