"""The VISCA camera simulator's timing and error rules (VISCA.md §1–§2, §7).

Two layers: the pure chain engine on an explicit clock (exact timing, no sleeping),
and the real servers (a pty opened with pyserial at 9600 baud, TCP, raw UDP). Packets
are built and decoded with the production wire layer (``drivers.visca.messages``), so
a disagreement between simulator and driver shows up here.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from typing import Any

import pytest
import serial

from drivers.visca import messages as m
from drivers.visca.models import profile_for, profile_from_version
from drivers.visca.sim import (
    CameraSimulator,
    PtySimulator,
    SimulatorThread,
    TCPSimulator,
    UDPSimulator,
    create_simulator,
    parse_port_spec,
)
from drivers.visca.sim.engine import ChainEngine, Outgoing
from drivers.visca.sim.state import Preset

FRAME = 1 / 59.94
SRG = profile_for("srg-300h")


class Clock:
    """Drives a ChainEngine on an explicit timeline."""

    def __init__(self, cameras: int = 1, model: str = "srg-300h", **options: Any) -> None:
        profile = profile_for(model)
        self.cams = [CameraSimulator(profile, i + 1, **options) for i in range(cameras)]
        self.engine = ChainEngine(self.cams)
        self.now = 0.0

    def send(self, request: m.Request | bytes, address: int = 1) -> None:
        packet = request if isinstance(request, bytes) else request.to_bytes(address)
        self.engine.receive(packet, self.now, None)

    def run(self, until: float) -> list[tuple[float, m.Reply]]:
        out: list[Outgoing] = []
        while (due := self.engine.next_due()) is not None and due <= until:
            self.now = max(self.now, due)
            out += self.engine.step(self.now)
        self.now = until
        return [(o.at, m.decode_reply(o.packet)) for o in out]

    def ask(self, request: m.Request, address: int = 1) -> bytes:
        self.send(request, address)
        replies = self.run(self.now + 2 * FRAME)
        assert len(replies) == 1, replies
        reply = replies[0][1]
        assert isinstance(reply, m.InquiryReply), reply
        return reply.data


def test_command_acked_after_one_frame_and_completed_one_frame_later() -> None:
    clock = Clock()
    clock.send(m.backlight(True))
    replies = clock.run(1.0)
    assert [type(r) for _, r in replies] == [m.Ack, m.Completion]
    (ack_at, ack), (done_at, done) = replies
    assert ack_at == pytest.approx(FRAME)
    assert done_at == pytest.approx(2 * FRAME)
    assert isinstance(ack, m.Ack)
    assert isinstance(done, m.Completion)
    assert ack.socket == done.socket == 1
    assert m.decode_mode(clock.ask(m.inq_backlight())) == 0x02


def test_one_message_per_frame_and_inquiries_use_no_socket() -> None:
    clock = Clock()
    for _ in range(3):
        clock.send(m.inq_power())
    replies = clock.run(1.0)
    assert [at for at, _ in replies] == pytest.approx([FRAME, 2 * FRAME, 3 * FRAME])
    assert all(isinstance(r, m.InquiryReply) for _, r in replies)


def test_absolute_move_completes_when_the_move_ends_and_position_is_live() -> None:
    clock = Clock()
    pan_deg, speed = 90.0, 0x10
    clock.send(m.pan_tilt_absolute(SRG.pan_from_degrees(pan_deg), 0, speed, speed))
    expected_s = pan_deg / SRG.pan_deg_per_s_at(speed)
    first = clock.run(expected_s / 2)
    assert [type(r) for _, r in first] == [m.Ack]
    mid_pan, _ = m.decode_pan_tilt(clock.ask(m.inq_pan_tilt_pos()))
    assert 0 < mid_pan < SRG.pan_from_degrees(pan_deg)
    assert m.decode_pan_tilt_status(clock.ask(m.inq_pan_tilt_mode())).moving
    rest = clock.run(expected_s + 1.0)
    assert [type(r) for _, r in rest] == [m.Completion]
    assert rest[0][0] == pytest.approx(FRAME + expected_s, abs=1e-6)
    assert m.decode_pan_tilt(clock.ask(m.inq_pan_tilt_pos())) == (SRG.pan_from_degrees(pan_deg), 0)


def test_drive_keeps_moving_until_the_limit_then_reports_the_end() -> None:
    clock = Clock()
    clock.send(m.pan_tilt_drive(m.PanDir.RIGHT, m.TiltDir.STOP, SRG.max_pan_speed, 1))
    replies = clock.run(0.5)
    assert [type(r) for _, r in replies] == [m.Ack, m.Completion]  # drive completes at once
    assert clock.cams[0].state_at(clock.now).moving
    clock.run(10.0)  # 170° at 101 °/s: long at the limit by now
    pan, _ = m.decode_pan_tilt(clock.ask(m.inq_pan_tilt_pos()))
    assert pan == SRG.pan_range[1]
    status = m.decode_pan_tilt_status(clock.ask(m.inq_pan_tilt_mode()))
    assert (status.pan_right_end, status.pan_left_end, status.moving) == (True, False, False)


def test_stop_halts_a_drive_where_it_is() -> None:
    clock = Clock()
    clock.send(m.pan_tilt_drive(m.PanDir.LEFT, m.TiltDir.UP, 0x05, 0x05))
    clock.run(1.0)
    clock.send(m.pan_tilt_stop())
    clock.run(1.1)
    stopped = m.decode_pan_tilt(clock.ask(m.inq_pan_tilt_pos()))
    clock.run(3.0)
    assert m.decode_pan_tilt(clock.ask(m.inq_pan_tilt_pos())) == stopped
    assert stopped[0] < 0 < stopped[1]  # left is negative, up is positive


def test_two_sockets_then_buffer_full_then_cancel() -> None:
    clock = Clock()
    clock.send(m.pan_tilt_absolute(0x2000, 0, 0x01, 0x01))  # slow: occupies socket 1
    clock.send(m.zoom_direct(0x4000))  # occupies socket 2 for seconds
    clock.send(m.backlight(True))
    replies = [r for _, r in clock.run(0.2)]
    assert replies[:2] == [m.Ack(1, 1), m.Ack(1, 2)]
    assert replies[2] == m.ErrorReply(1, 0, m.ErrorCode.BUFFER_FULL)
    clock.send(m.cancel(1))
    assert [r for _, r in clock.run(0.3)] == [m.ErrorReply(1, 1, m.ErrorCode.CANCELED)]
    clock.send(m.cancel(1))
    assert [r for _, r in clock.run(0.4)] == [m.ErrorReply(1, 1, m.ErrorCode.NO_SOCKET)]
    later = [r for _, r in clock.run(10.0)]
    assert later == [m.Completion(1, 2)]  # no completion ever comes for socket 1


def test_two_quick_recalls_give_ack_ack_completion_completion() -> None:
    clock = Clock()
    cam = clock.cams[0]
    cam.presets[1] = Preset(0x1000, 0x100, 0x2000, 0.0, True)
    clock.send(m.memory_recall(1, "0p"))
    clock.send(m.memory_recall(2, "0p"))
    replies = [r for _, r in clock.run(5.0)]
    assert replies == [m.Ack(1, 1), m.Ack(1, 2), m.Completion(1, 1), m.Completion(1, 2)]


def test_preset_store_recall_moves_back_and_completes_after_the_move() -> None:
    clock = Clock()
    target = (SRG.pan_from_degrees(-45.0), SRG.tilt_from_degrees(10.0))
    clock.send(m.pan_tilt_absolute(*target, 0x18, 0x17))
    clock.send(m.zoom_direct(0x2000))
    clock.run(3.0)
    clock.send(m.memory_set(3, "0p"))
    clock.send(m.pan_tilt_home())
    clock.run(6.0)
    assert m.decode_pan_tilt(clock.ask(m.inq_pan_tilt_pos())) == (0, 0)
    sent_at = clock.now
    clock.send(m.memory_recall(3, "0p"))
    replies = clock.run(sent_at + 5.0)
    assert [type(r) for _, r in replies] == [m.Ack, m.Completion]
    assert replies[1][0] - sent_at > 0.3  # 45° at the preset speed: not one frame
    assert m.decode_pan_tilt(clock.ask(m.inq_pan_tilt_pos())) == target
    assert m.decode_u16(clock.ask(m.inq_zoom_pos())) == 0x2000
    assert clock.ask(m.inq_memory()) == b"\x03"


def test_preset_lands_elsewhere_fault() -> None:
    clock = Clock()
    clock.send(m.memory_set(0, "0p"))
    clock.cams[0].faults.preset_offset = (400, -100)
    clock.send(m.memory_recall(0, "0p"))
    clock.run(3.0)
    assert m.decode_pan_tilt(clock.ask(m.inq_pan_tilt_pos())) == (400, -100)


@pytest.mark.parametrize(
    ("packet", "code"),
    [
        ("81 01 04 99 02 ff", m.ErrorCode.SYNTAX),  # unknown command
        ("81 01 06 01 19 01 01 03 ff", m.ErrorCode.SYNTAX),  # pan speed above 18h
        ("81 01 06 02 18 17 07 00 00 00 00 00 00 00 ff", m.ErrorCode.SYNTAX),  # pan 7000 > 2200
        ("81 01 04 3f 02 10 ff", m.ErrorCode.SYNTAX),  # preset 16 on a 0p model
        ("81 01 04 47 00 00 00 00 00 00 00 00 00 00 00 00 00 ff", m.ErrorCode.LENGTH),
        ("81 05 ff", m.ErrorCode.SYNTAX),
    ],
)
def test_error_replies(packet: str, code: m.ErrorCode) -> None:
    clock = Clock()
    clock.send(bytes.fromhex(packet))
    assert [r for _, r in clock.run(0.1)] == [m.ErrorReply(1, 0, code)]


@pytest.mark.parametrize("model", ["generic", "srg-300h", "evi-d70"])
def test_speed_zero_accepted_where_no_source_shows_the_quirk(model: str) -> None:
    clock = Clock(model=model)
    clock.send(bytes.fromhex("81 01 06 01 00 00 03 03 ff"))
    assert [type(r) for _, r in clock.run(0.1)] == [m.Ack, m.Completion]


def test_speed_zero_is_a_syntax_error_in_strict_mode() -> None:
    clock = Clock(strict=True)  # the BRC-300 behaviour (obs-ptz#40)
    clock.send(bytes.fromhex("81 01 06 01 00 01 03 03 ff"))
    assert [r for _, r in clock.run(0.1)] == [m.ErrorReply(1, 0, m.ErrorCode.SYNTAX)]


def test_not_executable_with_menu_open_during_one_push_wb_and_in_standby() -> None:
    clock = Clock(power_transition_s=0.5)
    clock.cams[0].open_menu()
    clock.send(m.backlight(True))
    assert [r for _, r in clock.run(0.1)] == [m.ErrorReply(1, 1, m.ErrorCode.NOT_EXECUTABLE)]
    clock.send(m.menu_off())
    clock.send(m.wb_mode(m.WBMode.ONE_PUSH))
    clock.send(m.wb_one_push_trigger())
    clock.send(m.backlight(True))
    replies = [r for _, r in clock.run(0.3)]
    # socket 1 holds the one-push WB until it ends; the 41 names the socket it would use
    assert replies[-1] == m.ErrorReply(1, 2, m.ErrorCode.NOT_EXECUTABLE)
    clock.run(2.0)
    clock.send(m.power(False))
    clock.run(3.0)
    assert not m.decode_power(clock.ask(m.inq_power()))
    clock.send(m.pan_tilt_home())
    assert [r for _, r in clock.run(3.2)] == [m.ErrorReply(1, 1, m.ErrorCode.NOT_EXECUTABLE)]
    clock.send(m.focus_near())  # manual focus while AF is on: 41 as well
    clock.send(m.power(True))
    replies = [r for _, r in clock.run(3.5)]
    assert replies[0] == m.ErrorReply(1, 1, m.ErrorCode.NOT_EXECUTABLE)
    assert replies[1] == m.Ack(1, 1)


def test_if_clear_empties_the_sockets_without_completions() -> None:
    clock = Clock()
    clock.send(m.zoom_direct(0x4000))
    clock.run(0.1)
    clock.send(m.if_clear(broadcast=False))
    assert [r for _, r in clock.run(5.0)] == [m.Completion(1, 0)]
    assert clock.cams[0].state_at(5.0).busy_sockets == ()


def test_every_inquiry_is_answered_consistently() -> None:
    clock = Clock(camera_id=0x1234)
    for request in (m.ae_mode(m.AEMode.MANUAL), m.wb_mode(m.WBMode.INDOOR), m.iris(0x0A)):
        clock.send(request)
    clock.send(m.focus_auto(False))
    clock.send(m.focus_direct(0x8000))
    clock.run(2.0)
    version = m.decode_version(clock.ask(m.inq_version()))
    assert profile_from_version(version.vendor, version.model) is SRG
    assert version.max_socket == 2
    assert m.decode_power(clock.ask(m.inq_power()))
    assert m.decode_mode(clock.ask(m.inq_ae_mode())) == m.AEMode.MANUAL
    assert m.decode_mode(clock.ask(m.inq_wb_mode())) == m.WBMode.INDOOR
    assert m.decode_u8(clock.ask(m.inq_iris_pos())) == 0x0A
    assert m.decode_mode(clock.ask(m.inq_focus_mode())) == 0x03
    assert m.decode_u16(clock.ask(m.inq_focus_pos())) == 0x8000
    assert m.decode_u16(clock.ask(m.inq_id())) == 0x1234
    assert m.decode_max_speed(clock.ask(m.inq_pan_tilt_max_speed())) == (0x18, 0x17)
    assert m.decode_ir_condition(clock.ask(m.inq_ir_condition())) == m.IRCondition.STABLE
    assert clock.ask(m.inq_video_system()) == b"\x00"  # 1080p/59.94
    lens = m.decode_block(0, clock.ask(m.inq_block(0)))
    assert isinstance(lens, m.LensBlock)
    assert (lens.focus_pos, lens.focus_auto) == (0x8000, False)
    camera = m.decode_block(1, clock.ask(m.inq_block(1)))
    assert isinstance(camera, m.CameraBlock)
    assert (camera.ae_mode, camera.wb_mode, camera.iris) == (0x03, 0x01, 0x0A)
    other = m.decode_block(2, clock.ask(m.inq_block(2)))
    assert isinstance(other, m.OtherBlock)
    assert (other.power, other.camera_id) == (True, 0x1234)
    for n in (3, 4, 5):
        assert len(clock.ask(m.inq_block(n))) == 13


def test_daisy_chain_address_set_and_routing() -> None:
    clock = Clock(cameras=3)
    clock.send(m.address_set().to_bytes(1))
    replies = clock.run(0.2)
    assert [r for _, r in replies] == [m.AddressReply(4)]
    assert replies[0][0] == pytest.approx(3 * FRAME)  # one frame per camera on the way
    clock.send(m.inq_power(), address=3)
    assert [r.address for _, r in clock.run(0.4)] == [3]
    clock.send(m.inq_power(), address=5)  # nobody there: no answer at all
    assert clock.run(1.0) == []
    clock.send(m.if_clear().to_bytes(1))
    assert [r for _, r in clock.run(1.2)] == [m.IfClearEcho()]


def test_unaddressed_chain_answers_only_the_first_camera() -> None:
    profile = profile_for("srg-300h")
    cams = [CameraSimulator(profile, i + 1) for i in range(2)]
    engine = ChainEngine(cams, addressed=False)
    engine.receive(m.inq_power().to_bytes(2), 0.0)
    engine.receive(m.inq_power().to_bytes(1), 0.0)
    out = engine.step(1.0)
    assert [m.decode_reply(o.packet) for o in out] == [m.InquiryReply(1, b"\x02")]


def test_faults_silent_dropped_ack_dropped_completion_slow_forced_error() -> None:
    clock = Clock()
    faults = clock.cams[0].faults
    faults.silent = True
    clock.send(m.inq_power())
    assert clock.run(0.5) == []
    faults.silent = False
    faults.drop_acks = 1
    clock.send(m.backlight(True))
    assert [type(r) for _, r in clock.run(1.0)] == [m.Completion]  # the command still ran
    faults.drop_completions = 1
    clock.send(m.backlight(False))
    assert [type(r) for _, r in clock.run(1.5)] == [m.Ack]
    faults.slow_s = 0.25
    clock.send(m.inq_power())
    assert clock.run(2.0)[0][0] == pytest.approx(1.5 + FRAME + 0.25)
    faults.slow_s = 0.0
    faults.error_code, faults.error_count = m.ErrorCode.NOT_EXECUTABLE, 1
    clock.send(m.backlight(True))
    clock.send(m.backlight(True))
    replies = [r for _, r in clock.run(3.0)]
    assert replies[0] == m.ErrorReply(1, 1, m.ErrorCode.NOT_EXECUTABLE)
    assert replies[1] == m.Ack(1, 1)


# --- the servers, with real I/O ------------------------------------------------------------


def _exists(path: str) -> bool:
    return os.path.lexists(path)


def _read_packets(port: serial.Serial, count: int) -> list[bytes]:
    out = []
    while len(out) < count:
        packet = port.read_until(b"\xff")
        if not packet:
            break
        out.append(packet)
    return out


async def test_pty_paces_bytes_at_the_baud_rate_and_answers_after_a_frame() -> None:
    async with PtySimulator(baud=9600, network_change=False) as sim:
        port = serial.Serial(sim.path, 9600, timeout=2)
        try:
            request = m.inq_pan_tilt_pos().to_bytes(1)

            def round_trip() -> tuple[list[bytes], float]:
                start = time.monotonic()
                port.write(request)
                return _read_packets(port, 1), time.monotonic() - start

            packets, elapsed = await asyncio.to_thread(round_trip)
        finally:
            port.close()
    assert m.decode_pan_tilt(m.decode_reply(packets[0]).data) == (0, 0)  # type: ignore[union-attr]
    wire_s = (len(request) + len(packets[0])) * 10 / 9600
    # A pty moves bytes instantly; the simulator must hold them for the line time.
    assert elapsed >= 0.95 * (wire_s + FRAME)


async def test_pty_unplug_fails_the_reader_and_replug_keeps_the_path() -> None:
    async with PtySimulator(cameras=2, network_change=True, frame_s=0.002) as sim:
        path = sim.path
        port = serial.Serial(path, 9600, timeout=1)
        try:
            sim.send_network_change()
            first = await asyncio.to_thread(_read_packets, port, 1)
            assert m.decode_reply(first[0]) == m.NetworkChange(1)
            sim.unplug()
            assert not _exists(path)
            with pytest.raises(serial.SerialException):
                await asyncio.to_thread(port.read, 1)
        finally:
            port.close()
        sim.replug()
        assert _exists(path)
        port = serial.Serial(path, 9600, timeout=1)  # opening flushes the power-up 38
        try:
            port.write(m.inq_power().to_bytes(2))
            packets = await asyncio.to_thread(_read_packets, port, 1)
        finally:
            port.close()
    assert [m.decode_reply(p) for p in packets] == [m.InquiryReply(2, b"\x02")]
    assert not _exists(path)


async def test_pty_garbage_and_inject() -> None:
    async with PtySimulator(network_change=False, frame_s=0.002) as sim:
        port = serial.Serial(sim.path, 9600, timeout=0.5)
        try:
            sim.garbage()
            port.write(m.inq_power().to_bytes(1))
            noise = await asyncio.to_thread(port.read, 4)
            assert len(noise) == 4
            assert noise != b"\x90\x50\x02\xff"
            sim.garbage(False)
            sim.inject(b"\x13\x11\x90\x38\xff")
            injected = await asyncio.to_thread(port.read, 5)
        finally:
            port.close()
    assert injected == b"\x13\x11\x90\x38\xff"


async def test_tcp_replies_go_to_the_client_that_asked() -> None:
    async with TCPSimulator(cameras=2, frame_s=0.002, network_change=True) as sim:
        r1, w1 = await asyncio.open_connection("127.0.0.1", sim.port)
        r2, w2 = await asyncio.open_connection("127.0.0.1", sim.port)
        try:
            assert await r1.readuntil(b"\xff") == b"\x90\x38\xff"
            assert await r2.readuntil(b"\xff") == b"\x90\x38\xff"
            w2.write(m.inq_power().to_bytes(2))
            w1.write(m.inq_zoom_pos().to_bytes(1))
            assert m.decode_reply(await r2.readuntil(b"\xff")) == m.InquiryReply(2, b"\x02")
            reply = m.decode_reply(await r1.readuntil(b"\xff"))
            assert reply == m.InquiryReply(1, b"\x00\x00\x00\x00")
        finally:
            for writer in (w1, w2):
                writer.close()
                await writer.wait_closed()


@pytest.mark.parametrize("baud", [None, 9600])
async def test_tcp_stop_right_after_a_client_left_logs_no_error(baud: int | None) -> None:
    # A client that disconnects just before the simulator stops: its handler is still
    # closing. Cancelling it made asyncio log "Exception in callback … CancelledError".
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    try:
        for yields in range(4):
            sim = TCPSimulator(cameras=1, frame_s=0.002, baud=baud, network_change=False)
            await sim.start()
            r1, w1 = await asyncio.open_connection("127.0.0.1", sim.port)
            r2, w2 = await asyncio.open_connection("127.0.0.1", sim.port)
            try:
                w1.write(m.inq_power().to_bytes(1))
                assert await r1.readuntil(b"\xff") == b"\x90\x50\x02\xff"
                w1.close()
                await w1.wait_closed()
                for _ in range(yields):
                    await asyncio.sleep(0)
                await sim.stop()
                assert await asyncio.wait_for(r2.read(), 2) == b""  # still-open client: EOF
            finally:
                w2.close()
                await w2.wait_closed()
            await asyncio.sleep(0.01)  # let done-callbacks run
    finally:
        loop.set_exception_handler(None)
    assert errors == []


async def test_raw_udp_round_trip() -> None:
    async with UDPSimulator(sony_header=False, frame_s=0.002) as sim:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        try:
            loop = asyncio.get_running_loop()
            await loop.sock_sendto(sock, m.power(True).to_bytes(1), ("127.0.0.1", sim.port))
            ack = await asyncio.wait_for(loop.sock_recv(sock, 64), 2)
            done = await asyncio.wait_for(loop.sock_recv(sock, 64), 2)
        finally:
            sock.close()
    assert (m.decode_reply(ack), m.decode_reply(done)) == (m.Ack(1, 1), m.Completion(1, 1))


def test_simulator_thread_serves_synchronous_callers() -> None:
    with SimulatorThread(lambda: PtySimulator(frame_s=0.002, network_change=False)) as runner:
        path = runner.call(lambda sim: sim.path)
        port = serial.Serial(path, 9600, timeout=3)  # a move; slack for a loaded CI
        try:
            port.write(m.pan_tilt_absolute(0x200, 0x100, 0x18, 0x17).to_bytes(1))
            packets = _read_packets(port, 2)
        finally:
            port.close()
        state = runner.sim.camera(1).state
    assert [m.decode_reply(p) for p in packets] == [m.Ack(1, 1), m.Completion(1, 1)]
    assert (state.pan, state.tilt, state.pan_deg) == (0x200, 0x100, pytest.approx(10.0))
    assert not _exists(path)


def test_port_specs() -> None:
    assert parse_port_spec("pty") == ("pty", None)
    assert parse_port_spec("sony-udp") == ("sony-udp", 52381)
    assert parse_port_spec("tcp:0") == ("tcp", 0)
    assert isinstance(create_simulator("udp:0"), UDPSimulator)
    for bad in ("serial", "tcp:http", "udp:70000", "pty:3"):
        with pytest.raises(ValueError, match="port"):
            parse_port_spec(bad)


def test_model_quirks_five_nibbles_single_speed_and_osd_preset() -> None:
    she = Clock(model="srg-360she")
    profile = profile_for("srg-360she")
    target = (profile.pan_from_degrees(120.0), profile.tilt_from_degrees(60.0))
    she.send(m.pan_tilt_absolute(*target, 0x18, None, pan_nibbles=5, tilt_nibbles=5))
    she.run(5.0)
    data = she.ask(m.inq_pan_tilt_pos(5, 5))
    assert m.decode_pan_tilt(data, 5, 5) == target
    strict = Clock(strict=True)  # SRG-300H has no "VV 00" form: WW = 00 is speed zero
    strict.send(m.pan_tilt_absolute(0x100, 0, 0x10, None))
    assert [r for _, r in strict.run(0.1)] == [m.ErrorReply(1, 0, m.ErrorCode.SYNTAX)]
    ptz = Clock(model="ptzoptics-20x")
    ptz.send(m.memory_recall(0x5F))  # PTZOptics: recalling 95 opens the OSD menu
    ptz.send(m.backlight(True))
    replies = [r for _, r in ptz.run(0.2)]
    assert replies[-1] == m.ErrorReply(1, 1, m.ErrorCode.NOT_EXECUTABLE)
    assert ptz.ask(m.inq_menu_mode()) == b"\x02"
    ptz.send(m.menu_off())
    ptz.run(0.5)
    assert ptz.ask(m.inq_menu_mode()) == b"\x03"


@pytest.mark.parametrize(
    "name", sorted(n for n in m.__all__ if n.startswith("inq_") and n != "inq_block")
)
def test_every_inquiry_builder_gets_an_answer_of_its_length(name: str) -> None:
    request = getattr(m, name)()
    data = Clock().ask(request)
    if request.reply_len is not None:
        assert len(data) == request.reply_len


def test_settings_commands_land_in_their_inquiries() -> None:
    clock = Clock()
    for request in (m.ir_receive(False), m.defog(True), m.slow_shutter(True), m.gamma(1)):
        clock.send(request)
    assert [type(r) for _, r in clock.run(1.0)] == [m.Ack, m.Completion] * 4
    assert clock.ask(m.inq_ir_receive()) == b"\x03"
    assert clock.ask(m.inq_defog()) == b"\x02\x00"


def test_preset_speed_common_slows_the_recall() -> None:
    def recall_seconds(*setup: m.Request) -> float:
        clock = Clock()
        for request in (*setup, m.memory_set(1, "0p")):
            clock.send(request)
        clock.send(m.pan_tilt_home())
        clock.run(5.0)
        clock.send(m.memory_recall(1, "0p"))
        replies = clock.run(30.0)
        return replies[-1][0] - 5.0

    move = m.pan_tilt_absolute(SRG.pan_from_degrees(90), 0, 0x18, 0x17)
    fast = recall_seconds(move)
    slow = recall_seconds(move, m.preset_speed_select(2), m.preset_speed_common(5))
    assert slow > 5 * fast


def test_ptzoptics_focus_lock_and_osd_keys() -> None:
    ptz, sony = Clock(model="ptzoptics-20x"), Clock()
    for clock in (ptz, sony):
        clock.send(m.focus_lock(True))
        clock.send(m.osd_enter())
    assert [type(r) for _, r in ptz.run(0.5)] == [m.Ack, m.Completion] * 2
    assert [r for _, r in sony.run(0.5)] == [m.ErrorReply(1, 0, m.ErrorCode.SYNTAX)] * 2


async def test_a_lone_ff_in_front_of_a_packet_does_not_swallow_it() -> None:
    # Line noise often ends in FF (issue #7 item 8): the packet after it must be answered.
    async with PtySimulator(network_change=False, frame_s=0.002) as sim:
        port = serial.Serial(sim.path, 9600, timeout=2)
        try:
            port.write(b"\xff" + m.inq_power().to_bytes(1) + b"\x13\xff\xff")
            port.write(m.inq_zoom_pos().to_bytes(1))
            packets = await asyncio.to_thread(_read_packets, port, 2)
        finally:
            port.close()
    assert [m.decode_reply(p) for p in packets] == [
        m.InquiryReply(1, b"\x02"),
        m.InquiryReply(1, b"\x00\x00\x00\x00"),
    ]


def test_srg_300h_colour_gain_hue_and_colour_system() -> None:
    # The SRG-300H's cited manual (SONY-HTML Sony_SRG-300H.html) lists CAM_ColorHue and
    # its inquiry, CAM_ColorGainInq and Color System + inquiry (issue #7 item 10).
    clock = Clock(model="srg-300h")
    assert clock.ask(m.inq_color_gain()) == bytes.fromhex("00000004")  # 100 %
    assert clock.ask(m.inq_color_hue()) == bytes.fromhex("00000007")  # 0°
    assert clock.ask(m.inq_color_system()) == b"\x00"  # HDMI YUV
    for request in (m.color_gain(0, 0x0A), m.color_hue(0, 0x02), m.color_system(2)):
        clock.send(request)
        assert [type(r) for _, r in clock.run(clock.now + 0.1)] == [m.Ack, m.Completion]
    assert clock.ask(m.inq_color_gain()) == bytes.fromhex("0000000a")
    assert clock.ask(m.inq_color_hue()) == bytes.fromhex("00000002")
    assert clock.ask(m.inq_color_system()) == b"\x02"
    assert m.decode_block(5, clock.ask(m.inq_block(5))).color_hue == 0x02  # block 3 too
    clock.send(bytes.fromhex("81 01 04 4f 00 00 07 00 ff"))  # colour 7: no such colour
    assert [r for _, r in clock.run(clock.now + 0.1)] == [m.ErrorReply(1, 0, m.ErrorCode.SYNTAX)]


def test_colour_message_bytes() -> None:
    assert m.color_hue(0, 0x0E).hex() == "81 01 04 4F 00 00 00 0E FF"
    assert m.color_gain(6, 0x04).hex() == "81 01 04 49 00 00 06 04 FF"
    assert m.color_system(3).hex() == "81 01 7E 01 03 00 03 FF"
    assert m.inq_color_system().hex() == "81 09 7E 01 03 FF"
    with pytest.raises(ValueError, match="colour hue"):
        m.color_hue(0, 0x0F)
