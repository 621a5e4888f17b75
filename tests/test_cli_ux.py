"""What a technician meets first at the command line: languages and usage errors."""

from __future__ import annotations

import re
from pathlib import Path

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


README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_curl_examples_use_the_api_base() -> None:
    text = README.read_text(encoding="utf-8")
    curls = re.findall(r"curl [^`]*", text)
    assert curls
    for line in curls:
        assert "/api/v1/" in line, line  # URL/devices gave 404
    assert "/api/v1/openapi.json" in text


def test_readme_documents_every_check_exit_code() -> None:
    from appliance.agent.checks.report import EXIT_FAIL, EXIT_NOT_RUN, EXIT_PASS, EXIT_WARN
    from appliance.cli.check import EXIT_INTERRUPTED

    text = README.read_text(encoding="utf-8")
    for code in (EXIT_PASS, EXIT_WARN, EXIT_FAIL, EXIT_NOT_RUN, EXIT_INTERRUPTED):
        assert re.search(rf"\b{code} (pass|warning|fail|the check could not run|interrupted)", text)


def test_every_sim_switch_the_readme_names_exists() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Simulated hardware") : text.index("## Layout")]
    named = set(re.findall(r"`(--[a-z-]+)", section))
    assert {"--unplug-after", "--replug-after", "--silent", "--garbage"} <= named
    result = CliRunner().invoke(app, ["sim", "visca", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    missing = {switch for switch in named if switch not in result.output}
    assert not missing, missing
