"""The check engine on a real (device-less) agent service: concurrency and locks, one item's
crash or timeout as that item's FAIL, prerequisites, one run at a time, history, health;
and the PC and hub items against real things (a loopback HTTP hub, a sysfs-shaped tree)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from appliance.agent.checks import CheckEngine, CheckSettings, CheckStatus, Health, install
from appliance.agent.checks.items.base import CheckItem, ItemContext
from appliance.agent.checks.model import Outcome, passed, text
from appliance.agent.errors import CheckRunCancelledError, InvalidRequestError
from appliance.agent.service import AgentService
from appliance.config import parse_config
from drivers.errors import DeviceTimeoutError


def _service(state: Path, hub_url: str | None = None) -> AgentService:
    raw: dict[str, object] = {
        "room": {"id": "r1", "name": "Phòng họp thử"},
        "state": {"dir": str(state)},
    }
    if hub_url is not None:
        raw["hub"] = {"url": hub_url}
    return AgentService(parse_config(raw), hotplug=False)


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[AgentService]:
    svc = _service(tmp_path / "state")
    await svc.start()
    yield svc
    await svc.stop()


Intervals = dict[str, tuple[float, float]]


def _sleeper(name: str, seconds: float, log: Intervals) -> Callable[[ItemContext], object]:
    async def run(ctx: ItemContext) -> Outcome:
        start = time.monotonic()
        await asyncio.sleep(seconds)
        log[name] = (start, time.monotonic())
        return passed(text("checks.camera.power.on", device=name))

    return run


def _item(ident: str, run: object, category: str = "system", **kw: object) -> CheckItem:
    return CheckItem(ident, ident, category, None, run, **kw)  # type: ignore[arg-type]


async def test_items_sharing_hardware_never_overlap_the_others_do(service: AgentService) -> None:
    log: Intervals = {}
    items = [
        _item("a", _sleeper("a", 0.2, log), resources=("camera:cam1",)),
        _item("b", _sleeper("b", 0.2, log), resources=("camera:cam1",)),
        _item("c", _sleeper("c", 0.2, log), resources=("audio:mic1",)),
        _item("d", _sleeper("d", 0.05, log), after=("a",)),
    ]
    engine = install(service, planner=lambda _s, _c: items)
    run = await engine.wait(await engine.start())
    assert [r.id for r in run.results] == ["a", "b", "c", "d"]
    assert all(r.status is CheckStatus.PASS for r in run.results)
    (a0, a1), (b0, _b1), (c0, c1), (d0, _) = log["a"], log["b"], log["c"], log["d"]
    assert a1 <= b0  # same camera: one after the other, in plan order
    assert c0 < a1
    assert a0 < c1
    assert d0 >= a1  # "after" waits for the item to end
    total = sum(r.duration_s for r in run.results)
    assert run.finished_at is not None
    assert (run.finished_at - run.started_at).total_seconds() < total  # concurrency paid off


async def test_a_crash_a_device_error_and_a_timeout_stay_in_their_items(
    service: AgentService, caplog: pytest.LogCaptureFixture
) -> None:
    async def crash(ctx: ItemContext) -> Outcome:
        raise ZeroDivisionError("division by zero")

    async def device_error(ctx: ItemContext) -> Outcome:
        raise DeviceTimeoutError("cam9", "no answer within 0.5 s", operation="version")

    async def hang(ctx: ItemContext) -> Outcome:
        await asyncio.sleep(30)
        raise AssertionError("not reached")

    log: Intervals = {}
    items = [
        _item("crash", crash),
        _item("device", device_error, error_hint=text("checks.camera.hint.serial", device="cam9", port="/dev/ttyUSB9")),
        _item("hang", hang, timeout_s=0.2),
        _item("fine", _sleeper("fine", 0.01, log)),
        _item("blocked", _sleeper("blocked", 0.01, log), requires=("crash",)),
    ]  # fmt: skip
    engine = install(service, planner=lambda _s, _c: items)
    run = await engine.wait(await engine.start())
    by_id = {r.id: r for r in run.results}
    assert by_id["crash"].status is CheckStatus.FAIL
    assert "ZeroDivisionError: division by zero" in by_id["crash"].message["en"]
    assert "IT" in by_id["crash"].remediation["en"]
    assert "item crash crashed" in caplog.text  # logged with its traceback
    assert by_id["device"].status is CheckStatus.FAIL
    assert by_id["device"].message["vi"] == "Lỗi thiết bị: cam9 (version): no answer within 0.5 s"
    assert "RS-232 (/dev/ttyUSB9)" in by_id["device"].remediation["vi"]
    assert by_id["hang"].status is CheckStatus.FAIL
    assert by_id["hang"].message["en"] == "Did not finish within 0.2 s"
    assert by_id["hang"].duration_s >= 0.15  # it ran until its timeout (speed: bench/check.py)
    assert by_id["fine"].status is CheckStatus.PASS
    assert by_id["blocked"].status is CheckStatus.SKIP
    assert by_id["blocked"].message["en"] == "Not checked: crash did not pass"
    assert "blocked" not in log  # never ran
    assert run.overall is CheckStatus.FAIL
    assert run.health is Health.ERROR
    assert engine.health() == "error"


async def test_only_selects_categories_with_their_prerequisites(service: AgentService) -> None:
    log: Intervals = {}
    items = [
        _item("cam.link", _sleeper("cam.link", 0, log), "camera"),
        _item("vid.signal", _sleeper("vid.signal", 0, log), "video"),
        _item("cam.preset", _sleeper("cam.preset", 0, log), "camera", requires=("cam.link", "vid.signal")),
        _item("mic.level", _sleeper("mic.level", 0, log), "audio"),
    ]  # fmt: skip
    engine = install(service, planner=lambda _s, _c: items)
    assert [i.id for i in engine.plan({"camera"})] == ["cam.link", "vid.signal", "cam.preset"]
    assert [i.id for i in engine.plan({"audio"})] == ["mic.level"]
    run = await engine.wait(await engine.start({"AUDIO", " "}))
    assert run.only == ["audio"]
    assert [r.id for r in run.results] == ["mic.level"]
    with pytest.raises(InvalidRequestError, match="unknown check categories kamera"):
        await engine.start({"kamera"})


async def test_one_run_at_a_time_same_selection_joins(service: AgentService) -> None:
    log: Intervals = {}
    items = [_item("slow", _sleeper("slow", 0.3, log), "system")]
    engine = install(service, planner=lambda _s, _c: items)
    first = await engine.start({"system"})
    assert await engine.start({"system"}) == first  # joins
    second = await engine.start()  # another selection: queued behind
    assert second != first
    await asyncio.sleep(0.05)
    assert engine.progress(first).status == "running"
    assert engine.progress(first).progress.current == ["slow"]
    assert engine.progress(second).status == "queued"
    runs = [await engine.wait(first), await engine.wait(second)]
    assert runs[0].finished_at is not None
    assert runs[1].started_at < runs[0].finished_at
    assert all(r.status == "done" for r in runs)
    assert [r.run_id for r in engine.history()] == [second, first]
    with pytest.raises(KeyError):
        engine.progress("nope")


async def test_history_survives_a_restart_and_health_follows_it(tmp_path: Path) -> None:
    state = tmp_path / "state"
    outcome = {"status": CheckStatus.WARN}

    async def judged(ctx: ItemContext) -> Outcome:
        return Outcome(outcome["status"], text("checks.hub.none"), text("checks.hub.clock.hint"))

    def planner(_s: object, _c: object) -> list[CheckItem]:
        return [_item("hub.link", judged, "hub")]

    svc = _service(state)
    engine = install(svc, planner=planner)
    assert engine.health() == "unknown"  # never checked
    warn_run = await engine.wait(await engine.start())
    assert warn_run.health is Health.WARNING
    outcome["status"] = CheckStatus.PASS
    pass_run = await engine.wait(await engine.start())
    assert engine.health() == "healthy"
    assert svc.health() == "healthy"
    (state / "maintenance").touch()
    assert engine.health() == "maintenance"
    (state / "maintenance").unlink()

    again = CheckEngine(_service(state), planner=planner)  # the agent restarted
    assert [r.run_id for r in again.history()] == [pass_run.run_id, warn_run.run_id]
    assert again.progress(warn_run.run_id).results[0].status is CheckStatus.WARN
    assert again.health() == "healthy"
    stale = CheckEngine(_service(state), CheckSettings(health_max_age_s=0.0), planner=planner)
    assert stale.health() == "unknown"


async def test_close_cancels_a_running_check(tmp_path: Path) -> None:
    """A run cancelled at shutdown ends as "cancelled" (never "running" for ever): waiting
    on it ends, it is in the history after a restart, and it never counts as health."""
    state = tmp_path / "state"
    started = asyncio.Event()

    async def long(ctx: ItemContext) -> Outcome:
        started.set()
        await asyncio.sleep(30)
        return passed(text("checks.hub.none"))

    items = [_item("long", long)]
    svc = _service(state)
    engine = install(svc, planner=lambda _s, _c: items)
    run_id = await engine.start()
    queued = await engine.start({"hub"})  # another selection, queued behind the first
    waiter = asyncio.create_task(engine.wait(run_id))
    async with asyncio.timeout(10):
        await started.wait()
    await engine.close()
    for ident in (run_id, queued):
        run = engine.progress(ident)
        assert run.status == "cancelled"
        assert run.finished_at is not None
        assert run.progress.current == []
        with pytest.raises(CheckRunCancelledError):
            await engine.wait(ident)
    with pytest.raises(CheckRunCancelledError):
        await waiter  # the client that waited while it was cancelled
    assert engine.health() == "unknown"  # a cancelled run checked nothing

    again = CheckEngine(_service(state), planner=lambda _s, _c: items)  # restarted
    assert {r.run_id: r.status for r in again.history()} == {
        run_id: "cancelled",
        queued: "cancelled",
    }
    assert again.health() == "unknown"


# -- the PC and the hub -------------------------------------------------------------------------


async def test_disk_and_cpu_temperature(tmp_path: Path) -> None:
    thermal = tmp_path / "thermal"
    for n, (kind, temp) in enumerate(
        [("acpitz", "41000"), ("x86_pkg_temp", "86500"), ("iwlwifi", "N/A")]
    ):
        zone = thermal / f"thermal_zone{n}"
        zone.mkdir(parents=True)
        (zone / "type").write_text(kind + "\n")
        (zone / "temp").write_text(temp + "\n")
    svc = _service(tmp_path / "state")
    settings = CheckSettings(thermal_root=thermal, disk_warn_free_bytes=1 << 62)
    engine = install(svc, settings)
    run = await engine.wait(await engine.start({"system"}))
    by_id = {r.id: r for r in run.results}
    disk, cpu = by_id["system.disk"], by_id["system.cpu_temperature"]
    assert disk.status is CheckStatus.WARN  # less than 4 EiB free, surely
    assert int(disk.values["free_bytes"]) > 0
    assert 0 < float(disk.values["free_fraction"]) <= 1
    assert "GiB" in disk.message["en"]
    assert disk.remediation["vi"]
    assert cpu.status is CheckStatus.WARN
    assert cpu.values["temperature_c"] == 86.5
    assert cpu.values["zone"] == "thermal_zone1 (x86_pkg_temp)"
    assert cpu.values["zones"] == 2  # the zone without a reading is left out
    (thermal / "thermal_zone1" / "temp").write_text("97000\n")
    cpu = (await engine.wait(await engine.start({"system"}))).results[1]
    assert cpu.status is CheckStatus.FAIL
    no_sensor = install(_service(tmp_path / "s2"), CheckSettings(thermal_root=tmp_path / "none"))
    cpu = (await no_sensor.wait(await no_sensor.start({"system"}))).results[1]
    assert cpu.status is CheckStatus.SKIP
    assert cpu.remediation == {}


class _Hub:
    """A loopback HTTP server standing in for the hub: status and Date are set per test."""

    def __init__(self) -> None:
        self.status = 200
        self.offset = timedelta(0)
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> _Hub:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        date = format_datetime(datetime.now(UTC) + self.offset, usegmt=True)
        writer.write(
            f"HTTP/1.1 {self.status} X\r\nDate: {date}\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()


async def test_hub_link_and_clock_offset(tmp_path: Path) -> None:
    async with _Hub() as hub:
        svc = _service(tmp_path / "state", hub_url=f"ws://127.0.0.1:{hub.port}/agent")
        engine = install(svc)

        async def check() -> dict[str, tuple[CheckStatus, str]]:
            run = await engine.wait(await engine.start({"hub"}))
            return {r.id: (r.status, r.message["en"]) for r in run.results}

        found = await check()
        assert found["hub.link"][0] is CheckStatus.PASS
        assert f"ws://127.0.0.1:{hub.port}/agent answers (HTTP 200" in found["hub.link"][1]
        assert found["hub.clock"][0] is CheckStatus.PASS
        hub.offset = timedelta(seconds=-10)
        found = await check()
        assert found["hub.clock"][0] is CheckStatus.WARN
        # We are ~10 s ahead of the hub; the Date header is truncated to the second (the
        # estimate is 10 s + 0…0.999 s ± half the round trip: 9.x to 10.999, which the
        # message rounds to one decimal, so "+11.0" too — seen in a parallel make test).
        assert re.search(r"is \+(9\.\d|10\.\d|11\.0) s off", found["hub.clock"][1]), found[
            "hub.clock"
        ]
        hub.offset, hub.status = timedelta(minutes=5), 503
        found = await check()
        assert found["hub.link"][0] is CheckStatus.WARN
        assert found["hub.clock"][0] is CheckStatus.FAIL
        port = hub.port
    found = await check()  # the hub is gone
    assert found["hub.link"][0] is CheckStatus.FAIL
    assert f"Cannot reach the central hub ws://127.0.0.1:{port}/agent" in found["hub.link"][1]
    assert found["hub.clock"] == (
        CheckStatus.SKIP,
        "Clock not compared: the central hub did not answer",
    )
    run = engine.history(1)[0]
    assert "mạng" in run.results[0].remediation["vi"]


async def test_health_keeps_what_a_partial_run_did_not_check(service: AgentService) -> None:
    verdicts = {"hub.link": CheckStatus.FAIL, "system.disk": CheckStatus.PASS}

    def judged(ident: str) -> Callable[[ItemContext], object]:
        async def run(ctx: ItemContext) -> Outcome:
            return Outcome(
                verdicts[ident], text("checks.hub.none"), text("checks.hub.link.hint", url="x")
            )

        return run

    items = [
        _item("hub.link", judged("hub.link"), "hub"),
        _item("system.disk", judged("system.disk"), "system"),
    ]
    engine = install(service, planner=lambda _s, _c: items)
    await engine.wait(await engine.start())
    assert engine.health() == "error"
    system_only = await engine.wait(await engine.start({"system"}))
    assert [r.id for r in system_only.results] == ["system.disk"]
    assert system_only.health is Health.ERROR  # the hub's failure still stands
    verdicts["hub.link"] = CheckStatus.PASS
    await engine.wait(await engine.start({"hub"}))
    assert engine.health() == "healthy"
    results, age = engine.latest_results()
    assert results is not None
    assert sorted(r.id for r in results) == ["hub.link", "system.disk"]
    assert age is not None
    assert 0 <= age < 5
