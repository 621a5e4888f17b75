"""systemd/udev/70-appliance-visca.rules: syntax and what names it gives.

`udevadm verify` would be the real checker, but it arrived in systemd 254; Debian 12's
udev is 252 (its udevadm has info/trigger/settle/control/monitor/test/test-builtin/wait/
lock only). So when `udevadm verify` is present it is run; otherwise — as on this VM,
which has no udev package at all — the file is parse-checked here against udev(7)'s
grammar, and a small evaluator of the keys this file uses (and nothing more: an unknown
key fails the test) runs it against the properties 60-serial.rules + usb_id give real
adapters. That evaluator is ours, not udevd: it proves the rule logic, not udevd's
reading of it.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[2] / "systemd" / "udev" / "70-appliance-visca.rules"

# udev(7), systemd 252: keys and the operators each accepts.
_MATCH_OPS = {"==", "!="}
_ASSIGN_OPS = {"=", "+=", "-=", ":="}
_KEYS: dict[str, set[str]] = {
    "ACTION": _MATCH_OPS,
    "DEVPATH": _MATCH_OPS,
    "KERNEL": _MATCH_OPS,
    "KERNELS": _MATCH_OPS,
    "SUBSYSTEM": _MATCH_OPS,
    "SUBSYSTEMS": _MATCH_OPS,
    "DRIVER": _MATCH_OPS,
    "DRIVERS": _MATCH_OPS,
    "TAGS": _MATCH_OPS,
    "RESULT": _MATCH_OPS,
    "PROGRAM": _MATCH_OPS,
    "NAME": _MATCH_OPS | _ASSIGN_OPS,
    "SYMLINK": _MATCH_OPS | _ASSIGN_OPS,
    "TAG": _MATCH_OPS | _ASSIGN_OPS,
    "OWNER": _ASSIGN_OPS,
    "GROUP": _ASSIGN_OPS,
    "MODE": _ASSIGN_OPS,
    "OPTIONS": _ASSIGN_OPS,
    "LABEL": {"="},
    "GOTO": {"="},
}
_KEYS_WITH_ATTR: dict[str, set[str]] = {
    "ENV": _MATCH_OPS | _ASSIGN_OPS,
    "ATTR": _MATCH_OPS | _ASSIGN_OPS,
    "ATTRS": _MATCH_OPS,
    "SYSCTL": _MATCH_OPS | _ASSIGN_OPS,
    "CONST": _MATCH_OPS,
    "TEST": _MATCH_OPS,
    "IMPORT": _MATCH_OPS | _ASSIGN_OPS,
    "RUN": _ASSIGN_OPS,
    "SECLABEL": _ASSIGN_OPS,
}
_TOKEN = re.compile(
    r'\s*(?P<key>[A-Z_]+)(?:\{(?P<attr>[^}]*)\})?\s*(?P<op>==|!=|\+=|-=|:=|=)\s*"(?P<value>[^"]*)"\s*(?P<sep>,|$)'
)
_SUBST = re.compile(r"\$env\{([A-Za-z0-9_.]+)\}|\$(\w+)|%(\w)")


@dataclass
class Token:
    key: str
    attr: str | None
    op: str
    value: str


def parse(text: str) -> list[list[Token]]:
    """Rules as token lists; raises AssertionError naming the bad line."""
    rules: list[list[Token]] = []
    logical = text.replace("\\\n", " ").splitlines()
    for n, line in enumerate(logical, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        tokens, pos = [], 0
        while pos < len(stripped):
            m = _TOKEN.match(stripped, pos)
            assert m, f"line {n}: cannot parse at {stripped[pos:]!r}"
            key, attr, op = m["key"], m["attr"], m["op"]
            allowed = _KEYS_WITH_ATTR.get(key) if attr is not None else _KEYS.get(key)
            assert allowed is not None, f"line {n}: unknown key {key}{'{…}' if attr else ''}"
            assert op in allowed, f"line {n}: {key} does not take {op}"
            for sub in _SUBST.finditer(m["value"]):
                if sub[2]:
                    assert sub[2] in {"kernel", "number", "devpath", "id", "driver", "attr",
                                      "env", "major", "minor", "result", "parent", "name",
                                      "links", "root", "sys", "devnode"}, f"line {n}: ${sub[2]}"  # fmt: skip
            tokens.append(Token(key, attr, op, m["value"]))
            pos = m.end()
            if m["sep"] == "" and pos < len(stripped):
                raise AssertionError(f"line {n}: missing comma before {stripped[pos:]!r}")
        rules.append(tokens)
    labels = {t.value for r in rules for t in r if t.key == "LABEL"}
    for r in rules:
        for t in r:
            if t.key == "GOTO":
                assert t.value in labels, f"GOTO {t.value} has no LABEL"
    return rules


@dataclass
class Result:
    env: dict[str, str]
    symlinks: list[str] = field(default_factory=list)
    group: str | None = None
    mode: str | None = None
    tags: set[str] = field(default_factory=set)


def _pattern_match(pattern: str, value: str) -> bool:
    alternatives = pattern.split("|")
    assert all(alternatives) or pattern == "", (
        f"empty alternative in {pattern!r} (udev version-dependent)"
    )
    return any(fnmatch.fnmatchcase(value, alt) for alt in alternatives) if pattern else value == ""


def _substitute(m: re.Match[str], env: dict[str, str]) -> str:
    assert m[1] is not None, f"evaluator models only $env{{…}}, not {m[0]}"
    return env.get(m[1], "")


def evaluate(rules: list[list[Token]], device: dict[str, str]) -> Result:
    """Run the rules on a device's properties (ACTION, SUBSYSTEM, KERNEL and ENV)."""
    res = Result(env=dict(device))
    labels = {t.value: i for i, r in enumerate(rules) for t in r if t.key == "LABEL"}
    i = 0
    while i < len(rules):
        rule, jump = rules[i], None
        matched = True
        for t in rule:
            if t.op not in _MATCH_OPS:
                continue
            if t.key == "ENV":
                assert t.attr is not None
                current = res.env.get(t.attr, "")
            elif t.key in {"ACTION", "SUBSYSTEM", "KERNEL"}:
                current = res.env.get(t.key, "")
            else:
                raise AssertionError(f"evaluator does not model match key {t.key}")
            if _pattern_match(t.value, current) != (t.op == "=="):
                matched = False
                break
        if matched:
            for t in rule:
                if t.op in _MATCH_OPS:
                    continue
                value = _SUBST.sub(lambda m: _substitute(m, res.env), t.value)
                if t.key == "ENV" and t.attr is not None:
                    res.env[t.attr] = value
                elif t.key == "SYMLINK":
                    res.symlinks += value.split()
                elif t.key == "GROUP":
                    res.group = value
                elif t.key == "MODE":
                    res.mode = value
                elif t.key == "TAG" and t.op == "+=":
                    res.tags.add(value)
                elif t.key == "GOTO":
                    jump = labels[value]
                elif t.key != "LABEL":
                    raise AssertionError(f"evaluator does not model {t.key}{t.op}")
        i = jump if jump is not None else i + 1
    return res


