"""The agent's link client against a loopback hub speaking the real protocol
(``link_hub.MiniHub``), with the real service on the simulated room (2-camera VISCA
chain on a pty paced at 9600 baud, MJPEG streams) and the real check engine.

Commands run through the same service code as the local API and map errors to the
link's kinds; checks report progress and results as events; while the hub is away the
events wait in the outbox and arrive once, in order, when it is back; an agent that is
not enrolled says so and links as soon as the secret appears; a refused secret is
reported as such.
"""

from __future__ import annotations

import base64
import logging
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from appliance.agent import operations
from appliance.agent.checks import CheckEngine, install
from appliance.agent.link.client import (
    BACKOFF_CAP_S,
    BACKOFF_JITTER,
    CONNECTED,
    NOT_ENROLLED,
    LinkClient,
    backoff_delay,
    link_device_id,
    link_health,
)
from appliance.agent.link.enrol import link_url, tls_context
from appliance.agent.service import AgentService
from appliance.agent.simulate import SimulatedHardware
from appliance.config import AgentConfig, HubConfig, load_config
from appliance.link import Event
from tests.agent.conftest import free_port
from tests.agent.link_hub import MiniHub

SECRET = "s3cret-for-the-test-room"  # noqa: S105 - a test value
READY_S = 10.0
CLOCK_SKEW_S = 30.0  # the test hub's clock runs this far ahead


@dataclass
class Room:
    hardware: SimulatedHardware
    service: AgentService
    config: AgentConfig


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[Room]:
    hardware = SimulatedHardware(tmp_path / "room", room_id="link-room", display=False)
    await hardware.start()
    try:
        config = load_config(hardware.write_config(f"127.0.0.1:{free_port()}"))
        service = AgentService(config, hotplug=False)
        install(service)
        await service.start()
        try:
            link = next(iter(service.links.values()))
            await link.supervisor.wait_ready(READY_S)
            yield Room(hardware, service, config)
        finally:
            await service.stop()
    finally:
        await hardware.stop()


def _client(room: Room, hub: MiniHub, secret: str | None = SECRET, **kw: object) -> LinkClient:
    config = room.config.model_copy(update={"hub": HubConfig(url=hub.url)})
    room.service.config = config
    client = LinkClient(
        room.service,
        url=link_url(hub.url),
        secret=secret,
        outbox_path=config.state.dir / "hub-outbox.sqlite",
        backoff_first_s=0.05,
        backoff_cap_s=0.5,
        watch_interval_s=0.1,
        **kw,  # type: ignore[arg-type]
    )
    room.service.hub_link = client
    return client


