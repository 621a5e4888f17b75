"""The hub's garbage-collector watch and freeze (appliance/hub/gcwatch.py): the freeze
policy against the real collector, and ``appliance hub serve`` freezing by default."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from appliance.hub.gcwatch import GC_THRESHOLDS, GC_WATCH, keep_frozen
from appliance.hub.settings import DB_FILE
from appliance.hub.store import Store
from drivers.supervision import cancel_and_wait
from tests.support.hub import TEST_PASSWORD, free_port, hub_process, until


@pytest.fixture
def thawed() -> Iterator[None]:
    """gc.freeze is process-wide: give this test process its collector back after."""
    try:
        yield
    finally:
        gc.unfreeze()


async def test_frozen_at_start_then_after_the_links_grow_and_settle(thawed: None) -> None:
    links = 0
    before = GC_WATCH.freezes
    thresholds = gc.get_threshold()
    assert thresholds != GC_THRESHOLDS
    task = asyncio.create_task(keep_frozen(lambda: links, check_s=0.01, refreeze_s=3600))
    try:
        await until(lambda: GC_WATCH.freezes == before + 1, 10)
        assert gc.get_freeze_count() > 0
        assert GC_WATCH.frozen > 0
        assert gc.get_threshold() == GC_THRESHOLDS  # the young passes made rarer meanwhile
        links = 150  # FREEZE_MIN_NEW+ new links that stay: frozen again once they held still
        await until(lambda: GC_WATCH.freezes == before + 2, 10)
    finally:
        await cancel_and_wait(task, what="gc freeze")
    assert gc.get_threshold() == thresholds  # given back when the hub stops


async def test_refrozen_every_refreeze_period_to_collect_what_the_last_freeze_held(
    thawed: None,
) -> None:
    before = GC_WATCH.freezes
    task = asyncio.create_task(keep_frozen(lambda: 0, check_s=0.01, refreeze_s=0.05))
    try:
        await until(lambda: GC_WATCH.freezes >= before + 3, 10)
    finally:
        await cancel_and_wait(task, what="gc freeze")


async def test_hub_serve_freezes_by_default(tmp_path: Path) -> None:
    state, port = tmp_path / "hub", free_port()
    with hub_process(state, port):
        store = await Store.open(f"sqlite:///{state / DB_FILE}", upgrade=False)
        try:
            user = await store.create_user("gc-admin", TEST_PASSWORD, "admin")
            token, _ = await store.create_api_token(user.id, "gc")
        finally:
            await store.close()
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ) as api:

            async def frozen() -> bool:
                stats = (await api.get("/api/v1/link/stats")).json()
                return bool(stats["gc_frozen"] > 0)

            await until(frozen, 30, step_s=0.1)
