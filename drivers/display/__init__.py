"""Room displays: VLC full screen on a chosen output, test pattern and slate, HDMI-CEC power.

pattern.py        render_pattern / write_pattern_png / check_pattern (our own renderer)
xwindow.py        X outputs (RandR monitors), our full-screen window, screenshots (python-xlib)
vlc_player.py     libvlc instance + player, events as an enum (python-vlc)
display.py        VlcDisplay: async show_pattern / show_slate / play_url / state / stop
status.py         PlayerState, ContentKind, DisplayStatus
cec.py            CecDisplay: power_on / standby / power_status via cec-client
simulator.py      Xvfb, DisplaySimulator (named outputs, screenshots, faults)
cec_simulator.py  a stand-in cec-client that prints libCEC's real output
texts.py          the display texts (Vietnamese first), no imports at all

The names below are exported lazily (PEP 562 module ``__getattr__``): importing the
package, or ``drivers.display.texts`` through it, loads nothing heavy. ``pattern.py``
pulls numpy and Pillow (~100 ms, ~20 MB RSS), ``xwindow.py`` python-xlib; they load on
the first use of a name that needs them, so a process that only translates a display
text (the agent at shutdown, the CLI) never pays for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from drivers.lazy_exports import lazy_exports

if TYPE_CHECKING:  # the real imports for type checkers; at run time see __getattr__
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

# exported name -> the submodule that defines it
_EXPORTS: Final[dict[str, str]] = {
    "CecAdapterMissingError": "cec",
    "CecDisplay": "cec",
    "CecPowerStatus": "cec",
    "parse_power_status": "cec",
    "OPEN_TIMEOUT_S": "display",
    "VlcDisplay": "display",
    "Box": "pattern",
    "PatternCheck": "pattern",
    "PatternKind": "pattern",
    "PatternLayout": "pattern",
    "check_pattern": "pattern",
    "find_font": "pattern",
    "pattern_layout": "pattern",
    "render_pattern": "pattern",
    "write_pattern_png": "pattern",
    "ContentKind": "status",
    "DisplayStatus": "status",
    "PlayerState": "status",
    "Geometry": "xwindow",
    "Output": "xwindow",
    "list_outputs": "xwindow",
    "screenshot": "xwindow",
    "select_output": "xwindow",
}


if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any name as `object`
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


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
