"""The hub's Store on SQLite and on a real PostgreSQL (each test runs on both).

Enrolment (one use, expiry, wrong room, re-enrolment keeps the row), secrets only as
hashes, events stored once in one transaction with their check result, presence flush,
rooms import, scenes, accounts, sessions, API tokens, audit redaction, evidence files.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from appliance.hub.db.engine import normalize_url
from appliance.hub.db.errors import (
    ConflictError,
    EnrolmentRefused,
    EnrolmentRoomMismatch,
    InvalidInputError,
    NotFoundError,
)
from appliance.hub.db.records import PresenceUpdate, RoomIn, SceneIn, SceneItemIn
from appliance.hub.db.rooms_file import parse_rooms, read_rooms_file
from appliance.hub.security.passwords import WeakPasswordError
from appliance.hub.store import Store
from appliance.link.messages import Event
from tests.support.hubdb import (
    hub_pg_template,
    hub_sqlite_template,
    hub_store,
    migrated_url,
    postgres,
)

# fixtures, re-exported for pytest
__all__ = ["hub_pg_template", "hub_sqlite_template", "hub_store", "migrated_url", "postgres"]

PASSWORD = "correct horse battery staple"  # noqa: S105 (a test account)


def _room(rid: str, district: str = "d1") -> RoomIn:
    return RoomIn(id=rid, name=f"Phòng {rid}", district=district)


def _run(run_id: str, *, evidence: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "status": "finished",
        "overall": "pass",
        "results": [
            {"id": "video.cam1", "item": "video", "status": "pass", "evidence": evidence or {}},
        ],
    }


def _dump(url: str) -> str:
    """Every value of every credential-bearing table, as text."""
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            rows = []
            for table in ("agent_secrets", "enrolment_tokens", "sessions", "api_tokens", "users"):
                rows += [repr(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608
            return "\n".join(rows)
    finally:
        engine.dispose()


async def test_enrolment_token_works_once_and_secret_finds_the_room(
    hub_store: Store, migrated_url: str
) -> None:
    await hub_store.add_room(_room("r1"))
    token = await hub_store.issue_enrolment_token("r1")
    secret = await hub_store.enrol(token, "r1", "0.1.0")
    assert await hub_store.room_for_secret(secret) == "r1"
    with pytest.raises(EnrolmentRefused):
        await hub_store.enrol(token, "r1", "0.1.0")
    assert await hub_store.room_for_secret(secret) == "r1"  # the failed retry changed nothing
    assert await hub_store.room_for_secret("x" * 43) is None
    assert await hub_store.room_for_secret("") is None
    assert await hub_store.room_for_secret(None) is None
    room = await hub_store.get_room("r1")
    assert room is not None
    assert room.enrolled
    dump = _dump(migrated_url)
    assert secret not in dump
    assert token not in dump


async def test_token_for_another_room_is_refused_and_stays_usable(hub_store: Store) -> None:
    await hub_store.import_rooms([_room("r1"), _room("r2")])
    token = await hub_store.issue_enrolment_token("r1")
    with pytest.raises(EnrolmentRoomMismatch):
        await hub_store.enrol(token, "r2", "0.1.0")
    secret = await hub_store.enrol(token, "r1", "0.1.0")
    assert await hub_store.room_for_secret(secret) == "r1"
    with pytest.raises(NotFoundError):
        await hub_store.issue_enrolment_token("nope")


async def test_expired_token_is_refused(hub_store: Store, migrated_url: str) -> None:
    await hub_store.add_room(_room("r1"))
    token = await hub_store.issue_enrolment_token("r1", ttl_s=60)
    later = await Store.open(migrated_url, upgrade=False, clock=lambda: time.time() + 61)
    try:
        with pytest.raises(EnrolmentRefused):
            await later.enrol(token, "r1", "0.1.0")
    finally:
        await later.close()
    assert (await hub_store.get_room("r1")).enrolled is False  # type: ignore[union-attr]


async def test_reenrolment_replaces_the_secret_and_keeps_one_row(hub_store: Store) -> None:
    await hub_store.add_room(_room("r1"))
    first = await hub_store.enrol(await hub_store.issue_enrolment_token("r1"), "r1", "0.1.0")
    second = await hub_store.enrol(await hub_store.issue_enrolment_token("r1"), "r1", "0.2.0")
    assert first != second
    assert await hub_store.room_for_secret(first) is None
    assert await hub_store.room_for_secret(second) == "r1"
    assert [r.id for r in await hub_store.list_rooms()] == ["r1"]


async def test_concurrent_enrolments_with_one_token_give_one_secret(hub_store: Store) -> None:
    await hub_store.add_room(_room("r1"))
    token = await hub_store.issue_enrolment_token("r1")
    outcomes = await asyncio.gather(
        *(hub_store.enrol(token, "r1", "0.1.0") for _ in range(6)), return_exceptions=True
    )
    secrets_ = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if isinstance(o, EnrolmentRefused)]
    assert (len(secrets_), len(refused)) == (1, 5), outcomes
    assert await hub_store.room_for_secret(secrets_[0]) == "r1"


async def test_events_are_stored_once_with_their_check_result(hub_store: Store) -> None:
    await hub_store.add_room(_room("r1"))
    assert await hub_store.last_event_id("r1") == 0
    now = time.time()
    events = [
        Event(id=1, at=now, kind="device", data={"id": "cam1", "state": "ready"}),
        Event(id=2, at=now, kind="check.progress", data={"run_id": "a", "done": 1, "total": 2}),
        Event(
            id=3,
            at=now,
            kind="check.result",
            data=_run(
                "a",
                evidence={
                    "snapshot": "/var/lib/appliance/checks/evidence/a/video.cam1.jpg",
                    "levels": "-20 dB",
                },
            ),
        ),
    ]
    assert await hub_store.save_events("r1", events) == 3
    # A resend after a lost ack overlaps what is stored: nothing twice, the new one kept.
    resend = [*events[1:], Event(id=5, at=now, kind="health", data={"health": "healthy"})]
    assert await hub_store.save_events("r1", resend) == 5  # a gap (4) is allowed
    assert await hub_store.save_events("r1", []) == 5
    assert await hub_store.last_event_id("r1") == 5
    stored = await hub_store.list_events("r1")
    assert [e.event_id for e in stored] == [1, 2, 3, 5]
    results = await hub_store.list_check_results("r1")
    assert [(r.run_id, r.event_id, r.overall) for r in results] == [("a", 3, "pass")]
    assert [(e.item_id, e.name, e.path) for e in results[0].evidence] == [
        ("video.cam1", "video.cam1.jpg", None)
    ]
    with pytest.raises(NotFoundError):
        await hub_store.save_events("nope", events)
    with pytest.raises(NotFoundError):
        await hub_store.last_event_id("nope")


async def test_a_batch_that_fails_stores_nothing(hub_store: Store) -> None:
    await hub_store.add_room(_room("r1"))
    now = time.time()
    await hub_store.save_events("r1", [Event(id=1, at=now, kind="device", data={})])
    # Event 3's data cannot be written as JSON: the whole batch (2 with its result, 3)
    # must roll back, so the agent's resend of 2..3 is not skipped later.
    bad = [
        Event(id=2, at=now, kind="check.result", data=_run("b")),
        Event(id=3, at=now, kind="device", data={"x": object()}),
    ]
    with pytest.raises(Exception, match=r"JSON|serializ|adapt"):
        await hub_store.save_events("r1", bad)
    assert await hub_store.last_event_id("r1") == 1
    assert [e.event_id for e in await hub_store.list_events("r1")] == [1]
    assert await hub_store.list_check_results("r1") == []
    assert await hub_store.save_events("r1", bad[:1]) == 2


async def test_presence_flush_updates_many_rooms_in_one_batch(hub_store: Store) -> None:
    await hub_store.import_rooms([_room("r1"), _room("r2")])
    seen = time.time()
    devices = [{"id": "cam1", "kind": "camera", "state": "ready"}]
    n = await hub_store.flush_presence(
        [
            PresenceUpdate(
                "r1", seen, "healthy", devices=devices, agent_version="0.1", boot_id="b1"
            ),
            PresenceUpdate("r2", seen - 5, "error"),
            PresenceUpdate("ghost", seen, "healthy"),  # deleted meanwhile: skipped
        ]
    )
    assert n == 2
    r1, r2 = await hub_store.list_rooms()
    assert (r1.health, r1.devices, r1.agent_version, r1.boot_id) == (
        "healthy",
        devices,
        "0.1",
        "b1",
    )
    assert r1.last_seen_at == pytest.approx(seen)
    assert (r2.health, r2.devices) == ("error", [])
    # A later flush without devices keeps the stored ones.
    await hub_store.flush_presence([PresenceUpdate("r1", seen + 15, "warning")])
    r1 = await hub_store.get_room("r1")  # type: ignore[assignment]
    assert (r1.health, r1.devices) == ("warning", devices)


async def test_rooms_import_adds_updates_and_filters(hub_store: Store, tmp_path: Path) -> None:
    csv_file = tmp_path / "rooms.csv"
    csv_file.write_text(
        "\ufeffdistrict,id,name,note\nTP Huế,hue-01,Phòng họp số 1,x\n\nPhú Vang,pv-01,UBND huyện,\n",
        encoding="utf-8",
    )
    report = await hub_store.import_rooms(read_rooms_file(csv_file))
    assert (report.added, report.updated) == (["hue-01", "pv-01"], [])
    yaml_rows = parse_rooms(
        "rooms:\n  - {id: hue-01, name: Phòng họp lớn, district: TP Huế}\n"
        "  - {id: pv-01, name: UBND huyện, district: Phú Vang}\n"
        "  - {id: 2024, name: Số, district: Phú Vang}\n",
        "yaml",
    )
    report = await hub_store.import_rooms(yaml_rows)
    assert (report.added, report.updated, report.unchanged) == (["2024"], ["hue-01"], ["pv-01"])
    assert [r.id for r in await hub_store.list_rooms(district="Phú Vang")] == ["2024", "pv-01"]
    assert [r.id for r in await hub_store.list_rooms(districts=["TP Huế"])] == ["hue-01"]
    assert [r.id for r in await hub_store.list_rooms(room_ids=["pv-01", "x"])] == ["pv-01"]
    assert (await hub_store.get_room("hue-01")).name == "Phòng họp lớn"  # type: ignore[union-attr]
    with pytest.raises(ConflictError):
        await hub_store.add_room(_room("pv-01"))


def test_bad_rooms_files_name_the_line() -> None:
    with pytest.raises(InvalidInputError, match="line 3: id"):
        parse_rooms("id,name,district\nok,A,d\nbad id!,B,d\n", "csv")
    with pytest.raises(InvalidInputError, match="lacks column"):
        parse_rooms("id,name\nr1,A\n", "csv")
    with pytest.raises(InvalidInputError, match="listed twice: r1"):
        parse_rooms("id,name,district\nr1,A,d\nr1,B,d\n", "csv")
    with pytest.raises(InvalidInputError, match="room 2"):
        parse_rooms("- {id: r1, name: A, district: d}\n- {id: r2, district: d}\n", "yaml")
    with pytest.raises(InvalidInputError, match="not YAML"):
        parse_rooms("- [unclosed\n", "yaml")


async def test_a_bad_import_changes_nothing(hub_store: Store) -> None:
    await hub_store.add_room(_room("r1"))
    with pytest.raises(InvalidInputError, match="twice"):
        await hub_store.import_rooms([_room("r2"), _room("r2", "d2")])
    assert [r.id for r in await hub_store.list_rooms()] == ["r1"]


async def test_maintenance_and_delete_room(hub_store: Store) -> None:
    await hub_store.add_room(_room("r1"))
    await hub_store.enrol(await hub_store.issue_enrolment_token("r1"), "r1", "1")
    await hub_store.save_events("r1", [Event(id=1, at=1.0, kind="check.result", data=_run("a"))])
    assert (await hub_store.set_maintenance("r1", True)).maintenance
    await hub_store.delete_room("r1")
    assert await hub_store.get_room("r1") is None
    with pytest.raises(NotFoundError):
        await hub_store.set_maintenance("r1", False)


async def test_scenes_crud(hub_store: Store) -> None:
    await hub_store.import_rooms([_room("r1"), _room("r2")])
    scene = SceneIn(
        name="Khai mạc",
        items=[
            SceneItemIn(room_id="r1", camera="cam1", preset="1"),
            SceneItemIn(room_id="r2", camera="cam1", preset="chủ tọa"),
        ],
    )
    created = await hub_store.create_scene(scene, by="an")
    assert [(i.room_id, i.preset) for i in created.items] == [("r1", "1"), ("r2", "chủ tọa")]
    with pytest.raises(ConflictError):
        await hub_store.create_scene(scene)
    with pytest.raises(InvalidInputError, match="ghost"):
        await hub_store.create_scene(
            SceneIn(name="x", items=[SceneItemIn(room_id="ghost", camera="c", preset="1")])
        )
    updated = await hub_store.update_scene(
        created.id,
        SceneIn(name="Khai mạc", items=[SceneItemIn(room_id="r2", camera="cam2", preset="2")]),
    )
    assert [(i.room_id, i.camera) for i in updated.items] == [("r2", "cam2")]
    assert [s.name for s in await hub_store.list_scenes()] == ["Khai mạc"]
    await hub_store.delete_scene(created.id)
    assert await hub_store.get_scene(created.id) is None
    with pytest.raises(NotFoundError):
        await hub_store.delete_scene(created.id)


async def test_users_sessions_and_api_tokens(hub_store: Store, migrated_url: str) -> None:
    with pytest.raises(WeakPasswordError):
        await hub_store.create_user("an", "short", "operator")
    with pytest.raises(InvalidInputError, match="district"):
        await hub_store.create_user("tech", PASSWORD, "technician")
    user = await hub_store.create_user("an", PASSWORD, "operator")
    with pytest.raises(ConflictError):
        await hub_store.create_user("an", PASSWORD, "viewer")
    cookie, csrf, session = await hub_store.create_session(user.id)
    found = await hub_store.session_for_token(cookie)
    assert found is not None
    assert (found.user.username, found.id) == ("an", session.id)
    token, record = await hub_store.create_api_token(user.id, "script")
    by_token = await hub_store.user_for_api_token(token)
    assert by_token is not None
    assert by_token[0].username == "an"
    dump = _dump(migrated_url)
    for value in (cookie, csrf, token, PASSWORD):
        assert value not in dump
    # Revoked token, logged-out session, disabled user: all refused.
    await hub_store.revoke_api_token(record.id)
    assert await hub_store.user_for_api_token(token) is None
    await hub_store.delete_session(cookie)
    assert await hub_store.session_for_token(cookie) is None
    cookie2, _, _ = await hub_store.create_session(user.id)
    token2, _ = await hub_store.create_api_token(user.id, "other")
    await hub_store.update_user(user.id, disabled=True)
    assert await hub_store.session_for_token(cookie2) is None
    assert await hub_store.user_for_api_token(token2) is None


async def test_expired_session_and_token_are_refused(hub_store: Store, migrated_url: str) -> None:
    user = await hub_store.create_user("an", PASSWORD, "viewer")
    cookie, _, _ = await hub_store.create_session(user.id, ttl_s=60)
    token, _ = await hub_store.create_api_token(user.id, "t", ttl_s=60)
    later = await Store.open(migrated_url, upgrade=False, clock=lambda: time.time() + 61)
    try:
        assert await later.session_for_token(cookie) is None
        assert await later.user_for_api_token(token) is None
    finally:
        await later.close()
    assert await hub_store.session_for_token(cookie) is not None


async def test_lockout_counts_and_resets(hub_store: Store) -> None:
    user = await hub_store.create_user("an", PASSWORD, "viewer")
    for _ in range(2):
        after = await hub_store.note_login_failure(user.id, max_failures=3, lockout_s=60)
        assert after.locked_until is None
    after = await hub_store.note_login_failure(user.id, max_failures=3, lockout_s=60)
    assert after.locked_until is not None
    assert after.locked_until > time.time()
    cookie, _, _ = await hub_store.create_session(user.id)
    assert await hub_store.session_for_token(cookie) is None  # locked: sessions refused too
    await hub_store.set_password(user.id, PASSWORD + "!")
    fresh = await hub_store.get_user(user.id)
    assert fresh is not None
    assert (fresh.failed_logins, fresh.locked_until) == (0, None)


async def test_audit_redacts_credentials_and_filters(hub_store: Store) -> None:
    await hub_store.audit(
        "an",
        "r1",
        "camera.preset.recall",
        {"camera": "cam1", "preset": "3", "password": PASSWORD, "nested": {"api_token": "abc"}},
        "ok",
        0.25,
    )
    await hub_store.audit("binh", "r2", "room.on", {}, "error", 1.5, error="offline")
    await hub_store.audit("an", None, "user.create", {"username": "c"}, "ok", 0.0)
    rows = await hub_store.list_audit()
    assert [r.action for r in rows] == ["user.create", "room.on", "camera.preset.recall"]
    recall = rows[2]
    assert recall.args == {
        "camera": "cam1",
        "preset": "3",
        "password": "***",
        "nested": {"api_token": "***"},
    }
    assert (recall.who, recall.room_id, recall.outcome, recall.duration_s) == (
        "an",
        "r1",
        "ok",
        0.25,
    )
    assert [r.room_id for r in await hub_store.list_audit(room_ids=["r2"])] == ["r2"]
    assert [r.action for r in await hub_store.list_audit(who="an", limit=1)] == ["user.create"]
    assert [r.action for r in await hub_store.list_audit(before_id=rows[1].id)] == [
        "camera.preset.recall"
    ]
    assert rows[1].error == "offline"


async def test_evidence_file_is_stored_under_the_state_dir(
    hub_store: Store, tmp_path: Path
) -> None:
    await hub_store.add_room(_room("r1"))
    await hub_store.save_events(
        "r1",
        [
            Event(
                id=1,
                at=1.0,
                kind="check.result",
                data=_run("run-1", evidence={"snapshot": "/x/video.cam1.jpg"}),
            )
        ],
    )
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
    ev = await hub_store.save_evidence("r1", "run-1", "video.cam1.jpg", "image/jpeg", jpeg)
    path = hub_store.evidence_file(ev)
    assert path is not None
    assert path.read_bytes() == jpeg
    assert path.is_relative_to(tmp_path / "evidence")
    result = await hub_store.get_check_result("r1", "run-1")
    assert result is not None
    assert [(e.name, e.size, e.content_type) for e in result.evidence] == [
        ("video.cam1.jpg", len(jpeg), "image/jpeg")
    ]
    for bad in ("../etc", "a/b", ".."):
        with pytest.raises(InvalidInputError):
            await hub_store.save_evidence("r1", "run-1", bad, "image/jpeg", b"x")
    with pytest.raises(NotFoundError):
        await hub_store.save_evidence("r1", "no-such-run", "x.jpg", "image/jpeg", b"x")


def test_credential_lookups_use_an_index(tmp_path: Path) -> None:
    """room_for_secret, sessions and API tokens: one indexed equality, never a scan
    (SQLite's query plan; the unique constraints are the indexes)."""
    from appliance.hub.db import migrate

    url = f"sqlite:///{tmp_path / 'plan.sqlite3'}"
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            for table, column in (
                ("agent_secrets", "secret_hash"),
                ("sessions", "token_hash"),
                ("api_tokens", "token_hash"),
                ("enrolment_tokens", "token_hash"),
            ):
                plan = " ".join(
                    str(row[-1])
                    for row in conn.exec_driver_sql(
                        f"EXPLAIN QUERY PLAN SELECT * FROM {table} WHERE {column} = 'x'"  # noqa: S608
                    )
                )
                assert "USING INDEX" in plan, (table, plan)
                assert not plan.startswith("SCAN"), (table, plan)
    finally:
        engine.dispose()
