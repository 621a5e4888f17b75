"""The reliability suite's fuzz settings (issue 13): ≥ 10⁵ inputs per target in CI.

Each hypothesis example draws a *batch* of ``BATCH`` inputs, so ``EXAMPLES × BATCH``
inputs reach a target per run without hypothesis' per-example overhead dominating. Every
target runs twice: once with the fixed seed ``FIXED_SEED`` (reproducible) and once with
a random seed, printed (``-s`` or the failure report shows it) so a failure found by
chance can be replayed with ``FUZZ_SEED=<n>``: 2 × 500 × 100 = 10⁵ inputs per target.
``FUZZ_EXAMPLES`` raises the count for a longer local run.
"""

from __future__ import annotations

import os
import random
from typing import Final

import pytest

FIXED_SEED: Final = 20261203
BATCH: Final = 100
EXAMPLES: Final = int(os.environ.get("FUZZ_EXAMPLES", "500"))  # per seed; × BATCH × 2 seeds


def _random_seed() -> int:
    return int(os.environ.get("FUZZ_SEED", str(random.SystemRandom().randrange(2**32))))


@pytest.fixture(params=["fixed", "random"])
def fuzz_seed(request: pytest.FixtureRequest) -> int:
    seed = FIXED_SEED if request.param == "fixed" else _random_seed()
    print(f"fuzz seed {seed} ({request.param}; replay with FUZZ_SEED={seed})")
    return seed
