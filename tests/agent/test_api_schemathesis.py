"""Acceptance (issue 7): Schemathesis against the agent's own OpenAPI document — every
operation, authenticated, at least 2,000 generated cases (valid and invalid data) — over
real HTTP to an ``appliance agent`` process on simulated hardware (VISCA chain on a pty,
MJPEG cameras, PulseAudio room, Xvfb display). Zero 5xx, zero responses off their
documented status codes, content types and schemas.

Bounded in time: a fixed number of examples per operation, no shrinking, no example
database; camera ids and preset numbers are steered to real ones part of the time so the
cases reach the devices rather than stopping at 404.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from drivers.audio.simulator import RoomAudioSimulator
from tests.agent.conftest import AgentProcess
from tests.agent.sim_room import SimRoomThread, running_sim_agent

MIN_CASES = 2000
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
REQUEST_TIMEOUT_S = 60.0  # a camera move across the range at low speed, or a check run
# Real ids half the time: random strings only ever meet the 404 path.
DEVICE_IDS = {
    "camera_id": ["cam1", "cam2"],
    "device_id": ["mic1", "spk1"],
    "display_id": ["main"],
}


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimRoomThread]:
    with SimRoomThread(tmp_path_factory.mktemp("st-room") / "room") as room:
        yield room


@pytest.fixture(scope="module")
def agent(sim: SimRoomThread, pulse_room: RoomAudioSimulator) -> Iterator[AgentProcess]:
    with running_sim_agent(sim, pulse_room.env(), ["cam1", "cam2", "mic1"]) as proc:
        yield proc


def _path_parameters(operation: Any) -> dict[str, Any]:
    """Fixed real ids for this operation's path parameters (used for half the cases)."""
    names = {p.name for p in operation.path_parameters}
    fixed = {name: DEVICE_IDS[name][0] for name in names if name in DEVICE_IDS}
    if "preset" in names:
        fixed["preset"] = "1"
    return fixed


# ~3.5 min alone on a 2-core machine, more beside other suites: above the suite's 120 s.
@pytest.mark.timeout(900)
@pytest.mark.slow
def test_every_operation_against_its_schema(agent: AgentProcess) -> None:
    raw = httpx.get(
        agent.base_url + "/api/v1/openapi.json", headers=agent.headers(), timeout=10
    ).json()
    schema = schemathesis.openapi.from_dict(raw)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30, "the OpenAPI document lost its operations"
    # Some operations have nothing to make invalid (no parameters, no body): a margin.
    per_mode = math.ceil(1.25 * MIN_CASES / (2 * len(operations)))
    headers = agent.headers()
    counts: dict[str, int] = {}
    for operation in operations:
        label = operation.label
        fixed = _path_parameters(operation)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies = [operation.as_strategy(generation_mode=mode)]
            if fixed and mode is GenerationMode.POSITIVE:
                strategies.append(
                    operation.as_strategy(generation_mode=mode, path_parameters=fixed)
                )

            @settings(
                max_examples=per_mode,
                deadline=None,
                database=None,
                phases=[Phase.generate],  # bounded: no shrinking
                suppress_health_check=list(HealthCheck),
            )
            @given(case=st.one_of(strategies))
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(
                    base_url=agent.base_url,
                    headers=headers,
                    checks=CHECKS,
                    timeout=REQUEST_TIMEOUT_S,
                )
                counts[label] = counts.get(label, 0) + 1  # noqa: B023 - run now, in this loop

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, f"{label}: no valid request generated"
                continue  # nothing in this operation can be made invalid (GET /healthz)
            except Exception as exc:
                raise AssertionError(
                    f"{label} ({mode.value}): {exc}\n{agent.log()[-4000:]}"
                ) from exc
    assert set(counts) == {op.label for op in operations}
    assert sum(counts.values()) >= MIN_CASES, counts
    assert "Traceback" not in agent.log()