async def test_commands_go_through_the_service_and_errors_keep_their_kind(room: Room) -> None:
    async with MiniHub(SECRET, "link-room") as hub:
        client = _client(room, hub)
        await client.start()
        try:
            await hub.wait_for("hello", hub.connected)
            hello = hub.hellos[0]
            assert hello.room_id == "link-room"
            assert hello.presets["cam1"] == ["chu-toa", "toan-canh"]
            assert {d.id: d.state for d in hello.devices}["cam1"] == "ready"
            await hub.wait_for("welcomed", lambda: client.state == CONNECTED)

            # The recall moves the simulated head: read back from the simulator itself.
            visca = room.hardware.visca
            assert visca is not None
            goto = await hub.command(
                "camera.position", {"camera": "cam1", "pan_deg": 40, "tilt_deg": 5}
            )
            assert goto.outcome == "ok", goto.error
            assert abs(goto.data["pan_deg"] - 40) < 1
            stored = await hub.command(
                "camera.preset.store", {"camera": "cam1", "number": 5, "name": "cua-so"}
            )
            assert stored.data == {
                "number": 5,
                "name": "cua-so",
                "reference_removed": False,
                "hint": None,
                "reference": None,  # not asked for
                "reference_error": None,
            }
            home = await hub.command(
                "camera.position", {"camera": "cam1", "pan_deg": 0, "tilt_deg": 0}
            )
            assert home.outcome == "ok"
            assert abs(visca.camera(1).state.pan_deg) < 1
            recall = await hub.command(
                "camera.preset.recall", {"camera": "cam1", "preset": "cua-so"}
            )
            assert recall.outcome == "ok", recall.error
            assert recall.data["number"] == 5
            assert abs(visca.camera(1).state.pan_deg - 40) < 1
            # The local API lists the preset the hub stored (one PresetNames, one service).
            assert (5, "cua-so") in room.service.camera("cam1").presets()

            unknown_op = await hub.command("camera.teleport", {})
            bad_args = await hub.command("camera.power", {"camera": "cam1", "on": "yes"})
            no_camera = await hub.command("camera.power", {"camera": "cam9", "on": True})
            no_preset = await hub.command(
                "camera.preset.recall", {"camera": "cam1", "preset": "nowhere"}
            )
            late = await hub.command(
                "camera.position",
                {"camera": "cam2", "pan_deg": -120, "tilt_deg": 20},
                timeout_s=0.01,
            )
            kinds = [
                r.error.kind if r.error else None
                for r in (unknown_op, bad_args, no_camera, no_preset, late)
            ]
            assert kinds == ["invalid", "invalid", "not_found", "invalid", "timeout"]
            assert all(
                r.outcome == "error" and r.data is None for r in (unknown_op, bad_args, late)
            )
        finally:
            await client.stop()
        await hub.wait_for("close", lambda: bool(hub.closes))
        assert hub.closes == [1001]  # SIGTERM's close frame: the hub shows Offline at once


async def test_check_progress_and_result_are_events_hub_items_use_the_link(room: Room) -> None:
    async with MiniHub(SECRET, "link-room", clock_skew_s=CLOCK_SKEW_S) as hub:
        client = _client(room, hub)
        await client.start()
        try:
            await hub.wait_for("two heartbeats", lambda: len(hub.heartbeats) >= 2)
            assert [h.seq for h in hub.heartbeats[:2]] == [1, 2]
            started = await hub.command("check.start", {"only": ["system", "hub"]})
            assert started.outcome == "ok", started.error
            run_id = started.data["run_id"]

            def result_in() -> bool:
                return any(e.kind == "check.result" for e in hub.events)

            await hub.wait_for("check.result event", result_in)
            runs = [e for e in hub.events if e.data.get("run_id") == run_id]
            kinds = [e.kind for e in runs]
            assert kinds[-1] == "check.result"
            assert set(kinds[:-1]) == {"check.progress"}
            assert [e.data["done"] for e in runs[:-1]] == list(range(1, len(runs)))
            result = {r["id"]: r for r in runs[-1].data["results"]}
            assert result["hub.link"]["status"] == "pass"
            assert result["hub.link"]["values"]["state"] == "connected"
            offset = result["hub.clock"]["values"]["offset_s"]
            assert -CLOCK_SKEW_S - 2 < offset < -CLOCK_SKEW_S + 2
            assert result["hub.clock"]["status"] == "warn"  # 30 s: past CLOCK_WARN_S, not FAIL
            got = await hub.command("check.get", {"run_id": run_id})
            assert (got.data["status"], got.data["run_id"]) == ("done", run_id)
            assert (await hub.command("check.get", {"run_id": "nope"})).error.kind == "not_found"  # type: ignore[union-attr]
            status = operations.status(room.service)
            assert status.hub_link == "connected"
        finally:
            await client.stop()


