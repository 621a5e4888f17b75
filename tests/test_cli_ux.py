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
    helps = ""
    for sim in ("visca", "meeting"):  # the section names both simulators' switches
        result = CliRunner().invoke(app, ["sim", sim, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        helps += result.output
    missing = {switch for switch in named if switch not in helps}
    assert not missing, missing


def test_every_help_text_has_its_vietnamese() -> None:
    from appliance.cli.language import missing_help

    assert missing_help(app) == []


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from appliance.cli.language import run

    code = run(app, argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_help_is_vietnamese_by_default_and_english_on_request(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = _run(["camera", "--help"], capsys)
    assert code == 0
    for text in ("Cách dùng:", "Tùy chọn", "Lệnh", "Đường dẫn cổng nối tiếp hoặc URL VISCA.",
                 "Hiện hướng dẫn này rồi thoát.", "[bắt buộc]", "Quay camera theo một hướng."):  # fmt: skip
        assert text in out, text
    for text in ("Usage:", "Options", "Serial path", "Show this message"):
        assert text not in out, text
    code, out, _ = _run(["camera", "--lang", "en", "--help"], capsys)
    assert code == 0
    assert "Usage:" in out
    assert "Serial path or VISCA URL." in out
    assert "Tùy chọn" not in out


@pytest.mark.parametrize(
    ("argv", "vi", "en"),
    [
        (["camera", "--port", "x", "--address", "9", "info"],
         "Lỗi: giá trị không hợp lệ cho '--address' / '-a': phải nhỏ hơn hoặc bằng 7",
         "Input should be less than or equal to"),
        (["camera", "info"], "Lỗi: thiếu tùy chọn '--port' / '-p'", "Missing option"),
        (["camera", "--port", "x", "--bogus", "info"],
         "Lỗi: không có tùy chọn --bogus (ý bạn là: --baud)", "No such option: --bogus"),
        (["camera", "--port", "x", "move"], "Lỗi: thiếu tham số 'direction'", "Missing argument"),
        (["camera", "--port", "x", "move", "left", "more"], "Lỗi: thừa tham số: more",
         "unexpected extra argument"),
        (["check", "--timeout", "abc"], "'--timeout': phải là một số", "valid number"),
        (["camera", "--port", "x", "nosuch"], "Lỗi: không có lệnh 'nosuch'", "No such command"),
        (["camera", "--port"], "Lỗi: tùy chọn '--port' cần một giá trị", None),
    ],
)  # fmt: skip
def test_usage_errors_in_vietnamese_by_default(
    argv: list[str], vi: str, en: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(argv, capsys)
    assert code == 2
    assert vi in err
    assert "Input should" not in err
    if en is not None:  # the same mistake with --lang en (given to the command group)
        code, _, err = _run([argv[0], "--lang", "en", *argv[1:]], capsys)
        assert code == 2
        assert en in " ".join(err.split()), err


def test_driver_details_inside_vietnamese_sentences_are_vietnamese() -> None:
    from appliance.i18n import t
    from drivers.audio.devices import no_devices_message

    silent = "camera 2 (CAM_VersionInq): no answer to 3 tries, 0.50 s each"
    vi = t("checks.camera.link.silent", "vi", device="cam2", error=silent)
    assert vi == (
        "Camera cam2 không trả lời lệnh VISCA (camera 2 (CAM_VersionInq): "
        "không trả lời sau 3 lần thử, mỗi lần 0.50 giây)"
    )
    assert "no answer to 3 tries" in t("checks.camera.link.silent", "en", device="c", error=silent)
    audio = t("agent.error.device_unavailable", "vi", device="mic1", operation="find",
              detail=no_devices_message())  # fmt: skip
    for english in ("no sound devices", "not running", "start PulseAudio", "are installed"):
        assert english not in audio, audio
    assert "không có thiết bị âm thanh nào" in audio
