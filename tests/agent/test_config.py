"""The room config: the example validates, broken files give one line naming file and key."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from appliance.config import AgentConfig, config_path, load_config, parse_listen
from drivers.errors import ConfigError
from drivers.visca.transport import SUPPORTED_BAUDS

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "appliance.example.toml"

GOOD = """
[room]
id = "r1"
name = "Phòng họp"

[[cameras]]
id = "cam1"
port = "/dev/ttyUSB0"
address = 1
[cameras.presets]
chu-toa = 1

[[cameras]]
id = "cam2"
port = "/dev/ttyUSB0"
address = 2
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "appliance.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_validates() -> None:
    cfg = load_config(EXAMPLE)
    assert isinstance(cfg, AgentConfig)
    assert [c.id for c in cfg.cameras] == ["cam1", "cam2"]
    # The example documents a daisy chain: two cameras, one port, two addresses.
    assert cfg.cameras[0].port == cfg.cameras[1].port
    assert {c.address for c in cfg.cameras} == {1, 2}
    assert cfg.cameras[0].presets["chu-toa"] == 1


def test_example_documents_exactly_the_bauds_the_config_accepts(tmp_path: Path) -> None:
    line = next(
        ln for ln in EXAMPLE.read_text(encoding="utf-8").splitlines() if ln.startswith("baud =")
    )
    documented = {int(n) for n in re.findall(r"\d+", line.split("#", 1)[1])}
    assert documented == set(SUPPORTED_BAUDS)
    for baud in (2400, 115200):  # what the comment used to promise
        bad = EXAMPLE.read_text(encoding="utf-8").replace("baud = 9600", f"baud = {baud}", 1)
        with pytest.raises(ConfigError, match=f"bad baud {baud}"):
            load_config(_write(tmp_path, bad))


def test_defaults(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, GOOD))
    assert cfg.api.listen == "127.0.0.1:8470"
    assert cfg.cameras[0].baud == 9600
    assert cfg.token_file == cfg.state.dir / "api-token"


@pytest.mark.parametrize(
    ("text", "key", "what"),
    [
        (GOOD + "\n[extra]\nfoo = 1\n", "extra", "unknown key"),
        (GOOD.replace("address = 2", "address = 2\nspeed = 3"), "cameras[1].speed", "unknown key"),
        (
            GOOD.replace("address = 2", 'address = "two"'),
            "cameras[1].address",
            "must be a whole number without quotes, got str 'two'",
        ),
        (
            GOOD.replace('port = "/dev/ttyUSB0"\naddress = 2', 'port = ""\naddress = 2'),
            "cameras[1].port",
            "must not be empty",
        ),
        (
            GOOD.replace("address = 2", 'address = 2\nbaud = "9600"'),
            "cameras[1].baud",
            "must be a whole number without quotes, got str '9600'",
        ),
        (
            GOOD.replace("address = 2", "address = 2\nbaud = true"),
            "cameras[1].baud",
            "must be a whole number without quotes, got bool True",
        ),
        (
            GOOD + '\n[[displays]]\nid = "tv"\ncec = "off"\n',
            "displays[0].cec",
            "must be true or false (without quotes), got str 'off'",
        ),
        (
            GOOD.replace("address = 2", "address = 2\nbaud = 1234"),
            "cameras[1].baud",
            "bad baud 1234",
        ),
        (
            GOOD.replace('port = "/dev/ttyUSB0"\naddress = 2', "address = 2"),
            "cameras[1]",
            "missing port",
        ),
        (GOOD.replace('id = "cam2"', 'id = "cam1"'), "cameras[1].id", "duplicate device id 'cam1'"),
        (GOOD.replace("address = 2", "address = 1"), "cameras[1].address", "same port and address"),
        (
            GOOD.replace("address = 2", "address = 9"),
            "cameras[1].address",
            "less than or equal to 7",
        ),
        (GOOD.replace('name = "Phòng họp"', ""), "room.name", "missing required key"),
        (
            GOOD.replace("address = 2", 'address = 2\nmodel = "evi-x"'),
            "cameras[1].model",
            "unknown camera model",
        ),
        (GOOD.replace("chu-toa = 1", '"7" = 1'), "cameras[0].presets", "non-numeric"),
        (GOOD + '\n[api]\nlisten = "localhost"\n', "api.listen", "HOST:PORT"),
        (
            GOOD.replace('port = "/dev/ttyUSB0"\naddress = 2', 'url = "ftp://x"\naddress = 2'),
            "cameras[1].url",
            "unknown VISCA URL scheme",
        ),
        (GOOD.replace("address = 2", "address = 2\nbaud = 38400"), "cameras[1].baud", "differs"),
    ],
)
def test_broken_config_names_file_and_key(tmp_path: Path, text: str, key: str, what: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}: "), message
    assert what in message, message


def test_every_problem_is_named_and_a_misspelt_section_is_not_hidden(tmp_path: Path) -> None:
    text = GOOD.replace("[room]", "[rooom]").replace("address = 2", "address = 2\nbaud = true")
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message
    assert "more)" not in message
    assert "room: missing required key" in message
    assert "rooom: unknown key" in message
    assert "cameras[1].baud: must be a whole number" in message


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "appliance.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))  # what Notepad saves
    assert load_config(path).room.name == "Phòng họp"


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "[room\nid = 1\n")
    with pytest.raises(ConfigError, match=r"TOML syntax error.*line 1") as info:
        load_config(path)
    assert str(info.value).startswith(str(path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_config_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("APPLIANCE_CONFIG", raising=False)
    assert config_path(None) == Path("/etc/appliance/appliance.toml")
    monkeypatch.setenv("APPLIANCE_CONFIG", str(tmp_path / "env.toml"))
    assert config_path(None) == tmp_path / "env.toml"
    assert config_path(str(tmp_path / "cli.toml")) == tmp_path / "cli.toml"


def test_parse_listen() -> None:
    assert parse_listen("127.0.0.1:8470") == ("127.0.0.1", 8470)
    assert parse_listen("[::1]:9000") == ("::1", 9000)
    with pytest.raises(ValueError, match="out of range"):
        parse_listen("127.0.0.1:70000")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "appliance", "config", "check", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_cli_config_check_ok_and_error(tmp_path: Path) -> None:
    ok = _cli("--config", str(EXAMPLE), "--lang", "en")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK"), ok.stdout
    en = _cli("--config", str(_write(tmp_path, "[rooom]\n")), "--lang", "en")
    assert "room: missing required key; also rooom: unknown key" in en.stderr
    assert "2 cameras" in ok.stdout
    bad = _write(tmp_path, GOOD.replace("address = 2", "address = 2\nbaud = 1234"))
    err = _cli("--config", str(bad))
    assert err.returncode == 1
    lines = err.stderr.strip().splitlines()
    assert len(lines) == 1, err.stderr
    assert (
        lines[0] == f"Lỗi cấu hình: {bad}: cameras[1].baud: tốc độ baud 1234 không hợp lệ "
        "(chọn một trong 9600, 19200, 38400)"
    )
