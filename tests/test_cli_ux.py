"""What a technician meets first at the command line: languages and usage errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from appliance.cli.main import app
from appliance.i18n import parse_lang

ARGV = {
    "camera": ["camera", "--port", "/nonexistent/tty", "--lang", "fr", "info"],
    "check": ["check", "--config", "/nonexistent.toml", "--lang", "fr"],
    "check reference": ["check", "reference", "cam1", "1", "--lang", "fr"],
    "config": ["config", "check", "--config", "/nonexistent.toml", "--lang", "fr"],
    "agent": ["agent", "--config", "/nonexistent.toml", "--lang", "fr"],
    "sim": ["sim", "visca", "--port", "tcp:1", "--lang", "fr"],
    "demo": ["demo", "camera", "--lang", "fr"],
}


@pytest.mark.parametrize("group", sorted(ARGV))
def test_an_unsupported_language_is_a_usage_error(group: str) -> None:
    result = CliRunner().invoke(app, ARGV[group])
    assert result.exit_code == 2, result.output
    assert "language 'fr' is not supported: vi or en only" in result.output
    assert "ngôn ngữ 'fr' không được hỗ trợ" in result.output


def test_language_codes_with_a_region_are_understood() -> None:
    assert [parse_lang(v) for v in ("vi", "VI", "en", "en-US", "en_GB", " vi-VN ")] == [
        "vi", "vi", "en", "en", "en", "vi",
    ]  # fmt: skip
    for bad in ("fr", "", "english", "en-", "e"):
        with pytest.raises(ValueError, match="unsupported language"):
            parse_lang(bad)
