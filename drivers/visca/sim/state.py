"""Small shared types of the VISCA camera simulator (no logic beyond bookkeeping).

:class:`CameraState` is the read-only snapshot other parts use — the video simulator
renders the picture from ``pan_deg``/``tilt_deg``/``zoom_fraction``/``in_focus``
(``sim.camera(address).state``, documented in docs/INTERFACES.md).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from drivers.visca.messages import ErrorCode, from_nibbles

# VISCA reply kinds (high nibble of byte 2) and error codes (VISCA.md §1.2).
ACK: Final = 0x40
COMPLETION: Final = 0x50
ERROR: Final = 0x60
LENGTH: Final = int(ErrorCode.LENGTH)
SYNTAX: Final = int(ErrorCode.SYNTAX)
BUFFER_FULL: Final = int(ErrorCode.BUFFER_FULL)
CANCELED: Final = int(ErrorCode.CANCELED)
NO_SOCKET: Final = int(ErrorCode.NO_SOCKET)
NOT_EXECUTABLE: Final = int(ErrorCode.NOT_EXECUTABLE)
# Delays of a jittery slow camera: seeded, so a fault run can be repeated.
_jitter = random.Random(0x7157)  # noqa: S311 - a fault pattern, not a secret
# Errors that always carry socket 0 (VISCA.md §7).
SOCKETLESS_ERRORS: Final = frozenset({LENGTH, SYNTAX, BUFFER_FULL})


@dataclass(frozen=True, slots=True)
class CameraState:
    """Snapshot of one simulated camera at one instant."""

    address: int
    model: str
    power: bool
    pan: int  # VISCA units, signed
    tilt: int
    pan_deg: float  # degrees, positive = right (pan) / up (tilt)
    tilt_deg: float
    zoom: int  # VISCA zoom position (0 = wide)
    zoom_fraction: float  # 0.0 wide … 1.0 tele end of the profile's zoom range
    focus: int
    focus_auto: bool
    in_focus: bool  # autofocus on, or manual focus close to where AF would settle
    moving: bool
    menu_open: bool
    last_preset: int
    busy_sockets: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Preset:
    """What CAM_Memory Set stores (position and lens; Sony presets also keep settings)."""

    pan: float
    tilt: float
    zoom: float
    focus: float
    focus_auto: bool


@dataclass
class Faults:
    """Scripted misbehaviour of one camera (set through the server's fault API).

    - ``silent``: hears nothing, answers nothing (a cut wire / dead camera);
    - ``drop_acks`` / ``drop_completions``: drop the next N ACKs / completions (the
      command still runs — what a lossy UDP link does);
    - ``slow_s``: extra processing delay before every answer; with ``slow_up_to_s``
      the delay is drawn per message from ``slow_s … slow_up_to_s`` (a camera
      answering 0.3–1.5 s late, issue #7); answers still leave in order;
    - ``error_code`` with ``error_count``: answer the next N commands with this error
      instead of running them (``error_count < 0`` = until cleared);
    - ``refused_inquiries``: inquiries (body after ``09``, e.g. ``04 47``) answered
      with a syntax error, as a model without that inquiry does;
    - ``preset_offset``: a recall lands this many (pan, tilt) units away from the stored
      position (the readiness check's image verification must notice).
    """

    silent: bool = False
    drop_acks: int = 0
    drop_completions: int = 0
    slow_s: float = 0.0
    slow_up_to_s: float | None = None
    error_code: int = SYNTAX
    error_count: int = 0
    preset_offset: tuple[int, int] | None = None
    refused_inquiries: frozenset[bytes] = frozenset()

    def delay(self) -> float:
        """This message's extra processing delay."""
        if self.slow_up_to_s is None or self.slow_up_to_s <= self.slow_s:
            return self.slow_s
        return _jitter.uniform(self.slow_s, self.slow_up_to_s)

    def take_error(self) -> int | None:
        """The forced error code for this command, if any (and count it)."""
        if self.error_count == 0:
            return None
        if self.error_count > 0:
            self.error_count -= 1
        return self.error_code


class Reject(Exception):
    """The camera refuses a message; ``code`` is the VISCA error code."""

    def __init__(self, code: int) -> None:
        super().__init__(f"VISCA error {code:#04x}")
        self.code = code


@dataclass(frozen=True, slots=True)
class Effect:
    """What an executed command did to the axes, and what its completion waits for.

    ``claims``: axes it took over (a command still waiting on one of them completes at
    once); ``waits``: axes whose move must end before the completion is sent;
    ``hold_s``: the completion comes no sooner than this (power, one-push WB).
    """

    claims: frozenset[str] = frozenset()
    waits: frozenset[str] = frozenset()
    hold_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Gate:
    """Whether a command may run with power off (standby) or with the menu open."""

    when_off: bool = False
    when_menu: bool = False


ALWAYS: Final = Gate(when_off=True, when_menu=True)
NORMAL: Final = Gate()


def unsigned_nibbles(data: bytes) -> int:
    """``0p 0q …`` → integer; ``Reject(SYNTAX)`` if a byte is not a nibble."""
    return _from_nibbles(data, signed=False)


def signed_nibbles(data: bytes) -> int:
    """``0p 0q …`` → two's-complement integer (positions, VISCA.md §2.1)."""
    return _from_nibbles(data, signed=True)


def _from_nibbles(data: bytes, *, signed: bool) -> int:
    try:
        return from_nibbles(data, signed=signed)
    except ValueError:  # empty, or a byte above 0F
        raise Reject(SYNTAX) from None
