"""Model profiles: ranges from VISCA.md §2.6, presets §2.3, IDs §2.5 (shared docs)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.visca import messages as m
from drivers.visca.models import PROFILES, ModelProfile, profile_for, profile_from_version

REQUIRED = ("evi-d70", "srg-300h", "srg-360she", "ptzoptics-20x", "generic")
ALL = list(PROFILES.values())


def test_required_profiles_exist_and_names_match_keys() -> None:
    assert set(REQUIRED) <= set(PROFILES)
    assert all(key == p.name for key, p in PROFILES.items())
    assert profile_for(" SRG-360SHE ") is PROFILES["srg-360she"]
    with pytest.raises(ValueError, match="evi-d70"):
        profile_for("brc-h900")


@pytest.mark.parametrize(
    ("name", "pan_range", "tilt_range", "per_degree"),
    [
        ("evi-d70", ("F725", "08DB"), ("FE70", "04B0"), 2267 / 170),  # ±170°, −30…+90°
        ("srg-300h", ("DE00", "2200"), ("FC00", "1200"), 51.2),  # ±170°, −20…+90°
        ("srg-120dh", ("EC00", "1400"), ("FB00", "0500"), 51.2),  # ±100°, ±25°
        ("srg-360she", ("EAC00", "15400"), ("FC400", "0B400"), 512.0),  # 5 nibbles
        ("brc-x1000", ("F6359", "09CA7"), ("E45B", "52EF"), 0x937 / 10),  # 5+4, 10° = 00937
        ("generic", ("F670", "0990"), ("FE50", "0510"), 14.4),  # OEM-TABLE
    ],
)
def test_ranges_copied_from_the_doc_and_units_per_degree(
    name: str, pan_range: tuple[str, str], tilt_range: tuple[str, str], per_degree: float
) -> None:
    profile = PROFILES[name]

    def signed(text: str) -> int:
        return m.from_nibbles(bytes(int(c, 16) for c in text))

    assert profile.pan_range == tuple(map(signed, pan_range))
    assert profile.tilt_range == tuple(map(signed, tilt_range))
    assert profile.units_per_degree_pan == pytest.approx(per_degree, rel=1e-3)
    assert profile.units_per_degree_tilt == pytest.approx(per_degree, rel=1e-3)


@pytest.mark.parametrize("profile", ALL, ids=lambda p: p.name)
def test_ranges_fit_the_wire_and_the_degrees(profile: ModelProfile) -> None:
    for (low, high), count in (
        (profile.pan_range, profile.pan_nibbles),
        (profile.tilt_range, profile.tilt_nibbles),
    ):
        lo, hi = m.nibble_range(count)
        assert lo <= low < 0 <= high <= hi
    assert profile.pan_to_degrees(profile.pan_range[1]) == pytest.approx(profile.pan_degrees[1])
    assert profile.tilt_to_degrees(profile.tilt_range[0]) == pytest.approx(profile.tilt_degrees[0])
    # The absolute command for each corner can be built with the model's shape.
    tilt_speed = None if profile.absolute_single_speed else profile.max_tilt_speed
    for pan in profile.pan_range:
        for tilt in profile.tilt_range:
            request = m.pan_tilt_absolute(
                pan,
                tilt,
                profile.max_pan_speed,
                tilt_speed,
                profile.pan_nibbles,
                profile.tilt_nibbles,
            )
            body = request.body
            assert m.decode_pan_tilt(body[5:], profile.pan_nibbles, profile.tilt_nibbles) == (
                pan,
                tilt,
            )


def test_five_nibble_model_needs_five_nibbles() -> None:
    she = PROFILES["srg-360she"]
    assert (she.pan_nibbles, she.tilt_nibbles, she.absolute_single_speed) == (5, 5, True)
    with pytest.raises(ValueError, match="pan"):
        m.pan_tilt_absolute(she.pan_range[1], 0, 1, None)  # 4-nibble form cannot carry 15400


@pytest.mark.parametrize("profile", ALL, ids=lambda p: p.name)
@given(fraction=st.floats(0.0, 1.0))
def test_degree_conversion_round_trips(profile: ModelProfile, fraction: float) -> None:
    low, high = profile.pan_degrees
    degrees = low + (high - low) * fraction
    units = profile.pan_from_degrees(degrees)
    assert profile.check_pan(units) == units
    assert abs(profile.pan_to_degrees(units) - degrees) <= 0.5 / profile.units_per_degree_pan + 1e-9
    tlow, thigh = profile.tilt_degrees
    tilt = profile.tilt_from_degrees(tlow + (thigh - tlow) * fraction)
    assert profile.check_tilt(tilt) == tilt


def test_degrees_outside_the_mechanics_are_refused() -> None:
    d70 = PROFILES["evi-d70"]
    with pytest.raises(ValueError, match="outside"):
        d70.pan_from_degrees(171)
    with pytest.raises(ValueError, match="outside"):
        d70.tilt_from_degrees(-31)
    with pytest.raises(ValueError, match="pan"):
        d70.check_pan(0x08DC)


def test_speed_limits() -> None:
    d70 = PROFILES["evi-d70"]
    assert (d70.max_pan_speed, d70.max_tilt_speed) == (0x18, 0x17)
    assert d70.check_pan_speed(0x18) == 0x18
    with pytest.raises(ValueError, match="tilt speed"):
        d70.check_tilt_speed(0x18)
    with pytest.raises(ValueError, match="pan speed"):
        d70.check_pan_speed(0)
    assert (d70.clamp_pan_speed(0), d70.clamp_pan_speed(0x30)) == (1, 0x18)
    assert PROFILES["srg-120dh"].max_tilt_speed == 0x14  # "Tilt does not support 15–18"


@pytest.mark.parametrize(
    ("name", "preset_range", "encoding"),
    [
        ("evi-d70", (0, 5), "0p"),  # six memories
        ("srg-300h", (0, 0x0F), "0p"),
        ("brc-x400", (0, 0x63), "pp"),  # preset number − 1
        ("ptzoptics-20x", (0, 0xFE), "pp"),
    ],
)
def test_preset_ranges_and_encodings(
    name: str, preset_range: tuple[int, int], encoding: str
) -> None:
    profile = PROFILES[name]
    assert (profile.preset_range, profile.preset_encoding) == (preset_range, encoding)
    for n in range(profile.preset_range[0], profile.preset_range[1] + 1):
        if n not in profile.reserved_presets:
            assert profile.check_preset(n) == n
            assert m.memory_recall(n, profile.preset_encoding).body[-1] == n
    with pytest.raises(ValueError, match="preset"):
        profile.check_preset(profile.preset_range[1] + 1)


def test_ptzoptics_reserves_90_to_99_and_95_toggles_the_osd() -> None:
    ptz = PROFILES["ptzoptics-20x"]
    assert ptz.preset_95_toggles_osd
    assert m.PTZOPTICS_OSD_PRESET == 95 == 0x5F
    assert ptz.check_preset(0x59) == 0x59
    assert ptz.check_preset(0x64) == 0x64
    for n in (0x5A, 0x5F, 0x63):
        with pytest.raises(ValueError, match="reserved"):
            ptz.check_preset(n)


def test_quirks() -> None:
    # Speed 00 → syntax error is reported for the BRC-300 only (obs-ptz#40), which has no
    # profile: no profile carries the quirk (issue #7 item 10).
    assert not any(p.speed_zero_is_syntax_error for p in PROFILES.values())
    assert PROFILES["brc-x400"].absolute_single_speed
    assert not PROFILES["srg-300h"].absolute_single_speed
    assert PROFILES["evi-d70"].sends_network_change
    assert not PROFILES["ptzoptics-20x"].sends_network_change


@pytest.mark.parametrize(
    ("vendor", "model", "name"),
    [
        (0x0001, 0x0513, "srg-300h"),
        (0x0020, 0x0513, "srg-300h"),  # both Sony vendor IDs (VISCA.md §2.5 note)
        (0x0001, 0x0516, "srg-300h"),
        (0x0001, 0x0511, "srg-120dh"),
        (0x0001, 0x051C, "brc-x400"),
        (0x0001, 0x0617, "brc-x400"),
        (0x0001, 0x0604, "srg-360she"),
        (0x0020, 0x0605, "srg-360she"),
        (0x0001, 0x0519, "brc-x1000"),
        (0x0001, 0x051A, "brc-x1000"),  # BRC-H800
        (0x0109, 0x2020, "generic"),  # Birddog P100
        (0x2574, 0x0A30, "generic"),  # AVer CAM520 Pro2
        (0x0001, 0x0999, "generic"),
    ],
)
def test_profile_from_version(vendor: int, model: int, name: str) -> None:
    assert profile_from_version(vendor, model).name == name


@pytest.mark.parametrize("profile", ALL, ids=lambda p: p.name)
def test_motion_figures(profile: ModelProfile) -> None:
    pan = [profile.pan_deg_per_s_at(s) for s in range(1, profile.max_pan_speed + 1)]
    tilt = [profile.tilt_deg_per_s_at(s) for s in range(1, profile.max_tilt_speed + 1)]
    assert pan == sorted(pan)
    assert tilt == sorted(tilt)
    assert pan[0] > 0
    assert profile.pan_deg_per_s_at(0x7F) == pan[-1]  # clamped to the model's max speed
    assert profile.pan_deg_per_s_at(0) == pan[0]
    assert profile.zoom_full_travel_s > 0
    assert profile.focus_full_travel_s > 0
    assert profile.zoom_units_per_s() > 0
    assert 0.016 < profile.processing_s < 0.021  # 1V at 59.94 or 50 Hz


def test_published_speed_tables_are_used() -> None:
    srg120 = PROFILES["srg-120dh"]
    assert (srg120.pan_deg_per_s_at(1), srg120.pan_deg_per_s_at(0x18)) == (1.1, 302.0)
    assert srg120.tilt_deg_per_s_at(0x14) == 126.0
    she = PROFILES["srg-360she"]
    assert (she.pan_deg_per_s_at(0x0C), she.pan_deg_per_s_at(0x18)) == (3.6, 60.0)
    # Without a table: geometric between the spec ends (EVI-D70 0.5…100 °/s).
    d70 = PROFILES["evi-d70"]
    middle = d70.pan_deg_per_s_at(0x0C)
    assert (d70.pan_deg_per_s_at(1), d70.pan_deg_per_s_at(0x18)) == pytest.approx((0.5, 100.0))
    assert middle == pytest.approx(math.sqrt(0.5 * 100.0), rel=0.25)
