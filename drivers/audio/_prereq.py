"""What the simulated room needs from the system, checked up front with a clear message."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Final

from drivers.audio._sd import PACKAGES_HINT as PACKAGES
from drivers.errors import DeviceUnavailableError

SIM_ID: Final = "room-audio-simulator"
_ALSA_PULSE_PLUGIN: Final = "libasound_module_pcm_pulse.so"


def need_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DeviceUnavailableError(
            SIM_ID,
            f"'{name}' is not installed; install the Debian packages {PACKAGES}",
            operation="start",
        )
    return path


def need_alsa_pulse_plugin() -> None:
    roots = [Path("/usr/lib"), Path("/usr/lib64"), Path("/usr/local/lib")]
    for root in roots:
        if (
            any(root.glob(f"*/alsa-lib/{_ALSA_PULSE_PLUGIN}"))
            or (root / "alsa-lib" / _ALSA_PULSE_PLUGIN).exists()
        ):
            return
    raise DeviceUnavailableError(
        SIM_ID,
        f"the ALSA PulseAudio plugin ({_ALSA_PULSE_PLUGIN}) is missing; install the Debian "
        f"packages {PACKAGES}",
        operation="start",
    )