async def test_results_made_while_the_hub_is_down_arrive_once_in_order(room: Room) -> None:
    hub = MiniHub(SECRET, "link-room")
    await hub.start()
    client = _client(room, hub)
    await client.start()
    engine = room.service.checks
    assert isinstance(engine, CheckEngine)
    try:
        await hub.wait_for("linked", hub.connected)
        await hub.stop()
        await hub.wait_for("link down", lambda: client.state != CONNECTED)
        run_ids = []
        for _ in range(3):  # the room keeps working: local check runs, as the local API does
            run_ids.append((await operations.check_start(room.service, ["system"])).run_id)
            await operations.check_result(room.service, run_ids[-1])
        assert hub.events == [] or all(e.data.get("run_id") not in run_ids for e in hub.events)
        status = operations.status(room.service)
        assert status.hub_link != "connected"
        await hub.start()  # same port, same store: the hub is back

        def all_results() -> bool:
            return sum(e.kind == "check.result" for e in hub.events) >= 3

        await hub.wait_for("results after the outage", all_results)
        results = [e.data["run_id"] for e in hub.events if e.kind == "check.result"]
        assert results == run_ids
        ids = [e.id for e in hub.events]
        assert ids == sorted(set(ids))  # in order, none twice
        assert hub.duplicates == 0
        await hub.wait_for("outbox emptied by the acks", lambda: _pending(client) == 0)
    finally:
        await client.stop()
        await hub.stop()


def _pending(client: LinkClient) -> int:
    from appliance.agent.link.outbox import Outbox

    box = Outbox(client.outbox_path)
    try:
        return box.pending()
    finally:
        box.close()


async def test_not_enrolled_then_enrolled_and_a_refused_secret(room: Room) -> None:
    async with MiniHub(SECRET, "link-room") as hub:
        secret: list[str | None] = [None]
        client = _client(room, hub, secret=None, secret_loader=lambda: secret[0])
        await client.start()
        try:
            assert client.state == NOT_ENROLLED
            assert operations.status(room.service).hub_link == NOT_ENROLLED
            secret[0] = "an-old-secret"
            await hub.wait_for("refused upgrade", lambda: hub.refused >= 1)
            await hub.wait_for(
                "the refusal reported", lambda: "enrol again" in (client.last_error or "")
            )
            secret[0] = SECRET  # `appliance agent enrol` wrote the new secret: no restart
            await hub.wait_for("linked", lambda: client.state == CONNECTED)
        finally:
            await client.stop()