def _usb_tty(kernel: str = "ttyUSB0", **env: str) -> dict[str, str]:
    return {"ACTION": "add", "SUBSYSTEM": "tty", "KERNEL": kernel, "ID_BUS": "usb", **env}


FTDI = {"ID_VENDOR_ID": "0403", "ID_MODEL_ID": "6001", "ID_SERIAL_SHORT": "A10KZ3J9",
        "ID_USB_INTERFACE_NUM": "00", "ID_PATH_TAG": "pci-0000_00_14_0-usb-0_3_1_0"}  # fmt: skip


def test_udevadm_verify_if_available() -> None:
    udevadm = shutil.which("udevadm")
    if udevadm is not None:
        help_out = subprocess.run([udevadm, "--help"], capture_output=True, text=True).stdout
        if re.search(r"^\s+verify\s", help_out, re.M):
            proc = subprocess.run(
                [udevadm, "verify", "--resolve-names=never", str(RULES)],
                capture_output=True,
                text=True,
            )
            assert proc.returncode == 0, proc.stdout + proc.stderr
    # Always, and the only check on Debian 12 (udev 252 has no `verify`):
    assert parse(RULES.read_text())


def test_parser_rejects_what_udev_rejects() -> None:
    for bad in (
        'SUBSYSTEM=="tty", GOTO="nowhere"',  # GOTO without LABEL
        'SUBSYSTEM="tty"',  # SUBSYSTEM cannot be assigned
        'SUBSYSTEMS="usb", ENV{X}="1"',  # SUBSYSTEMS is match-only
        'KERNEL=="tty*" SYMLINK+="x"',  # missing comma
        'FOO=="bar"',  # unknown key
        "KERNEL==tty*",  # unquoted value
    ):
        with pytest.raises(AssertionError):
            parse(bad)


