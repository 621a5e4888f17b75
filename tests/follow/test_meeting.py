"""Voice follow end to end: a scripted meeting through the real sound server (PulseAudio,
8 seat microphones) and the VISCA simulator on a pty, the agent's service in this process.

Acceptance (issue 10) — how this file maps to it:
- ``test_scripted_meeting`` plays a SHORTENED meeting (90 s, 8 seats, crosstalk −12 dB,
  room noise, 10 coughs, 3 overlaps) in real time and checks the issue's three criteria on
  it: ≥ 95 % of turns at the right preset within 1 s of speech onset, no move on a cough,
  at most one move per turn. The issue's full 10-minute meeting (30 coughs, 10 overlaps)
  is the same generator and the same scoring run by ``bench/follow.py`` (too long for CI).
  Figures come from the simulator's position log against the script (tests/support/meeting.py).
- Bad input: ``test_channel_count_mismatch``, ``test_device_disappears_mid_meeting``,
  ``test_camera_refuses_the_recall``; a seat mapped to a missing camera or preset is refused
  at load (tests/follow/test_config.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import connect

from appliance.agent.api import create_app
from appliance.agent.checks import install as install_checks
from drivers.audio.meeting_sim import MeetingAudioSimulator, MeetingScript, Turn, generate_script
from drivers.supervision import cancel_and_wait
from tests.support.meeting import MeetingRoom, PositionLog, score_meeting

pytestmark = pytest.mark.timeout(300)

TOKEN = "follow-test-token-0123456789abcdef"  # noqa: S105 - a test token for a loopback API


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _short_meeting(turns: list[tuple[int, float, float]], duration_s: float) -> MeetingScript:
    phrases = ("Tôi xin phát biểu về kế hoạch ngân sách năm nay", "Tôi xin cảm ơn")
    return MeetingScript(
        seats=8, duration_s=duration_s, turns=tuple(Turn(s, a, b, phrases) for s, a, b in turns)
    )


async def test_scripted_meeting(meeting_audio: MeetingAudioSimulator, tmp_path: Path) -> None:
    script = generate_script(
        seats=8, duration_s=90.0, coughs=10, overlaps=3, crosstalk_db=-12.0, seed=11
    )
    assert sum(1 for s in script.sounds if s.kind == "cough") == 10
    assert script.overlaps == 3
    async with MeetingRoom(meeting_audio, tmp_path) as room:
        run = await room.run(script)
    score = score_meeting(run)
    print(f"\nshortened meeting (seed 11): {score.summary()}; feeder gaps {run.late_blocks}")
    assert len(score.turns) == len(script.turns) >= 8
    assert score.on_time_fraction >= 0.95, score.details
    assert score.cough_moves == 0, score.details
    assert score.max_moves_per_turn <= 1, score.details
    assert score.false_moves == 0, score.details
    # Each switch is an event with the seat, camera, preset and reaction time (hub link hook).
    switches = [e for e in run.events if e["kind"] == "follow.switch"]
    assert len(switches) == score.moves
    assert all(e["camera"] == "cam1" and e["reaction_s"] is not None for e in switches)
    assert {e["seat"] for e in switches} - {"overview"} == {
        f"Đại biểu {t.seat + 1}" for t in script.turns
    }


async def test_channel_count_mismatch(meeting_audio: MeetingAudioSimulator, tmp_path: Path) -> None:
    """10 seats configured on an 8-channel device: a clear error naming the silent channels;
    the 8 real seats are still followed; the readiness check fails seats 9 and 10 (and warns
    about seat 4, whose microphone a noise source keeps open)."""
    async with MeetingRoom(meeting_audio, tmp_path, seats=10) as room:
        service = room.service
        assert service is not None
        before = room.visca.camera(1).state
        await room.start_following()
        await room.wait(
            lambda: room.follow.last_error is not None, "the silent-channel error", 10.0
        )
        message = room.follow.last_error or ""
        assert "channel(s) 9, 10 deliver digital silence" in message
        assert "follow.channels = 10" in message
        assert room.follow.state == "following"
        assert room.visca.camera(1).state.pan == before.pan  # nothing moved meanwhile
        meeting_audio.set_stuck_open(3, -30.0)  # seat 4's microphone left open by a fan
        try:
            # The noise is in the agent's input before the check listens (the simulator
            # writes ahead into the sound server: under load its first blocks are late).
            await room.wait(
                lambda: room.follow.status()["seats"][3]["level_dbfs"] > -45.0,
                "seat 4's open microphone heard",
                10.0,
            )
            engine = install_checks(service)
            run_id = await engine.start({"audio"})
            result = await engine.wait(run_id)
        finally:
            meeting_audio.set_stuck_open(3, None)
        by_id = {r.id: r for r in result.results}
        assert by_id["follow.9.mic"].status == "fail"
        assert by_id["follow.10.mic"].status == "fail"
        assert "silence" in by_id["follow.9.mic"].message["en"]
        assert by_id["follow.4.mic"].status == "warn"
        assert "stuck open" in by_id["follow.4.mic"].message["en"]
        assert by_id["follow.4.mic"].remediation["vi"]
        assert all(by_id[f"follow.{c}.mic"].status == "pass" for c in (1, 2, 3, 5, 6, 7, 8)), [
            (r.id, r.status, r.message["en"]) for r in result.results if r.id.startswith("follow.")
        ]
        await engine.close()
        # the real seats are followed: seat 3 speaks
        run = await room.run(_short_meeting([(2, 0.5, 4.0)], 5.0))
        assert score_meeting(run).on_time_fraction == 1.0


async def test_device_disappears_mid_meeting(
    meeting_audio: MeetingAudioSimulator, tmp_path: Path
) -> None:
    """The interface is unplugged while a delegate speaks: a clear error, the camera stays,
    the camera API keeps working; plugged back, following resumes by itself."""
    script = _short_meeting([(1, 0.5, 6.0), (5, 7.0, 20.0)], 21.0)
    async with MeetingRoom(meeting_audio, tmp_path) as room:
        service = room.service
        assert service is not None
        await room.start_following()
        log = PositionLog(room.visca.camera(1))
        log.start()
        from drivers.audio.meeting_sim import MeetingRenderer

        playback = meeting_audio.play(MeetingRenderer(script))
        try:
            await room.wait(lambda: room.follow.switches >= 1, "the first switch", 10.0)
            await room.wait(lambda: playback.position_s() >= 7.5, "seat 6 starts", 15.0)
            await room.wait(
                lambda: not room.visca.camera(1).state.moving, "the camera at rest", 5.0
            )
            meeting_audio.unplug()
            unplugged = time.monotonic()
            where = room.visca.camera(1).state
            await room.wait(lambda: room.follow.state == "error", "the follow's error", 10.0)
            assert room.follow.last_error is not None
            assert "Meeting Mics" in room.follow.last_error
            assert any(e["kind"] == "follow.error" for e in room.events)
            # The rest of the agent works: the camera answers.
            position = await service.camera("cam1").position()
            assert position.pan_deg == pytest.approx(where.pan_deg, abs=0.1)
            await asyncio.sleep(1.0)
        finally:
            playback.stop()
            await log.stop()
            if not meeting_audio.plugged:
                meeting_audio.plug()
        moves_after = [s for s in log.samples if s.t > unplugged and s.moving]
        assert moves_after == [], "the camera moved after the device disappeared"
        await room.wait(
            lambda: room.follow.state == "following", "following again after the replug", 20.0
        )


async def test_camera_refuses_the_recall(
    meeting_audio: MeetingAudioSimulator, tmp_path: Path
) -> None:
    """A camera that does not answer: follow.error, the follow keeps listening, and it does
    not believe the camera moved: it tries again (capped) and switches once it answers."""
    async with MeetingRoom(meeting_audio, tmp_path, overview_after_s=120.0) as room:
        await room.start_following()
        room.visca.silent(True)
        try:
            from drivers.audio.meeting_sim import MeetingRenderer

            playback = meeting_audio.play(MeetingRenderer(_short_meeting([(4, 0.5, 30.0)], 31.0)))
            await room.wait(
                lambda: any(e["kind"] == "follow.error" for e in room.events), "the error", 20.0
            )
            assert "Đại biểu 5" in (room.follow.last_error or "")
            assert room.follow.on_air is None  # nothing claimed on air
            room.visca.silent(False)
            await room.wait(
                lambda: room.follow.switches >= 1, "the switch once the camera answers", 20.0
            )
            assert room.follow.on_air is not None
            assert room.follow.on_air["seat"] == "Đại biểu 5"
            playback.stop()
        finally:
            room.visca.silent(False)


async def test_control_api_cli_and_live_state(
    meeting_audio: MeetingAudioSimulator, tmp_path: Path
) -> None:
    port = _free_port()
    async with MeetingRoom(meeting_audio, tmp_path, overview_after_s=30.0) as room:
        service = room.service
        assert service is not None
        app = create_app(service, token=TOKEN, manage_service=False)
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                lifespan="off",
                log_config=None,
                ws="websockets-sansio",
            )
        )
        serve = asyncio.create_task(server.serve())
        try:
            await room.wait(lambda: server.started, "the API")
            base = f"http://127.0.0.1:{port}/api/v1"
            headers = {"Authorization": f"Bearer {TOKEN}"}
            async with httpx.AsyncClient(base_url=base, headers=headers, timeout=20.0) as client:
                status = (await client.get("/follow")).json()
                assert status["enabled"] is False
                assert [s["channel"] for s in status["seats"]] == list(range(1, 9))
                assert (await client.post("/follow/on")).json()["enabled"] is True
                await room.wait(lambda: room.follow.state == "following", "following")
                # Operator lock on seat 3 (by channel number): the camera goes there at once.
                pinned = (await client.put("/follow/pin", json={"seat": "3"})).json()
                assert pinned["pinned"] == "Đại biểu 3"
                assert pinned["on_air"]["seat"] == "Đại biểu 3"
                state = room.visca.camera(1).state
                assert (state.pan_deg, state.tilt_deg) == pytest.approx(room.poses[2], abs=0.3)
                bad = await client.put("/follow/pin", json={"seat": "Đại biểu 99"})
                assert bad.status_code == 404
                assert bad.json()["device"] == "Đại biểu 99"
                assert "Đại biểu 99" in bad.json()["message"]
                assert (await client.put("/follow/pin", json={"seat": ""})).status_code == 422
                # The live WebSocket: a status at once, then the switch event when seat 6 talks.
                url = f"ws://127.0.0.1:{port}/api/v1/follow/live?interval_s=0.2"
                async with connect(url, additional_headers=headers) as ws:
                    first = json.loads(await ws.recv())
                    assert first["type"] == "status"
                    assert first["pinned"] == "Đại biểu 3"
                    from drivers.audio.meeting_sim import MeetingRenderer

                    playback = meeting_audio.play(
                        MeetingRenderer(_short_meeting([(5, 0.5, 9.0)], 10.0))
                    )
                    try:
                        await asyncio.sleep(2.5)  # seat 6 talks while the lock holds
                        state = room.visca.camera(1).state
                        assert (state.pan_deg, state.tilt_deg) == pytest.approx(
                            room.poses[2], abs=0.3
                        )
                        assert (await client.delete("/follow/pin")).json()["pinned"] is None
                        event = None
                        deadline = time.monotonic() + 10.0
                        while event is None and time.monotonic() < deadline:
                            message = json.loads(await asyncio.wait_for(ws.recv(), 5.0))
                            if message["type"] == "event" and message["kind"] == "follow.switch":
                                event = message
                        assert event is not None, "no follow.switch on the live WebSocket"
                        assert event["seat"] == "Đại biểu 6"
                        assert event["camera"] == "cam1"
                        assert event["preset"] == "ghe-6"
                        assert event["reaction_s"] > 0
                    finally:
                        playback.stop()
                # The CLI, as a technician runs it (token file and address from the config).
                config = _cli_config(tmp_path, port)
                env = dict(os.environ, APPLIANCE_CONFIG=str(config))
                shown = await _cli(["follow", "status", "--lang", "en"], env)
                assert shown.returncode == 0, shown.stderr
                assert "Voice-follow camera: following" in shown.stdout
                assert "On air: Đại biểu 6 (camera cam1, preset ghe-6)" in shown.stdout
                refused = await _cli(["follow", "pin", "Đại biểu 42"], env)
                assert refused.returncode == 3
                assert "404" in refused.stderr
                assert "Đại biểu 42" in refused.stderr
                off = await _cli(["follow", "off"], env)
                assert off.returncode == 0, off.stderr
                assert "tắt" in off.stdout  # Vietnamese by default
                assert room.follow.enabled is False
        finally:
            server.should_exit = True
            await asyncio.wait_for(serve, 10.0)
            if not serve.done():
                await cancel_and_wait(serve)


def _cli_config(directory: Path, port: int) -> Path:
    token = directory / "api-token"
    token.write_text(TOKEN, encoding="utf-8")
    token.chmod(0o600)
    path = directory / "cli.toml"
    path.write_text(
        f'[room]\nid = "follow-room"\nname = "Phòng họp"\n\n[api]\nlisten = "127.0.0.1:{port}"\n'
        f'token_file = "{token}"\n\n[state]\ndir = "{directory}"\n',
        encoding="utf-8",
    )
    return path


async def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "appliance", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


async def test_sim_meeting_command(tmp_path: Path) -> None:
    """``appliance sim meeting`` plays a script for a demo; a bad script is refused."""
    script = _short_meeting([(0, 0.3, 3.0), (1, 3.8, 6.0)], 6.5)
    path = tmp_path / "meeting.json"
    path.write_text(script.to_json(), encoding="utf-8")
    done = await _cli(
        ["sim", "meeting", "--seats", "8", "--script", str(path), "--lang", "en"], dict(os.environ)
    )
    assert done.returncode == 0, done.stderr
    assert "Simulated meeting: 8 seat microphones" in done.stdout
    assert "export PULSE_SERVER=unix:" in done.stdout
    assert "seat 1 speaks" in done.stdout
    assert "seat 2 speaks" in done.stdout
    assert "Meeting over: 2 turns" in done.stdout
    wrong = await _cli(["sim", "meeting", "--seats", "4", "--script", str(path)], dict(os.environ))
    assert wrong.returncode == 1
    assert "8 seats" in wrong.stderr
    path.write_text(
        '{"seats": 8, "duration_s": 5, "turns": [{"seat": 9, "start": 1, "end": 2, "phrases": ["a"]}]}'
    )
    bad = await _cli(["sim", "meeting", "--seats", "8", "--script", str(path)], dict(os.environ))
    assert bad.returncode == 1
    assert "seat 9 outside" in bad.stderr
