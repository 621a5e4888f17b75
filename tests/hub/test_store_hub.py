"""The hub on each storage backend (SQLite file, real PostgreSQL), end to end on
loopback: enrolment over HTTP, a simulated agent's link, events and a check result
stored and acknowledged, presence flushed to the database, re-enrolment keeping the
room's row, the audit row of a command.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from appliance.hub.db.records import RoomIn
from appliance.hub.simagent import SimAgent
from tests.support.hub import enrol, running_hub, until
from tests.support.hubdb import hub_pg_template, hub_sqlite_template, migrated_url, postgres

# fixtures, re-exported for pytest
__all__ = ["hub_pg_template", "hub_sqlite_template", "migrated_url", "postgres"]


async def test_hub_runs_on_the_backend(migrated_url: str, tmp_path: Path) -> None:
    async with running_hub(tmp_path / "hub", db_url=migrated_url, presence_flush_s=0.2) as hub:
        assert hub.store.dialect == (
            "sqlite" if migrated_url.startswith("sqlite") else "postgresql"
        )
        await hub.store.add_room(RoomIn(id="r1", name="Phòng 1", district="d1"))
        secret = await enrol(hub.base_url, hub.store, "r1")
        agent = SimAgent("r1", secret, hub.link_url, heartbeat_s=0.1)
        try:
            await agent.start()
            await agent.emit("device", {"id": "cam1", "state": "ready"})
            run = {"run_id": "run-1", "status": "finished", "overall": "pass", "results": []}
            last = await agent.emit("check.result", run)
            await until(lambda: agent.acked >= last, 20)
            assert await hub.store.last_event_id("r1") == last
            result = await hub.store.get_check_result("r1", "run-1")
            assert result is not None
            assert result.overall == "pass"

            async def flushed() -> bool:
                room = await hub.store.get_room("r1")
                return room is not None and room.last_seen_at is not None and room.devices != []

            await until(flushed, 20)
            user = await hub.store.create_user("an", "mật khẩu đủ dài 2026", "operator")
            token, _ = await hub.store.create_api_token(user.id, "t")
            async with httpx.AsyncClient(
                base_url=hub.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=20
            ) as client:
                resp = await client.post("/api/v1/rooms/r1/cameras/cam1/power", json={"on": True})
                assert resp.status_code == 200, resp.text
            rows = await hub.store.list_audit(room_id="r1", who="an (token t)")
            assert [(r.action, r.outcome) for r in rows] == [("camera.power", "ok")]
        finally:
            await agent.stop()
        # Re-enrolment: a new secret, the same single row, the old secret refused.
        new_secret = await enrol(hub.base_url, hub.store, "r1")
        assert await hub.store.room_for_secret(secret) is None
        assert await hub.store.room_for_secret(new_secret) == "r1"
        assert [r.id for r in await hub.store.list_rooms()] == ["r1"]
