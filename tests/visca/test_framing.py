"""Framer: split on FF, resynchronise after garbage, cap the buffer, never raise (VISCA.md §1.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.visca import messages as m
from drivers.visca.transport import Framer

h = m.from_hex


def well_formed(packet: bytes, max_len: int = m.MAX_PACKET_LEN) -> bool:
    return (
        3 <= len(packet) <= max_len
        and packet[0] & 0x80 != 0
        and packet[-1] == 0xFF
        and 0xFF not in packet[:-1]
    )


def feed_in_chunks(framer: Framer, data: bytes, cuts: list[int]) -> list[bytes]:
    out: list[bytes] = []
    start = 0
    for cut in [*sorted(c % (len(data) + 1) for c in cuts), len(data)]:
        out += framer.feed(data[start:cut])
        start = max(start, cut)
    return out


# A valid packet: header 80–FE with bit 7 set, 1–14 message bytes that are not FF.
headers = st.integers(0x80, 0xFE)
messages_ = st.binary(min_size=1, max_size=14).map(lambda b: b.replace(b"\xff", b"\x7f"))
packets = st.builds(lambda hd, msg: bytes((hd,)) + msg + b"\xff", headers, messages_)


def test_splits_a_stream_of_replies() -> None:
    framer = Framer()
    stream = h("90 41 FF 90 51 FF 90 50 02 FF 88 30 02 FF 90 50 00 01 06 04 01 23 02 FF")
    assert framer.feed(stream) == [
        h("90 41 FF"),
        h("90 51 FF"),
        h("90 50 02 FF"),
        h("88 30 02 FF"),
        h("90 50 00 01 06 04 01 23 02 FF"),
    ]
    assert (framer.packets, framer.dropped_bytes, framer.pending) == (5, 0, b"")


def test_byte_by_byte_gives_the_same_packets() -> None:
    framer = Framer()
    stream = h("90 42 FF A0 61 41 FF 90 07 7D 01 04 00 FF")
    out = [p for b in stream for p in framer.feed(bytes((b,)))]
    assert out == [h("90 42 FF"), h("A0 61 41 FF"), h("90 07 7D 01 04 00 FF")]


def test_garbage_before_a_header_is_dropped_and_counted() -> None:
    framer = Framer()
    assert framer.feed(h("00 11 7F FF FF 90 41 FF")) == [h("90 41 FF")]
    assert framer.dropped_bytes == 5


def test_too_short_packet_is_dropped() -> None:
    framer = Framer()
    assert framer.feed(h("90 FF 90 52 FF")) == [h("90 52 FF")]
    assert framer.dropped_bytes == 2


def test_overlong_run_is_dropped_until_the_next_terminator() -> None:
    framer = Framer()
    run = bytes(range(0x80, 0x80 + 20))  # 20 header-looking bytes, no FF
    assert framer.feed(run) == []
    assert framer.pending == b""  # nothing kept: the run can no longer be a packet
    assert framer.feed(h("90 41") + h("FF 90 51 FF")) == [h("90 51 FF")]
    assert framer.dropped_bytes == 20 + 3


def test_sixteen_bytes_pass_seventeen_do_not() -> None:
    sixteen = h("90 50") + bytes(13) + h("FF")
    seventeen = h("81 01 06 02 18 00 0E 0A 0C 00 00 00 0B 04 00 00 FF")  # SRG-360SHE 5+5
    assert Framer().feed(sixteen + seventeen + sixteen) == [sixteen, sixteen]
    # A simulator of the SRG-360SHE accepts its 17-byte absolute command (SONY-HTML note *6).
    assert Framer(max_packet=17).feed(seventeen) == [seventeen]


def test_max_buffer_caps_what_is_held() -> None:
    framer = Framer(max_buffer=8)
    assert framer.feed(h("90 50 01 02 03 04 05 06 07 FF 90 41 FF")) == [h("90 41 FF")]
    framer.feed(h("90 50 01 02 03 04 05"))
    assert len(framer.pending) == 7
    framer.feed(h("06"))  # 8 bytes without FF: cannot fit a terminator any more
    assert framer.pending == b""


def test_reset_forgets_a_partial_packet() -> None:
    framer = Framer()
    framer.feed(h("90 50 02"))
    framer.reset()
    assert framer.feed(h("FF 90 41 FF")) == [h("90 41 FF")]


@pytest.mark.parametrize(("kwargs"), [{"max_buffer": 2}, {"max_packet": 18}, {"max_packet": 2}])
def test_bad_limits_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must be"):
        Framer(**kwargs)


@given(st.binary(max_size=300), st.lists(st.integers(0, 400), max_size=12))
def test_random_bytes_never_raise_and_only_yield_well_formed_packets(
    data: bytes, cuts: list[int]
) -> None:
    framer = Framer()
    out = feed_in_chunks(framer, data, cuts)
    assert all(well_formed(p) for p in out)
    assert len(framer.pending) < m.MAX_PACKET_LEN
    # Every byte is accounted for: emitted, dropped, or held for the next feed.
    assert sum(map(len, out)) + framer.dropped_bytes + len(framer.pending) == len(data)


@given(st.lists(packets, max_size=20), st.lists(st.integers(0, 400), max_size=12))
def test_valid_streams_come_out_unchanged_however_they_are_cut(
    stream: list[bytes], cuts: list[int]
) -> None:
    framer = Framer()
    assert feed_in_chunks(framer, b"".join(stream), cuts) == stream
    assert framer.dropped_bytes == 0


@given(st.binary(max_size=100), packets, st.lists(st.integers(0, 200), max_size=6))
def test_resyncs_at_the_next_terminator_after_garbage(
    garbage: bytes, packet: bytes, cuts: list[int]
) -> None:
    framer = Framer()
    out = feed_in_chunks(framer, garbage + b"\xff" + packet, cuts)
    assert out
    assert out[-1] == packet
    assert all(well_formed(p) for p in out)


@given(st.lists(packets, min_size=1, max_size=8), st.integers(0, 7), st.integers(0, 13))
def test_corrupted_stream_keeps_the_packets_after_the_damage(
    stream: list[bytes], which: int, cut: int
) -> None:
    # Lose the tail of one packet (its FF included): the damage can swallow at most the
    # next packet; every packet after that comes out intact.
    which %= len(stream)
    damaged = stream[which][: min(cut, len(stream[which]) - 1)]
    data = b"".join([*stream[:which], damaged, *stream[which + 1 :]])
    out = Framer().feed(data)
    assert all(well_formed(p) for p in out)
    assert out[:which] == stream[:which]
    tail = stream[which + 2 :]
    if tail:
        assert out[-len(tail) :] == tail


def test_replies_decode_after_framing() -> None:
    framer = Framer()
    replies = [m.decode_reply(p) for p in framer.feed(h("55 90 41 FF 90 61 41 FF 80 38 FF"))]
    assert replies == [m.Ack(1, 1), m.ErrorReply(1, 1, 0x41), m.NetworkChange(0)]
