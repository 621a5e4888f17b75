"""Translating a string or importing a driver package loads nothing heavy (DESIGN.md §7).

Each case runs in a fresh interpreter: this test process has long since imported numpy.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import drivers.audio
import drivers.display
import drivers.visca

HEAVY = ("numpy", "PIL", "Xlib", "vlc", "cv2", "sounddevice")


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    modules = set(json.loads(run.stdout.splitlines()[-1]))
    return [name for name in HEAVY if name in modules]


def test_translating_a_display_text_loads_neither_numpy_nor_pillow() -> None:
    code = (
        "from appliance.i18n import t\n"
        "assert t('display.slate.title') == 'Phòng họp sẵn sàng', t('display.slate.title')\n"
        "assert t('display.slate.title', 'en') == 'Meeting room ready'"
    )
    assert _loaded_after(code) == []


@pytest.mark.parametrize(
    "code",
    [
        "import drivers.display",
        "from drivers.display import texts",
        "import drivers.audio",
        "from drivers.audio import aliases",
        "import drivers.visca",
        "from drivers.visca import messages",
        "import drivers.video",
        "from drivers.video import sources",
        "from drivers.video.reference_files import ReferenceFiles",
        # The agent's own modules: pictures, players and check items work through children.
        "import appliance.agent.service, appliance.agent.checks.items",
        "from appliance.agent.checks.items import camera, display, video",
    ],
)
def test_importing_a_driver_package_is_light(code: str) -> None:
    assert _loaded_after(code) == []


def test_a_name_loads_its_module_on_first_use() -> None:
    assert _loaded_after("from drivers.display import render_pattern") == ["numpy", "PIL"]
    assert "numpy" in _loaded_after("from drivers.audio import measure_level")
    assert _loaded_after("from drivers.video import VideoSource") == ["numpy", "cv2"]


def test_every_name_of_the_video_package_resolves() -> None:
    import drivers.video

    for name in drivers.video.__all__:
        assert getattr(drivers.video, name) is not None
        assert name in dir(drivers.video)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        getattr(drivers.video, "nope")  # noqa: B009 - the lookup under test


def test_the_visca_package_loads_neither_pyserial_nor_the_simulator_for_its_messages() -> None:
    code = "from drivers.visca import messages\nassert messages.power(True)"
    probe = f"{code}\nimport sys\nprint(sorted(m for m in sys.modules if m.startswith(('serial', 'drivers.visca.'))))"
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = run.stdout.strip()
    assert "'serial'" not in loaded
    assert "drivers.visca.sim" not in loaded
    assert "drivers.visca.transport" not in loaded


@pytest.mark.parametrize("package", [drivers.display, drivers.audio, drivers.visca])
def test_every_exported_name_resolves(package: object) -> None:
    names = package.__all__  # type: ignore[attr-defined]
    assert names
    for name in names:
        value = getattr(package, name)
        assert getattr(value, "__module__", package.__name__).startswith(package.__name__)  # type: ignore[attr-defined]
        assert name in dir(package)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        getattr(package, "nope")  # noqa: B009 - the lookup under test
