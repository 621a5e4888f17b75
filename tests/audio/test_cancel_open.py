"""A level meter cancelled while PortAudio opens its stream must not leak the stream.

The open runs in a worker thread, which a cancel cannot stop. Before
``drivers.supervision.open_in_thread`` the stream it then opened was dropped still
running and still counted open, so every later device re-scan (``_sd.reinitialize``)
failed with "1 audio stream(s) still open".
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from drivers.audio import LevelMeter, _sd
from drivers.audio.simulator import RoomAudioSimulator

RESCAN_WAIT_S = 2.0


async def test_start_cancelled_mid_open_closes_the_stream(
    room_audio: RoomAudioSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered = threading.Event()
    go = threading.Event()
    returned = threading.Event()
    real_open = _sd.open_input

    def held_open(*args: Any, **kwargs: Any) -> _sd.Stream:
        # The real open, held at its start until the caller has been cancelled.
        entered.set()
        go.wait(5.0)
        try:
            return real_open(*args, **kwargs)
        finally:
            returned.set()

    monkeypatch.setattr(_sd, "open_input", held_open)
    meter = LevelMeter("Room Mic")
    starter = asyncio.create_task(meter.start(), name="test:meter-start")
    try:
        assert await asyncio.to_thread(entered.wait, 5.0), "the open never started"
        starter.cancel()  # the worker thread is inside the open now
        await asyncio.wait({starter}, timeout=2.0)
        assert starter.cancelled()
    finally:
        go.set()
        if not starter.done():
            starter.cancel()
            await asyncio.wait({starter}, timeout=2.0)
    assert await asyncio.to_thread(returned.wait, 5.0), "the open never returned"
    # The stream the thread opened is closed once it returns: a re-scan (which waits up
    # to RESCAN_WAIT_S for every stream to close) goes through.
    await asyncio.to_thread(_sd.reinitialize, RESCAN_WAIT_S)
    await meter.stop()  # nothing to close: it never got the stream
