"""ViscaPort request/reply matching over a real pty, with the test scripting the camera.

The camera simulator drives the acceptance tests (test_camera.py, test_faults.py,
test_ip.py); here each test controls reply order and timing exactly: out-of-order
completions, a completion without an ACK, a Stop that must overtake queued moves, drive
coalescing, lost replies.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from drivers.errors import (
    CommandRejectedError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    ProtocolError,
)
from drivers.visca import messages as m
from drivers.visca.protocol import ViscaPort
from drivers.visca.transport import SerialTransport
from tests.visca.link_peers import ScriptedCamera

ACK1, ACK2 = bytes.fromhex("9041ff"), bytes.fromhex("9042ff")
DONE1, DONE2 = bytes.fromhex("9051ff"), bytes.fromhex("9052ff")
RIGHT = m.pan_tilt_drive(m.PanDir.RIGHT, m.TiltDir.STOP, 5, 5)
LEFT = m.pan_tilt_drive(m.PanDir.LEFT, m.TiltDir.STOP, 5, 5)
STOP = m.pan_tilt_stop()
POWER_ON = bytes.fromhex("905002ff")


async def _next_is_a_marker(cam: ScriptedCamera, port: ViscaPort) -> None:
    """A marker inquiry queued now is the next packet on the wire: nothing queued before
    it (a superseded drive, an early retry) went out — a real signal, not a sleep."""
    marker = asyncio.create_task(port.inquire(1, m.inq_power()))
    assert await cam.packet() == m.inq_power().to_bytes(1)
    cam.write(POWER_ON)
    assert m.decode_power(await asyncio.wait_for(marker, 1)) is True


@contextlib.asynccontextmanager
async def _rig(timeout_s: float) -> AsyncIterator[tuple[ScriptedCamera, ViscaPort]]:
    cam = ScriptedCamera()
    port = ViscaPort(
        SerialTransport(cam.path),
        ack_timeout_s=timeout_s,
        inquiry_timeout_s=timeout_s,
        completion_timeout_s=0.4 if timeout_s < 1 else 2 * timeout_s,
        retries=1,
        silent_limit=2,
        init_chain=False,
    )
    await port.open()
    try:
        yield cam, port
    finally:
        await port.close()
        cam.close()


@pytest.fixture
async def rig() -> AsyncIterator[tuple[ScriptedCamera, ViscaPort]]:
    """Short deadlines: the tests of what happens when they pass."""
    async with _rig(0.15) as pair:
        yield pair


@pytest.fixture
async def patient_rig() -> AsyncIterator[tuple[ScriptedCamera, ViscaPort]]:
    """Deadlines no loaded CI core reaches: the tests of ordering, not of timeouts (with
    0.15 s an inquiry timed out under a parallel make test before the test answered it)."""
    async with _rig(5.0) as pair:
        yield pair


async def test_ack_then_completion_matched_by_socket_even_out_of_order(rig) -> None:
    cam, port = rig
    first = asyncio.create_task(port.command(1, m.memory_recall(1, "0p")))
    assert await cam.packet() == m.memory_recall(1, "0p").to_bytes(1)
    cam.write(ACK1)
    second = asyncio.create_task(port.command(1, m.power(True)))
    assert await cam.packet() == m.power(True).to_bytes(1)  # sent after the first ACK
    cam.write(ACK2 + DONE2)
    await asyncio.wait_for(second, 1)
    assert not first.done()  # socket 1 is still running
    cam.write(DONE1)
    await asyncio.wait_for(first, 1)


async def test_completion_without_ack_is_accepted(rig) -> None:
    cam, port = rig
    task = asyncio.create_task(port.command(1, m.power(False)))
    await cam.packet()
    cam.write(DONE1)
    await asyncio.wait_for(task, 1)


async def test_inquiry_answer_and_wrong_length(rig) -> None:
    cam, port = rig
    task = asyncio.create_task(port.inquire(1, m.inq_power()))
    assert await cam.packet() == bytes.fromhex("81090400ff")
    cam.write(bytes.fromhex("905002ff"))
    assert m.decode_power(await asyncio.wait_for(task, 1)) is True
    task = asyncio.create_task(port.inquire(1, m.inq_zoom_pos()))
    await cam.packet()
    cam.write(bytes.fromhex("905001ff"))  # one byte where four are due
    with pytest.raises(ProtocolError, match="expected 4"):
        await asyncio.wait_for(task, 1)


async def test_error_reply_is_command_rejected_with_code_and_text(rig) -> None:
    cam, port = rig
    task = asyncio.create_task(port.command(1, m.focus_direct(0x1000)))
    await cam.packet()
    cam.write(bytes.fromhex("906141ff"))  # not executable, socket 1 (EVI-D100 example)
    with pytest.raises(CommandRejectedError) as info:
        await asyncio.wait_for(task, 1)
    assert info.value.code == 0x41
    assert "not executable" in str(info.value)
    assert info.value.operation == m.focus_direct(0x1000).name


async def test_stop_overtakes_queued_moves(patient_rig) -> None:
    cam, port = patient_rig
    # An inquiry holds the port; two moves queue behind it, then a stop.
    inquiry = asyncio.create_task(port.inquire(1, m.inq_power()))
    await cam.packet()
    moves = [
        asyncio.create_task(port.command(1, m.memory_recall(n, "0p"), wait_completion=False))
        for n in (2, 3)
    ]
    await asyncio.sleep(0.01)
    stop = asyncio.create_task(port.stop(1, STOP))
    await asyncio.sleep(0.01)
    cam.write(bytes.fromhex("905002ff"))
    await asyncio.wait_for(inquiry, 1)
    assert await cam.packet() == STOP.to_bytes(1)  # first after the inquiry
    cam.write(ACK1 + DONE1)
    await asyncio.wait_for(stop, 1)
    for n, task in zip((2, 3), moves, strict=True):
        assert await cam.packet() == m.memory_recall(n, "0p").to_bytes(1)
        cam.write(ACK2)
        await asyncio.wait_for(task, 1)


async def test_drives_are_coalesced_to_the_latest(patient_rig) -> None:
    cam, port = patient_rig
    inquiry = asyncio.create_task(port.inquire(1, m.inq_power()))
    await cam.packet()
    speeds = [1, 3, 7, 9, 0x10]
    drives = [
        asyncio.create_task(port.drive(1, m.pan_tilt_drive(m.PanDir.RIGHT, m.TiltDir.UP, s, s)))
        for s in speeds
    ]
    await asyncio.sleep(0.01)
    cam.write(bytes.fromhex("905002ff"))
    await inquiry
    sent = await cam.packet()
    assert sent == m.pan_tilt_drive(m.PanDir.RIGHT, m.TiltDir.UP, 0x10, 0x10).to_bytes(1)
    cam.write(ACK1)
    await asyncio.wait_for(asyncio.gather(*drives), 1)
    await _next_is_a_marker(cam, port)  # the four older drives never went out


async def test_stop_supersedes_a_queued_drive(patient_rig) -> None:
    cam, port = patient_rig
    inquiry = asyncio.create_task(port.inquire(1, m.inq_power()))
    await cam.packet()
    drive = asyncio.create_task(port.drive(1, RIGHT))
    await asyncio.sleep(0.01)
    stop = asyncio.create_task(port.stop(1, STOP))
    await asyncio.sleep(0.01)
    cam.write(bytes.fromhex("905002ff"))
    await inquiry
    assert await cam.packet() == STOP.to_bytes(1)
    cam.write(ACK1 + DONE1)
    await asyncio.wait_for(asyncio.gather(drive, stop), 1)
    await _next_is_a_marker(cam, port)  # the superseded drive was not sent


async def test_stop_with_both_sockets_busy_cancels_the_drive(rig) -> None:
    cam, port = rig
    drive = asyncio.create_task(port.drive(1, RIGHT))
    await cam.packet()
    cam.write(ACK1)  # the drive runs in socket 1 until stopped
    await drive
    zoom = asyncio.create_task(port.drive(1, m.zoom_tele(), group="zoom"))
    await cam.packet()
    cam.write(ACK2)
    await zoom
    stop = asyncio.create_task(port.stop(1, STOP))
    assert await cam.packet() == STOP.to_bytes(1)
    cam.write(bytes.fromhex("906003ff"))  # buffer full
    assert await cam.packet() == bytes.fromhex("8121ff")  # Cancel socket 1 (the pan drive)
    cam.write(bytes.fromhex("906104ff"))
    await asyncio.wait_for(stop, 1)


async def test_no_answer_resends_then_times_out_then_marks_unavailable(rig) -> None:
    cam, port = rig
    task = asyncio.create_task(port.command(1, m.power(True)))
    packet = await cam.packet()
    assert await cam.packet() == packet  # the same bytes again after ACK_TIMEOUT_S
    with pytest.raises(DeviceTimeoutError, match="no answer to 2 tries"):
        await asyncio.wait_for(task, 2)
    with pytest.raises(DeviceUnavailableError, match="does not answer"):
        await port.inquire(1, m.inq_power())  # second silent message: silent_limit = 2
    assert port.unavailable == {1}
    cam.pending()
    # While unavailable, one try per message; the first answer clears the mark.
    task = asyncio.create_task(port.inquire(1, m.inq_power()))
    await cam.packet()
    cam.write(bytes.fromhex("905003ff"))
    assert m.decode_power(await asyncio.wait_for(task, 1)) is False
    assert port.unavailable == frozenset()


async def test_buffer_full_waits_for_a_completion_and_retries(patient_rig) -> None:
    cam, port = patient_rig
    running = asyncio.create_task(port.command(1, m.memory_recall(1, "0p")))
    await cam.packet()
    cam.write(ACK1)
    task = asyncio.create_task(port.command(1, m.power(True)))
    first = await cam.packet()
    cam.write(bytes.fromhex("906003ff"))
    # The first marker may have queued at the gate before the port read the buffer-full
    # reply; once it is answered, an eager retry would be queued ahead of the second.
    await _next_is_a_marker(cam, port)
    await _next_is_a_marker(cam, port)  # no retry hammering the camera meanwhile
    cam.write(DONE1)
    await asyncio.wait_for(running, 1)
    # The completion brings the retry: the patient rig's own fallback (a 10 s
    # completion timeout) is far beyond this 2 s wait.
    assert await cam.packet(timeout_s=2) == first
    cam.write(ACK1 + DONE1)
    await asyncio.wait_for(task, 1)


async def test_lost_completion_resends_once_then_succeeds(rig) -> None:
    cam, port = rig
    task = asyncio.create_task(port.command(1, m.memory_recall(4, "0p")))
    packet = await cam.packet()
    cam.write(ACK1)  # ... and the completion is lost
    assert await cam.packet(timeout_s=1) == packet
    cam.write(ACK2 + DONE2)
    await asyncio.wait_for(task, 1)


async def test_lost_completion_of_a_non_idempotent_command_is_a_timeout(rig) -> None:
    cam, port = rig
    move = m.pan_tilt_relative(100, 0, 5, 5)
    task = asyncio.create_task(port.command(1, move, resend_on_lost_completion=False))
    await cam.packet()
    cam.write(ACK1)
    with pytest.raises(DeviceTimeoutError, match="not completed"):
        await asyncio.wait_for(task, 2)
    assert cam.pending() == []


async def test_cancel_ends_the_command_in_its_socket(rig) -> None:
    cam, port = rig
    task = asyncio.create_task(port.command(1, m.memory_recall(2, "0p")))
    await cam.packet()
    cam.write(ACK2)
    await asyncio.sleep(0.01)
    cancel = asyncio.create_task(port.cancel(1, 2))
    assert await cam.packet() == bytes.fromhex("8122ff")
    cam.write(bytes.fromhex("906204ff"))
    await asyncio.wait_for(cancel, 1)
    with pytest.raises(CommandRejectedError) as info:
        await asyncio.wait_for(task, 1)
    assert info.value.code == m.ErrorCode.CANCELED
    # nothing to cancel → error 05
    cancel = asyncio.create_task(port.cancel(1, 1))
    await cam.packet()
    cam.write(bytes.fromhex("906105ff"))
    with pytest.raises(CommandRejectedError, match="nothing to cancel"):
        await asyncio.wait_for(cancel, 1)


async def test_network_change_runs_address_set_again() -> None:
    cam = ScriptedCamera()
    port = ViscaPort(SerialTransport(cam.path), ack_timeout_s=0.2)
    try:
        opening = asyncio.create_task(port.open())
        assert await cam.packet() == bytes.fromhex("883001ff")
        cam.write(bytes.fromhex("883002ff"))
        assert await cam.packet() == bytes.fromhex("88010001ff")  # IF_Clear broadcast
        cam.write(bytes.fromhex("88010001ff"))
        assert await asyncio.wait_for(opening, 1) == 1
        cam.write(bytes.fromhex("9038ff"))
        assert await cam.packet() == bytes.fromhex("883001ff")
        cam.write(bytes.fromhex("883003ff"))
        for _ in range(100):
            if port.camera_count == 2:
                break
            await asyncio.sleep(0.01)
        assert port.camera_count == 2
        assert port.network_changes == 1
    finally:
        await port.close()
        cam.close()


async def test_link_lost_fails_waiters_at_once(rig) -> None:
    cam, port = rig
    task = asyncio.create_task(port.command(1, m.memory_recall(1, "0p")))
    await cam.packet()
    cam.write(ACK1)
    await asyncio.sleep(0.01)
    cam.unplug()
    with pytest.raises(DeviceUnavailableError):
        await asyncio.wait_for(task, 0.5)
    assert not port.is_open
    with pytest.raises(DeviceUnavailableError):
        await port.inquire(1, m.inq_power())
    assert isinstance(await asyncio.wait_for(port.wait_closed(), 0.5), DeviceUnavailableError)


async def test_garbage_and_stray_replies_are_dropped(rig) -> None:
    cam, port = rig
    seen: list[tuple[str, bytes]] = []
    port.on_trace = lambda direction, packet: seen.append((direction, packet))
    task = asyncio.create_task(port.inquire(1, m.inq_power()))
    await cam.packet()
    cam.write(b"\x00\x13\x11" + bytes.fromhex("9052ff") + bytes.fromhex("90ffa0b1ff"))
    cam.write(bytes.fromhex("905002ff"))
    assert m.decode_power(await asyncio.wait_for(task, 1)) is True
    assert ("tx", bytes.fromhex("81090400ff")) in seen
    assert ("rx", bytes.fromhex("905002ff")) in seen
