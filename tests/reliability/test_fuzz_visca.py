"""Fuzz: the VISCA framer and reply decoder, and the camera simulator's command parser.

- Framer.feed never raises, yields only well-formed packets and never holds more than
  its cap; decode_reply never raises on a framed packet (VISCA.md §1.1).
- The simulator (a whole 2-camera chain) never raises on any packet a controller could
  frame, and everything it sends is a well-formed VISCA packet from one of its cameras.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from drivers.visca import messages as m
from drivers.visca.models import profile_for
from drivers.visca.sim import CameraSimulator, ChainEngine
from drivers.visca.transport import Framer
from tests.reliability.conftest import BATCH, EXAMPLES
from tests.reliability.fuzz import run

# 10⁵ inputs per target: ~30–60 s of CPU each, more on a loaded machine.
pytestmark = pytest.mark.timeout(900)

# Streams mix real reply shapes with noise, so the framer's resync paths are reached.
_reply_like = st.builds(
    lambda hd, body: bytes((hd,)) + body.replace(b"\xff", b"\x7f") + b"\xff",
    st.integers(0x80, 0xFF),
    st.binary(min_size=1, max_size=16),
)
_streams = st.lists(st.one_of(_reply_like, st.binary(max_size=24)), max_size=6).map(b"".join)


def _well_formed(packet: bytes) -> bool:
    return (
        3 <= len(packet) <= m.MAX_PACKET_LEN
        and packet[0] & 0x80 != 0
        and packet[-1] == 0xFF
        and 0xFF not in packet[:-1]
    )


def test_framer_and_reply_decoder(fuzz_seed: int) -> None:
    framer = Framer()

    def check(batch: list[bytes]) -> None:
        for stream in batch:
            for packet in framer.feed(stream):
                assert _well_formed(packet), packet.hex(" ")
                reply = m.decode_reply(packet)
                assert reply is not None
            assert len(framer.pending) <= 64

    assert run(fuzz_seed, _streams, check) >= EXAMPLES * BATCH


# Controller packets: header 81–87 / 88 broadcast, then a command-ish body.
_bodies = st.one_of(
    st.binary(min_size=1, max_size=15),
    st.builds(
        lambda cat, rest: bytes((cat,)) + rest,
        st.sampled_from([0x01, 0x09, 0x20, 0x21, 0x30]),
        st.binary(min_size=1, max_size=14),
    ),
)
_controller_packets = st.builds(
    lambda hd, body: bytes((hd,)) + body.replace(b"\xff", b"\x00") + b"\xff",
    st.sampled_from([0x81, 0x82, 0x83, 0x88]),
    _bodies,
)


def test_simulator_command_parser(fuzz_seed: int) -> None:
    profile = profile_for("srg-300h")
    chain = ChainEngine(
        [CameraSimulator(profile, frame_s=0.0), CameraSimulator(profile, frame_s=0.0)]
    )
    clock = [0.0]

    def check(batch: list[bytes]) -> None:
        for packet in batch:
            clock[0] += 0.001
            chain.receive(packet, clock[0])
            for out in chain.step(clock[0] + 0.001):
                assert 3 <= len(out.packet) <= 16, out.packet.hex(" ")
                assert out.packet[-1] == 0xFF
                # A camera's header (z0, z = 8 + its address: a fuzzed AddressSet may give
                # the chain addresses up to 7) or a forwarded broadcast (88), VISCA.md §1.1.
                head = out.packet[0]
                assert head == 0x88 or (0x90 <= head <= 0xF0 and head & 0x0F == 0), out.packet.hex(
                    " "
                )
        # Let every move the batch started finish; the chain must stay consistent.
        clock[0] += 600.0
        chain.step(clock[0])

    assert run(fuzz_seed, _controller_packets, check) >= EXAMPLES * BATCH
