"""Room displays: VLC full screen on a chosen output, test pattern and slate, HDMI-CEC power.

pattern.py        render_pattern / write_pattern_png / check_pattern (our own renderer)
xwindow.py        X outputs (RandR monitors), our full-screen window, screenshots (python-xlib)
vlc_player.py     libvlc instance + player, events as an enum (python-vlc)
display.py        VlcDisplay: async show_pattern / show_slate / play_url / state / stop
status.py         PlayerState, ContentKind, DisplayStatus
cec.py            CecDisplay: power_on / standby / power_status via cec-client
simulator.py      Xvfb, DisplaySimulator (named outputs, screenshots, faults)
cec_simulator.py  a stand-in cec-client that prints libCEC's real output
"""

from __future__ import annotations

from drivers.display.cec import (
    CecAdapterMissingError,
    CecDisplay,
    CecPowerStatus,
    parse_power_status,
)
from drivers.display.display import OPEN_TIMEOUT_S, VlcDisplay
from drivers.display.pattern import (
    Box,
    PatternCheck,
    PatternKind,
    PatternLayout,
    check_pattern,
    find_font,
    pattern_layout,
    render_pattern,
    write_pattern_png,
)
from drivers.display.status import ContentKind, DisplayStatus, PlayerState
from drivers.display.xwindow import Geometry, Output, list_outputs, screenshot, select_output

__all__ = [
    "OPEN_TIMEOUT_S",
    "Box",
    "CecAdapterMissingError",
    "CecDisplay",
    "CecPowerStatus",
    "ContentKind",
    "DisplayStatus",
    "Geometry",
    "Output",
    "PatternCheck",
    "PatternKind",
    "PatternLayout",
    "PlayerState",
    "VlcDisplay",
    "check_pattern",
    "find_font",
    "list_outputs",
    "parse_power_status",
    "pattern_layout",
    "render_pattern",
    "screenshot",
    "select_output",
    "write_pattern_png",
]
