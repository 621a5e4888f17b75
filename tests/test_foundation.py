"""The repository's own promises: CLI entry point, error tree, i18n completeness."""

from __future__ import annotations

import subprocess
import sys

import pytest

from appliance import i18n
from appliance.errors import (
    ApplianceError,
    CommandRejectedError,
    ConfigError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
)


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


@pytest.mark.parametrize("key", i18n.keys())
def test_every_text_exists_in_both_languages(key: str) -> None:
    vi, en = i18n.t(key, "vi"), i18n.t(key, "en")
    assert vi
    assert en


def test_vietnamese_is_default() -> None:
    assert i18n.t("status.fail") == "LỖI"
    assert i18n.t("status.fail", "en") == "FAIL"
    assert i18n.t("no.such.key") == "no.such.key"
