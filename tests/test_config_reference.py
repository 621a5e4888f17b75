"""docs/CONFIG.md is what the config models say (scripts/config_reference.py --check)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_config_reference_is_current() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/config_reference.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_every_section_and_key_is_in_the_reference() -> None:
    from appliance.config import AgentConfig, CameraConfig, HubConfig

    text = (ROOT / "docs" / "CONFIG.md").read_text(encoding="utf-8")
    for section in AgentConfig.model_fields:
        assert f"[{section}]" in text or f"[[{section}]]" in text, section
    for model in (CameraConfig, HubConfig):
        for key in model.model_fields:
            assert f"| `{key}` |" in text, key