@pytest.mark.parametrize(
    ("device", "links"),
    [
        (_usb_tty(**FTDI), ["visca/A10KZ3J9"]),
        (_usb_tty(**{**FTDI, "ID_USB_INTERFACE_NUM": ""}), ["visca/A10KZ3J9"]),
        # FT4232: four ports share one serial number
        (_usb_tty("ttyUSB3", **{**FTDI, "ID_USB_INTERFACE_NUM": "02"}), ["visca/A10KZ3J9-if02"]),
        # CH340 without a serial number: named by USB port position
        (
            _usb_tty(**{**FTDI, "ID_VENDOR_ID": "1a86", "ID_SERIAL_SHORT": ""}),
            ["visca/by-path/pci-0000_00_14_0-usb-0_3_1_0"],
        ),
        (_usb_tty("ttyACM0", **{**FTDI, "ID_VENDOR_ID": "067b"}), ["visca/A10KZ3J9"]),
        # Pulse-Eight USB-CEC adapter: a ttyACM, but not a camera
        (_usb_tty("ttyACM0", **{**FTDI, "ID_VENDOR_ID": "2548"}), []),
        # a site-local 69-*.rules marked another adapter as VISCA / excluded an FTDI one
        (_usb_tty(**{**FTDI, "ID_VENDOR_ID": "abcd", "APPLIANCE_VISCA": "1"}), ["visca/A10KZ3J9"]),
        (_usb_tty(**{**FTDI, "APPLIANCE_VISCA": "0"}), []),
        ({**_usb_tty(**FTDI), "ACTION": "remove"}, []),
        ({**_usb_tty(**FTDI), "SUBSYSTEM": "usb"}, []),
        (_usb_tty("ttyS0", **FTDI), []),  # on-board port
        ({**_usb_tty(**FTDI), "ID_BUS": "pci"}, []),
    ],
)
def test_rule_names(device: dict[str, str], links: list[str]) -> None:
    result = evaluate(parse(RULES.read_text()), device)
    assert result.symlinks == links
    if links:
        assert (result.group, result.mode) == ("dialout", "0660")
        assert result.env["ID_MM_DEVICE_IGNORE"] == "1"  # ModemManager keeps off
        assert "appliance" in result.tags
    else:
        assert result.group is None


# -- /dev/appliance/camera-<n>: the per-room rules the Ansible role renders ----------------

CAMERA_TEMPLATE = (
    RULES.parents[2]
    / "ansible"
    / "roles"
    / "appliance_agent"
    / "templates"
    / "71-appliance-cameras.rules.j2"
)
ROOM_CAMERAS = [
    {"serial": "FT01CAM1", "address": 1},
    {"url": "visca-ip://192.0.2.10:52381"},  # a network camera: no udev name, keeps n = 2
    {"serial": "FT01CAM3", "address": 1},
]


def _camera_rules(cameras: list[dict[str, object]]) -> str:
    import jinja2

    # The template module's Jinja settings (trim_blocks), StrictUndefined like Ansible.
    env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined, autoescape=False)  # noqa: S701 (udev rules, not HTML)
    return env.from_string(CAMERA_TEMPLATE.read_text()).render(
        ansible_managed="Ansible managed",
        appliance_agent_room_id="th-tinh-uy",
        appliance_agent_cameras=cameras,
    )


def test_camera_rules_parse() -> None:
    rules = parse(_camera_rules(ROOM_CAMERAS))
    symlinks = [t.value for r in rules for t in r if t.key == "SYMLINK"]
    assert symlinks == ["appliance/camera-1", "appliance/camera-3"]


@pytest.mark.parametrize(
    ("device", "links"),
    [
        (_usb_tty(**{**FTDI, "ID_SERIAL_SHORT": "FT01CAM1"}), ["visca/FT01CAM1", "appliance/camera-1"]),
        (_usb_tty("ttyUSB1", **{**FTDI, "ID_SERIAL_SHORT": "FT01CAM3"}), ["visca/FT01CAM3", "appliance/camera-3"]),
        # an adapter of another room (or a spare): only its /dev/visca name
        (_usb_tty(**{**FTDI, "ID_SERIAL_SHORT": "SPARE01"}), ["visca/SPARE01"]),
        # the right serial on a chip that is not a VISCA adapter: nothing
        (_usb_tty("ttyACM0", **{**FTDI, "ID_VENDOR_ID": "2548", "ID_SERIAL_SHORT": "FT01CAM1"}), []),
        ({**_usb_tty(**{**FTDI, "ID_SERIAL_SHORT": "FT01CAM1"}), "ACTION": "remove"}, []),
    ],
)  # fmt: skip
def test_camera_names_from_the_adapter_serial(device: dict[str, str], links: list[str]) -> None:
    rules = parse(RULES.read_text() + "\n" + _camera_rules(ROOM_CAMERAS))
    result = evaluate(rules, device)
    assert result.symlinks == links
