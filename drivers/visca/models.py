"""Camera model profiles: ranges, speed limits, preset encodings, quirks, motion figures.

Pure data (no I/O). Ranges come from ``VISCA.md`` §2.6, presets from §2.3, IDs from
§2.5 (shared docs). Units per degree are derived from the ranges (e.g. EVI-D70 pan
F725…08DB = ±2267 units = ±170° → 13.34 units/°). Motion figures are approximations
from product spec sheets, for the simulator; each profile says where its numbers come
from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from drivers.visca.messages import MIN_PT_SPEED, PresetEncoding, check_range

FRAME_59_94_S = 1 / 59.94  # 1V at 59.94 Hz = 16.7 ms (VISCA.md §1.3)
FRAME_50_S = 1 / 50  # 1V at 50 Hz = 20 ms


@dataclass(frozen=True, slots=True)
class ModelProfile:
    """What the driver and the simulator need to know about one camera model."""

    name: str
    title: str
    vendor_ids: tuple[int, ...]
    model_ids: tuple[int, ...]
    pan_range: tuple[int, int]  # units, signed (min, max)
    tilt_range: tuple[int, int]
    pan_degrees: tuple[float, float]  # mechanical range the units map to
    tilt_degrees: tuple[float, float]
    pan_nibbles: int = 4
    tilt_nibbles: int = 4
    max_pan_speed: int = 0x18
    max_tilt_speed: int = 0x14
    zoom_range: tuple[int, int] = (0x0000, 0x4000)  # optical, wide … tele
    digital_zoom_max: int | None = None  # end of the digital range, if any
    focus_range: tuple[int, int] = (0x1000, 0xF000)  # far (∞) … near
    preset_range: tuple[int, int] = (0x00, 0x0F)  # wire memory numbers
    preset_encoding: PresetEncoding = "0p"
    reserved_presets: frozenset[int] = frozenset()  # accepted by the wire, special meaning
    # Quirks -----------------------------------------------------------------------------
    # Speed 00 answered with a syntax error: reported for the BRC-300 only (VISCA.md §2.1,
    # obs-ptz#40), a model without a profile here. A quirk goes only on the models a
    # source shows it for (issue #7 item 10); the simulator's ``strict`` turns it on.
    speed_zero_is_syntax_error: bool = False
    absolute_single_speed: bool = False  # "VV 00" absolute form (VISCA.md §2.2)
    sends_network_change: bool = True  # z0 38 FF at power-up / chain change (§1.2)
    preset_95_toggles_osd: bool = False  # PTZOptics: recall 5Fh opens the OSD (§2.3)
    has_ir_receive_return: bool = True
    # Motion figures for the simulator -----------------------------------------------------
    pan_deg_per_s_range: tuple[float, float] = (1.0, 100.0)  # speed 01 … max_pan_speed
    tilt_deg_per_s_range: tuple[float, float] = (1.0, 90.0)  # speed 01 … max_tilt_speed
    # Published per-step tables (°/s for speed 01, 02, …) win over the range when given.
    pan_speed_table: tuple[float, ...] = ()
    tilt_speed_table: tuple[float, ...] = ()
    preset_deg_per_s: float = 100.0  # speed of a preset recall / absolute move at max speed
    zoom_full_travel_s: float = 3.0  # wide → tele at the fastest variable speed
    focus_full_travel_s: float = 2.0
    processing_s: float = FRAME_59_94_S  # one message per 1V (VISCA.md §1.3)
    sources: tuple[str, ...] = field(default=())

    # --- conversions --------------------------------------------------------------------

    @property
    def units_per_degree_pan(self) -> float:
        return (self.pan_range[1] - self.pan_range[0]) / (self.pan_degrees[1] - self.pan_degrees[0])

    @property
    def units_per_degree_tilt(self) -> float:
        return (self.tilt_range[1] - self.tilt_range[0]) / (
            self.tilt_degrees[1] - self.tilt_degrees[0]
        )

    def pan_to_degrees(self, units: int) -> float:
        return units / self.units_per_degree_pan

    def tilt_to_degrees(self, units: int) -> float:
        return units / self.units_per_degree_tilt

    def pan_from_degrees(self, degrees: float) -> int:
        """Degrees → pan units, rejecting angles outside the mechanical range."""
        low, high = self.pan_degrees
        if not low <= degrees <= high:
            raise ValueError(f"{self.name}: pan {degrees}° outside {low}…{high}°")
        return _clamp(round(degrees * self.units_per_degree_pan), self.pan_range)

    def tilt_from_degrees(self, degrees: float) -> int:
        low, high = self.tilt_degrees
        if not low <= degrees <= high:
            raise ValueError(f"{self.name}: tilt {degrees}° outside {low}…{high}°")
        return _clamp(round(degrees * self.units_per_degree_tilt), self.tilt_range)

    # --- validation ---------------------------------------------------------------------

    def check_pan(self, units: int) -> int:
        return check_range(f"{self.name} pan", units, *self.pan_range)

    def check_tilt(self, units: int) -> int:
        return check_range(f"{self.name} tilt", units, *self.tilt_range)

    def check_zoom(self, pos: int) -> int:
        high = self.digital_zoom_max or self.zoom_range[1]
        return check_range(f"{self.name} zoom", pos, self.zoom_range[0], high)

    def check_pan_speed(self, speed: int) -> int:
        return check_range(f"{self.name} pan speed", speed, MIN_PT_SPEED, self.max_pan_speed)

    def check_tilt_speed(self, speed: int) -> int:
        return check_range(f"{self.name} tilt speed", speed, MIN_PT_SPEED, self.max_tilt_speed)

    def check_preset(self, n: int) -> int:
        """A wire memory number this model stores (reserved numbers are refused)."""
        check_range(f"{self.name} preset", n, *self.preset_range)
        if n in self.reserved_presets:
            raise ValueError(f"{self.name}: preset {n:#04x} is reserved on this model")
        return n

    def clamp_pan_speed(self, speed: int) -> int:
        return max(MIN_PT_SPEED, min(speed, self.max_pan_speed))

    def clamp_tilt_speed(self, speed: int) -> int:
        return max(MIN_PT_SPEED, min(speed, self.max_tilt_speed))

    # --- motion figures -----------------------------------------------------------------

    def pan_deg_per_s_at(self, speed: int) -> float:
        """Pan speed in °/s for speed byte ``speed`` (clamped to 01…max): the model's
        published table if we have one, else geometric between the spec ends."""
        return _speed_at(speed, self.max_pan_speed, self.pan_speed_table, self.pan_deg_per_s_range)

    def tilt_deg_per_s_at(self, speed: int) -> float:
        return _speed_at(
            speed, self.max_tilt_speed, self.tilt_speed_table, self.tilt_deg_per_s_range
        )

    def zoom_units_per_s(self) -> float:
        """Zoom travel speed at the fastest variable speed (optical range per full-travel time)."""
        return (self.zoom_range[1] - self.zoom_range[0]) / self.zoom_full_travel_s

    def focus_units_per_s(self) -> float:
        return (self.focus_range[1] - self.focus_range[0]) / self.focus_full_travel_s


def _table(text: str) -> tuple[float, ...]:
    """A speed table written as the manual prints it: "1.1 1.3 …" for speeds 01, 02, …"""
    return tuple(float(x) for x in text.split())


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(value, bounds[1]))


def _speed_at(
    speed: int, max_speed: int, table: tuple[float, ...], bounds: tuple[float, float]
) -> float:
    # Sony's speed tables rise roughly geometrically (EVI-D100: 2…300 °/s over 01…18h;
    # SRG-120DH 1.1…302 °/s); a geometric curve through both spec ends is close enough for
    # a simulator when no table is published.
    speed = max(MIN_PT_SPEED, min(speed, max_speed))
    if table:
        return table[min(speed, len(table)) - 1]
    low, high = bounds
    if max_speed <= MIN_PT_SPEED:
        return high
    fraction = (speed - MIN_PT_SPEED) / (max_speed - MIN_PT_SPEED)
    return low * math.exp(math.log(high / low) * fraction)


_SONY_VENDORS = (0x0001, 0x0020)  # VISCA.md §2.5: 0020 on FCB/EVI/BRC-300, 0001 on BRC/SRG

EVI_D70 = ModelProfile(
    name="evi-d70",
    title="Sony EVI-D70",
    vendor_ids=(0x0020,),
    model_ids=(),  # not listed in our sources; matched by name only
    pan_range=(-0x08DB, 0x08DB),  # F725 … 08DB = ±170° (VISCA.md §2.6, EVI-D70 p.41)
    tilt_range=(-0x0190, 0x04B0),  # FE70 … 04B0 = −30…+90° (flip off)
    pan_degrees=(-170.0, 170.0),
    tilt_degrees=(-30.0, 90.0),
    max_pan_speed=0x18,
    max_tilt_speed=0x17,
    zoom_range=(0x0000, 0x4000),  # 18× optical
    digital_zoom_max=0x7000,
    preset_range=(0x00, 0x05),  # six memories (EVI-D70 manual)
    # EVI-D70 focus: FCB-style 1000 (∞) … F000 (near), not in our sources; assumed.
    preset_encoding="0p",
    # EVI-D70 spec sheet: pan up to 100 °/s, tilt up to 90 °/s; slowest ~0.5 °/s.
    pan_deg_per_s_range=(0.5, 100.0),
    tilt_deg_per_s_range=(0.5, 90.0),
    preset_deg_per_s=100.0,
    zoom_full_travel_s=4.0,
    focus_full_travel_s=2.0,
    sources=("VISCA.md §2.6 EVI-D70", "VISCA.md §2.3", "EVI-D70 spec sheet (speeds)"),
)

SRG_120DH = ModelProfile(
    name="srg-120dh",
    title="Sony SRG-120DH",
    vendor_ids=_SONY_VENDORS,
    model_ids=(0x0511,),
    pan_range=(-0x1400, 0x1400),  # EC00 … 1400 = ±100° → 51.2 units/° (VISCA.md §2.6)
    tilt_range=(-0x0500, 0x0500),  # FB00 … 0500 = ±25°
    pan_degrees=(-100.0, 100.0),
    tilt_degrees=(-25.0, 25.0),
    max_pan_speed=0x18,
    max_tilt_speed=0x14,  # "Tilt does not support speeds 15–18" (SONY-HTML)
    zoom_range=(0x0000, 0x4000),  # 12× optical
    digital_zoom_max=0x7AC0,
    focus_range=(0x1000, 0xE000),  # far … near end (SONY-HTML "Focus Distance")
    preset_range=(0x00, 0x0F),
    preset_encoding="0p",
    pan_deg_per_s_range=(1.1, 302.0),
    tilt_deg_per_s_range=(1.1, 126.0),
    # SONY-HTML Sony_SRG-120DH.html "Pan/Tilt Speed".
    pan_speed_table=_table(
        "1.1 1.3 1.7 2.2 2.8 3.6 4.6 5.9 7.6 9.0 10 20 23 37 42 47 61 73 88 126 145 185 251 302"
    ),
    tilt_speed_table=_table("1.1 1.3 1.7 2.2 2.8 3.6 5 6 8 10 12 14 16 23 33 54 61 73 88 126"),
    preset_deg_per_s=302.0,
    zoom_full_travel_s=2.5,
    sources=("VISCA.md §2.6 SRG-120DH", "SONY-HTML Sony_SRG-120DH.html"),
)

SRG_300H = ModelProfile(
    name="srg-300h",
    title="Sony SRG-300H / BRC-X400 family",
    vendor_ids=_SONY_VENDORS,
    model_ids=(0x0513, 0x0516),  # SRG-300H; SRG-300SE/301SE/201SE (VISCA.md §2.5)
    pan_range=(-0x2200, 0x2200),  # DE00 … 2200 = ±170° → 51.2 units/°
    tilt_range=(-0x0400, 0x1200),  # FC00 … 1200 = −20…+90° (flip off)
    pan_degrees=(-170.0, 170.0),
    tilt_degrees=(-20.0, 90.0),
    max_pan_speed=0x18,
    max_tilt_speed=0x17,
    zoom_range=(0x0000, 0x4000),
    digital_zoom_max=0x7AC0,
    preset_range=(0x00, 0x0F),  # 16 presets, sent as 0p (VISCA.md §2.3)
    preset_encoding="0p",
    # SRG-300H spec: pan 1.1…101 °/s, tilt 1.1…91 °/s (approximate).
    pan_deg_per_s_range=(1.1, 101.0),
    tilt_deg_per_s_range=(1.1, 91.0),
    preset_deg_per_s=101.0,
    zoom_full_travel_s=3.0,
    sources=("VISCA.md §2.6 SRG-300H", "SONY-HTML Sony_SRG-300H.html"),
)

BRC_X400 = ModelProfile(
    name="brc-x400",
    title="Sony BRC-X400 / SRG-X400",
    vendor_ids=_SONY_VENDORS,
    model_ids=(0x051C, 0x051D, 0x0617, 0x061C),  # BRC-X400, X401, SRG-X400, X402
    pan_range=(-0x2200, 0x2200),
    tilt_range=(-0x0400, 0x1200),
    pan_degrees=(-170.0, 170.0),
    tilt_degrees=(-20.0, 90.0),
    max_pan_speed=0x18,
    max_tilt_speed=0x17,
    zoom_range=(0x0000, 0x4000),
    digital_zoom_max=0x7AC0,
    preset_range=(0x00, 0x63),  # pp = preset number − 1, 00–63h (VISCA.md §2.3)
    preset_encoding="pp",
    absolute_single_speed=True,  # VISCA.md §2.2 "absolute, single-speed form"
    pan_deg_per_s_range=(0.5, 101.0),
    tilt_deg_per_s_range=(0.5, 91.0),
    preset_deg_per_s=300.0,
    zoom_full_travel_s=3.0,
    sources=("VISCA.md §2.6 BRC-X400", "SONY-HTML Sony_BRC-X400.html", "SRG-X400 manual"),
)

BRC_X1000 = ModelProfile(
    name="brc-x1000",
    title="Sony BRC-X1000 / BRC-H800 / BRC-H780 (5-nibble pan, 4-nibble tilt)",
    vendor_ids=_SONY_VENDORS,
    model_ids=(0x0519, 0x051A, 0x051B),  # VISCA.md §2.5
    # SONY-HTML Sony_BRC-X1000.html "Pan/Tilt Position": 170° = 09CA7 / F6359,
    # tilt +90° = 52EF, −30° = E45B → 235.9 units/° on both axes.
    pan_range=(-0x09CA7, 0x09CA7),
    tilt_range=(-0x1BA5, 0x52EF),
    pan_degrees=(-170.0, 170.0),
    tilt_degrees=(-30.0, 90.0),
    pan_nibbles=5,
    tilt_nibbles=4,
    max_pan_speed=0x18,  # 19–32h only in "Extd. Step" mode (VISCA.md §2.6)
    max_tilt_speed=0x17,
    zoom_range=(0x0000, 0x4000),  # 12× optical; Clear Image Zoom to 6000
    digital_zoom_max=0x6000,
    focus_range=(0x1000, 0xF000),  # SONY-HTML "Focus Distance"
    preset_range=(0x00, 0x63),  # pp = preset number − 1 (VISCA.md §2.3)
    preset_encoding="pp",
    # Approximate spec-sheet figures (not in our sources): 0.5…100 °/s.
    pan_deg_per_s_range=(0.5, 100.0),
    tilt_deg_per_s_range=(0.5, 100.0),
    preset_deg_per_s=300.0,
    zoom_full_travel_s=3.0,
    sources=("VISCA.md §2.2, §2.6 BRC-X1000", "SONY-HTML Sony_BRC-X1000.html"),
)

SRG_360SHE = ModelProfile(
    name="srg-360she",
    title="Sony SRG-360SHE (5-nibble pan and tilt)",
    vendor_ids=_SONY_VENDORS,
    model_ids=(0x0604, 0x0605),  # SRG-360SHE, SRG-280SHE
    pan_range=(-0x15400, 0x15400),  # EAC00 … 15400 = ±170° → 512 units/°
    tilt_range=(-0x03C00, 0x0B400),  # FC400 … 0B400 = −30…+90°
    pan_degrees=(-170.0, 170.0),
    tilt_degrees=(-30.0, 90.0),
    pan_nibbles=5,
    tilt_nibbles=5,
    max_pan_speed=0x18,
    max_tilt_speed=0x18,  # SONY-HTML Sony_SRG-360SHE.html "Pan/Tilt Speed"
    zoom_range=(0x0000, 0x4000),  # 30× optical
    digital_zoom_max=0x7AC0,
    preset_range=(0x00, 0x0F),  # "8x 01 04 3F 0n 0p FF, p: 0–F" (SONY-HTML)
    preset_encoding="0p",
    absolute_single_speed=True,  # "VV 00 0Y×5 0Z×5", a 17-byte packet (SONY-HTML note *6)
    pan_deg_per_s_range=(0.3, 60.0),
    tilt_deg_per_s_range=(0.3, 60.0),
    # SONY-HTML Sony_SRG-360SHE.html "Pan/Tilt Speed (Slow Mode Off)", speeds 01–18h.
    pan_speed_table=_table(
        "0.3 0.4 0.5 0.6 0.7 0.9 1.2 1.5 1.9 2.4 3.0 3.6 4.2 6.6 7.8 8.9 13 16 20 24 30 38 47 60"
    ),
    tilt_speed_table=_table(
        "0.3 0.4 0.5 0.6 0.7 0.9 1.2 1.5 1.9 2.4 3.0 3.8 4.7 5.9 7.5 8.9 12 15 19 24 30 38 47 60"
    ),
    preset_deg_per_s=60.0,
    zoom_full_travel_s=4.0,
    sources=("VISCA.md §2.6 SRG-360SHE", "SONY-HTML Sony_SRG-360SHE.html"),
)

PTZOPTICS_20X = ModelProfile(
    name="ptzoptics-20x",
    title="PTZOptics 20X",
    vendor_ids=(),  # PTZOptics answers CAM_VersionInq in its own layout (VISCA.md §2.5)
    model_ids=(),
    # Ranges are not published (VISCA.md §2.6 "not found"); we assume the OEM chipset
    # table these cameras share with the generic OEM profile: ±170° / −30…+90°.
    pan_range=(-0x0990, 0x0990),
    tilt_range=(-0x01B0, 0x0510),
    pan_degrees=(-170.0, 170.0),
    tilt_degrees=(-30.0, 90.0),
    max_pan_speed=0x18,
    max_tilt_speed=0x14,  # PTZO-MOD pan-tilt.ts
    zoom_range=(0x0000, 0x4000),
    preset_range=(0x00, 0xFE),  # 00–59h and 64h–FEh (VISCA.md §2.3)
    preset_encoding="pp",
    reserved_presets=frozenset(range(0x5A, 0x64)),  # 90–99: 95 (5Fh) toggles the OSD
    sends_network_change=False,
    preset_95_toggles_osd=True,
    has_ir_receive_return=False,
    # PTZOptics 20X spec sheet: pan 1.7…100 °/s, tilt 0.7…69.9 °/s.
    pan_deg_per_s_range=(1.7, 100.0),
    tilt_deg_per_s_range=(0.7, 69.9),
    preset_deg_per_s=100.0,
    zoom_full_travel_s=4.5,
    sources=("VISCA.md §2.3, §2.6 PTZOptics", "PTZO-MAN", "PTZO-MOD"),
)

GENERIC = ModelProfile(
    name="generic",
    title="Generic OEM VISCA camera (Telycam/Clevermic class)",
    vendor_ids=(),
    model_ids=(),
    pan_range=(-0x0990, 0x0990),  # F670 … 0990 = ±170°, 14.4 units/° (OEM-TABLE)
    tilt_range=(-0x01B0, 0x0510),  # FE50 … 0510 = −30…+90°
    pan_degrees=(-170.0, 170.0),
    tilt_degrees=(-30.0, 90.0),
    max_pan_speed=0x18,
    max_tilt_speed=0x14,
    zoom_range=(0x0000, 0x4000),
    preset_range=(0x00, 0x7F),  # a council chamber needs more than 16 seats' presets
    preset_encoding="pp",
    sends_network_change=False,
    has_ir_receive_return=False,
    pan_deg_per_s_range=(0.5, 100.0),
    tilt_deg_per_s_range=(0.5, 60.0),
    preset_deg_per_s=100.0,
    zoom_full_travel_s=4.0,
    sources=("VISCA.md §2.6 Generic OEM", "OEM-TABLE"),
)

PROFILES: dict[str, ModelProfile] = {
    p.name: p
    for p in (EVI_D70, SRG_120DH, SRG_300H, BRC_X400, BRC_X1000, SRG_360SHE, PTZOPTICS_20X, GENERIC)
}


def profile_for(name: str) -> ModelProfile:
    """The profile called ``name`` (case-insensitive); ``ValueError`` lists the known ones."""
    key = name.strip().lower()
    if key not in PROFILES:
        raise ValueError(f"unknown camera model {name!r}; known: {', '.join(sorted(PROFILES))}")
    return PROFILES[key]


def profile_from_version(vendor: int, model: int) -> ModelProfile:
    """The profile for a CAM_VersionInq answer; ``generic`` when the IDs are unknown.

    Both Sony vendor IDs (0001 and 0020) are accepted (VISCA.md §2.5).
    """
    for profile in PROFILES.values():
        if vendor in profile.vendor_ids and model in profile.model_ids:
            return profile
    return GENERIC


__all__ = [
    "FRAME_50_S",
    "FRAME_59_94_S",
    "PROFILES",
    "ModelProfile",
    "profile_for",
    "profile_from_version",
]
