"""The repository's own promises: CLI entry point, error tree, i18n completeness."""

from __future__ import annotations

import ast
import re
import string
import subprocess
import sys
from pathlib import Path

from appliance import i18n
from appliance.errors import (
    ApplianceError,
    CommandRejectedError,
    ConfigError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
)

ROOT = Path(__file__).resolve().parent.parent


def test_cli_entry_point_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "appliance", "--help"], capture_output=True, text=True, check=True
    )
    assert "appliance" in out.stdout.lower()


def test_error_tree_names_device_and_operation() -> None:
    err = DeviceTimeoutError("cam1", "no reply within 0.5 s", operation="preset recall")
    assert isinstance(err, DeviceError)
    assert isinstance(err, TimeoutError)
    assert isinstance(err, ApplianceError)
    assert str(err) == "cam1 (preset recall): no reply within 0.5 s"
    rej = CommandRejectedError("cam2", "syntax error", code=0x02)
    assert rej.code == 0x02
    assert not isinstance(DeviceUnavailableError("x", "gone"), TimeoutError)


def test_config_error_names_file_and_key() -> None:
    err = ConfigError(
        "expected an integer", path="/etc/appliance/appliance.toml", key="cameras.0.baud"
    )
    assert str(err) == "/etc/appliance/appliance.toml: cameras.0.baud: expected an integer"


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_text_has_both_languages_with_the_same_placeholders() -> None:
    """Both texts exist, are not the key, and ask for the same parameters: a ``{device}``
    only in the Vietnamese text would be printed raw in one language only."""
    problems = []
    catalogue = i18n.keys()
    for key in catalogue:
        vi, en = i18n.template(key, "vi"), i18n.template(key, "en")
        if not vi.strip() or not en.strip() or key in (vi, en):
            problems.append(f"{key}: empty or untranslated")
        elif _placeholders(vi) != _placeholders(en):
            problems.append(f"{key}: vi {_placeholders(vi)} != en {_placeholders(en)}")
    assert not problems, "\n".join(problems)
    assert len(catalogue) > 250  # the catalogues really loaded


_TEXT_CALLS = frozenset({"t", "nt", "text", "Text", "say", "_say", "echo_t"})


def _literal_keys() -> set[tuple[str, str]]:
    """Every ``t("a.b")``-style call with a literal dotted key in the product code."""
    found = set()
    for path in [
        *ROOT.joinpath("appliance").rglob("*.py"),
        *ROOT.joinpath("drivers").rglob("*.py"),
    ]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0]
            if (
                name in _TEXT_CALLS
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)+", first.value)
            ):
                found.add((str(path.relative_to(ROOT)), first.value))
    return found


def test_every_key_the_code_asks_for_is_in_the_catalogue() -> None:
    """An unknown key is shown as the key itself (``t`` never fails): find them here."""
    used = _literal_keys()
    assert len(used) > 150  # the scan finds the calls
    missing = sorted(f"{path}: {key}" for path, key in used if not i18n.has(key))
    assert not missing, "\n".join(missing)


def test_vietnamese_is_default() -> None:
    assert i18n.t("status.fail") == "LỖI"
    assert i18n.t("status.fail", "en") == "FAIL"
    assert i18n.t("no.such.key") == "no.such.key"
