"""docs/CONFIG.md is what the config models say (scripts/config_reference.py --check), and
every key it documents has a description in Vietnamese and in English."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from appliance import i18n

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "config_reference.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("config_reference", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_config_reference_is_current() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_check_fails_on_a_stale_reference(tmp_path: Path) -> None:
    """--check compares with what the code says: one changed line is found."""
    gen = _generator()
    gen.OUT = tmp_path / "CONFIG.md"
    gen.OUT.write_text(gen.render().replace("| `baud` |", "| `bauds` |"), encoding="utf-8")
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0  # regenerated
    assert gen.main(["--check"]) == 0


def test_every_key_has_a_description_in_both_languages() -> None:
    found = _generator().descriptions()
    assert len(found) > 60  # room models, hub options, alerts.toml
    missing = [where for where, text, _ in found if not text.strip()]
    assert not missing, f"fields without a description: {missing}"
    untranslated = [
        f"{where}: {text!r} ({context})"
        for where, text, context in found
        if not i18n.has(text, context) or i18n.pt(context, text, "en") == ""
    ]
    assert not untranslated, "add to the .po files (make i18n-extract):\n" + "\n".join(untranslated)


def test_every_section_and_key_is_in_the_reference() -> None:
    from appliance.config import AgentConfig, CameraConfig, FollowConfig, HubConfig

    text = (ROOT / "docs" / "CONFIG.md").read_text(encoding="utf-8")
    for section in AgentConfig.model_fields:
        assert f"`[{section}]`" in text or f"`[[{section}]]`" in text, section
    for model in (CameraConfig, HubConfig, FollowConfig):
        for key in model.model_fields:
            assert f"| `{key}` |" in text, key
    assert "one of 9600, 19200, 38400" in text  # the validator's bauds, read from the code
    for option in ("--state-dir", "--db", "--listen", "--alerts", "--replica-id"):
        assert f"| `{option}` |" in text, option


def test_the_alerts_keys_are_those_the_parser_reads() -> None:
    """The TOML keys documented for alerts.toml (field names, or the metadata's "key") are
    the keys appliance/hub/alerts/config.py looks up: no renamed key goes unnoticed."""
    from appliance.hub.alerts import config as alerts

    source = Path(alerts.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r'"([a-z_]+)"', source))
    for section, key, _ in _generator().alert_fields():
        assert key in read, (section, key)