def _private_ca(directory: Path) -> tuple[Path, ssl.SSLContext]:
    """A CA and a hub certificate for 127.0.0.1 (openssl CLI); (CA file, server context)."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is missing: install the Debian package 'openssl'")
    ca_key, ca, key, csr, cert = (
        directory / n for n in ("ca.key", "ca.pem", "hub.key", "hub.csr", "hub.pem")
    )
    ext = directory / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1\n", encoding="ascii")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for command in (
        ["req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=Test hub CA"],
        ["req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
         "-out", cert, "-days", "2", "-extfile", ext],
    ):  # fmt: skip
        subprocess.run(["openssl", *map(str, command)], check=True, capture_output=True)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return ca, server


async def test_wss_with_the_hub_ca_file_and_refused_without_it(room: Room, tmp_path: Path) -> None:
    ca_file, server = _private_ca(tmp_path)
    async with MiniHub(SECRET, "link-room", tls=server) as hub:
        assert link_url(hub.url).startswith("wss://127.0.0.1:")
        untrusted = _client(room, hub, ssl_context=tls_context(None))  # system CAs only
        await untrusted.start()
        try:
            await hub.wait_for(
                "certificate refused",
                lambda: "CERTIFICATE_VERIFY_FAILED" in (untrusted.last_error or ""),
            )
            assert untrusted.state != CONNECTED
        finally:
            await untrusted.stop()
        trusted = _client(room, hub, ssl_context=tls_context(ca_file))  # hub.ca_file
        await trusted.start()
        try:
            await hub.wait_for("linked over TLS", lambda: trusted.state == CONNECTED)
            assert hub.hellos[-1].room_id == "link-room"
        finally:
            await trusted.stop()


def test_reconnect_backoff_doubles_with_jitter_and_stops_at_60_s() -> None:
    for attempt, step in enumerate([1, 2, 4, 8, 16, 32, 60, 60, 60]):
        delays = [backoff_delay(attempt) for _ in range(200)]
        assert all(step * (1 - BACKOFF_JITTER) <= d <= step for d in delays), (attempt, delays)
        assert len(set(delays)) > 1  # jittered: rooms do not all come back at once
    assert backoff_delay(10_000) <= BACKOFF_CAP_S


def test_device_ids_and_health_fit_the_protocol() -> None:
    assert link_device_id("visca:/dev/ttyUSB0") == "visca_dev_ttyUSB0"
    assert link_device_id("cam1") == "cam1"
    assert link_device_id("///") == "device"
    assert [link_health(h) for h in ("healthy", "maintenance", "offline", "error")] == [
        "healthy",
        "unknown",
        "unknown",
        "error",
    ]


async def test_check_evidence_is_fetched_by_name(room: Room) -> None:
    """What the hub's fleet check does after a result: each evidence file by its name."""
    async with MiniHub(SECRET, "link-room") as hub:
        client = _client(room, hub)
        await client.start()
        try:
            await hub.wait_for("welcomed", lambda: client.state == CONNECTED)
            started = await hub.command("check.start", {"only": ["video"]})
            run_id = started.data["run_id"]

            def result() -> Event | None:
                done = [e for e in hub.events if e.kind == "check.result"]
                return done[-1] if done and done[-1].data["run_id"] == run_id else None

            await hub.wait_for("the video check's result", lambda: result() is not None)
            event = result()
            assert event is not None
            files = [
                Path(v).name
                for r in event.data["results"]
                for v in r["evidence"].values()
                if "/" in v
            ]
            assert files, event.data["results"]
            got = await hub.command("check.evidence", {"run_id": run_id, "name": files[0]})
            assert got.outcome == "ok", got.error
            assert got.data["content_type"] == "image/jpeg"
            assert base64.b64decode(got.data["data_base64"])[:3] == b"\xff\xd8\xff"  # JPEG SOI
            missing = await hub.command("check.evidence", {"run_id": run_id, "name": "nope.jpg"})
            escape = await hub.command("check.evidence", {"run_id": run_id, "name": "../x"})
            assert [missing.error.kind, escape.error.kind] == ["not_found", "invalid"]  # type: ignore[union-attr]
        finally:
            await client.stop()


async def test_the_secret_is_never_logged_even_at_debug(
    room: Room, caplog: pytest.LogCaptureFixture
) -> None:
    """websockets logs each handshake header at DEBUG; the link's logger stays at INFO."""
    caplog.set_level(logging.DEBUG)
    async with MiniHub(SECRET, "link-room") as hub:
        client = _client(room, hub)
        await client.start()
        try:
            await hub.wait_for("welcomed", lambda: client.state == CONNECTED)
            await hub.wait_for("a heartbeat", lambda: bool(hub.heartbeats))
        finally:
            await client.stop()
    assert "hub link" in caplog.text  # the link did log
    assert SECRET not in caplog.text


async def test_voice_follow_switches_reach_the_hub_as_events(room: Room) -> None:
    """The service's follow.switch events (appliance/agent/events.py) are carried to the
    hub through the outbox; other in-process kinds stay in the room."""
    async with MiniHub(SECRET, "link-room") as hub:
        client = _client(room, hub)
        await client.start()
        try:
            await hub.wait_for("welcomed", lambda: client.state == CONNECTED)
            room.service.events.publish({"kind": "follow.state", "state": "following"})
            room.service.events.publish(
                {"kind": "follow.switch", "seat": "Đại biểu 3", "camera": "cam1",
                 "preset": "dai-bieu", "reaction_s": 0.42}
            )  # fmt: skip

            def switches() -> list[Event]:
                return [e for e in hub.events if e.kind == "follow.switch"]

            await hub.wait_for("the follow.switch event", lambda: bool(switches()))
            assert switches()[0].data == {
                "seat": "Đại biểu 3",
                "camera": "cam1",
                "preset": "dai-bieu",
                "reaction_s": 0.42,
            }
            assert all(e.kind != "follow.state" for e in hub.events)
        finally:
            await client.stop()
