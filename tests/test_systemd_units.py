"""systemd units, sysusers.d and tmpfiles.d of systemd/ (PLATFORM.md Infra 3).

- ``systemd-analyze verify`` exits 0 on parse warnings (an unknown key, a bad type), so
  ANY output is a failure here. ExecStart is pointed at the venv's real ``appliance``
  script (verify requires an executable); nothing else is changed.
- ``systemd-analyze security --offline=yes --threshold=20``: exposure at most 2.0.
- The units' memory policy is re-created with the same seccomp rule systemd 252 uses
  for MemoryDenyWriteExecute=, and the service's Python stack is run under it.
- sysusers.d and tmpfiles.d are applied for real into a temporary root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SYSTEMD_DIR = ROOT / "systemd"
UNITS = ("appliance-agent.service", "appliance-hub.service")
PRODUCTION_EXEC = "/opt/appliance/venv/bin/appliance"
SECURITY_THRESHOLD = 20  # exposure x10 (PLATFORM.md: an integer, "2.0" is refused)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: install the Debian package systemd")
    return path


def unit_settings(unit: str) -> dict[str, list[str]]:
    """Key -> values (units may repeat keys) of the [Service]/[Unit]/[Install] lines."""
    out: dict[str, list[str]] = {}
    for raw in (SYSTEMD_DIR / unit).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def _templated(unit: str, tmp_path: Path) -> Path:
    exe = Path(sys.executable).with_name("appliance")
    if not os.access(exe, os.X_OK):
        pytest.fail(f"{exe} missing: install the project (`make venv`)")
    text = (SYSTEMD_DIR / unit).read_text()
    assert PRODUCTION_EXEC in text
    dest = tmp_path / unit
    dest.write_text(text.replace(PRODUCTION_EXEC, str(exe)))
    return dest


@pytest.mark.parametrize("unit", UNITS)
def test_unit_verifies_without_any_output(unit: str, tmp_path: Path) -> None:
    path = _templated(unit, tmp_path)
    proc = subprocess.run(
        [_tool("systemd-analyze"), "verify", "--man=no", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = (proc.stdout + proc.stderr).strip()
    assert proc.returncode == 0
    assert output == "", output


@pytest.mark.parametrize("unit", UNITS)
def test_unit_exposure_is_at_most_2_0(unit: str, tmp_path: Path) -> None:
    path = _templated(unit, tmp_path)
    proc = subprocess.run(
        [
            _tool("systemd-analyze"),
            "security",
            "--offline=yes",
            f"--threshold={SECURITY_THRESHOLD}",
            "--no-pager",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    summary = [ln for ln in proc.stdout.splitlines() if "Overall exposure level" in ln]
    assert proc.returncode == 0, "\n".join(summary) or proc.stderr
    assert summary


def test_agent_unit_is_the_notify_service_the_agent_expects() -> None:
    s = unit_settings("appliance-agent.service")
    assert s["Type"] == ["notify"]
    assert s["NotifyAccess"] == ["main"]  # sdnotify sends from the main process
    assert s["ExecStart"] == [f"{PRODUCTION_EXEC} agent --config /etc/appliance/appliance.toml"]
    assert s["Restart"] == ["on-failure"]
    assert s["WatchdogSec"] == ["30s"]
    assert s["User"] == ["appliance"]
    assert set(s["SupplementaryGroups"][0].split()) == {"dialout", "audio", "video"}
    # pyudev's monitor needs AF_NETLINK, sd_notify needs AF_UNIX.
    assert {"AF_NETLINK", "AF_UNIX"} <= set(s["RestrictAddressFamilies"][0].split())
    allowed = {v.split()[0] for v in s["DeviceAllow"]}
    assert {"char-ttyUSB", "char-ttyACM", "char-alsa", "char-video4linux"} <= allowed
    assert s["StateDirectory"] == ["appliance"]  # config.py DEFAULT_STATE_DIR /var/lib/appliance


# -- MemoryDenyWriteExecute= ------------------------------------------------------------

# systemd 252 src/shared/seccomp-util.c seccomp_memory_deny_write_execute(): EPERM for
# mmap(PROT_WRITE|PROT_EXEC), mprotect/pkey_mprotect(PROT_EXEC), shmat(SHM_EXEC).
_MDWE_CHILD = textwrap.dedent(
    """
    import ctypes, mmap, platform, struct, sys
    ARCH = {"x86_64": (0xC000003E, 9, 10, 329, 30), "aarch64": (0xC00000B7, 222, 226, 288, 196)}
    audit, nr_mmap, nr_mprotect, nr_pkey, nr_shmat = ARCH[platform.machine()]
    LD, JEQ, AND, RET = 0x20, 0x15, 0x54, 0x06
    ALLOW, DENY = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ERRNO | EPERM
    def arg_has(bits):  # args[2] low word (seccomp_data offset 32) & bits == bits
        return [(LD, 0, 0, 32), (AND, 0, 0, bits), (JEQ, 0, 1, bits), (RET, 0, 0, DENY), (RET, 0, 0, ALLOW)]
    prog = [(LD, 0, 0, 4), (JEQ, 1, 0, audit), (RET, 0, 0, ALLOW), (LD, 0, 0, 0),
            (JEQ, 4, 0, nr_mmap), (JEQ, 8, 0, nr_mprotect), (JEQ, 7, 0, nr_pkey),
            (JEQ, 11, 0, nr_shmat), (RET, 0, 0, ALLOW)]
    prog += arg_has(mmap.PROT_WRITE | mmap.PROT_EXEC) + arg_has(mmap.PROT_EXEC) + arg_has(0o100000)
    buf = ctypes.create_string_buffer(b"".join(struct.pack("=HBBI", *i) for i in prog))
    fprog = struct.pack("=HxxxxxxQ", len(prog), ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(38, 1, 0, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS
    assert libc.prctl(22, 2, ctypes.c_char_p(fprog), 0, 0) == 0, ctypes.get_errno()
    try:  # the filter really is in force
        mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        sys.exit("write+execute mapping was allowed")
    except PermissionError:
        pass
    """
)

# What each service does that is sensitive to W^X memory.
_STACKS = {
    "appliance-agent.service": textwrap.dedent(
        """
        import ctypes, cv2, numpy, pyudev, vlc
        import sounddevice as sd
        # sounddevice.py _StreamBase: the PortAudio stream callback is a cffi ffi.callback().
        cb = sd._ffi.callback("PaStreamCallback", error=sd._lib.paAbort)(lambda *a: 0)
        vlc_cb = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda p: None)  # python-vlc events
        pyudev.Monitor.from_netlink(pyudev.Context()).start()
        """
    ),
    "appliance-hub.service": textwrap.dedent(
        """
        import argon2, fastapi, jinja2, sqlalchemy as sa
        assert argon2.PasswordHasher().verify(argon2.PasswordHasher().hash("pw"), "pw")
        with sa.create_engine("sqlite://").connect() as c:
            assert c.execute(sa.text("select 1")).scalar() == 1
        assert jinja2.Template("{{ x }}").render(x="ok") == "ok"
        """
    ),
}


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=90, cwd=ROOT
    )


@pytest.mark.parametrize("unit", UNITS)
def test_service_stack_runs_under_the_units_memory_policy(unit: str) -> None:
    mdwe = unit_settings(unit).get("MemoryDenyWriteExecute", ["no"])[-1] == "yes"
    proc = _run_python((_MDWE_CHILD if mdwe else "") + _STACKS[unit])
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_mdwe_still_breaks_sounddevice_callbacks() -> None:
    """Why the agent unit has no MemoryDenyWriteExecute=yes. If this starts failing,
    cffi no longer needs W+X memory: enable MDWE in appliance-agent.service."""
    proc = _run_python(_MDWE_CHILD + _STACKS["appliance-agent.service"])
    assert proc.returncode != 0
    assert "Cannot allocate write+execute memory for ffi.callback()" in proc.stderr


# -- sysusers.d / tmpfiles.d ------------------------------------------------------------


def test_sysusers_and_tmpfiles_create_users_and_directories(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    for tool, conf in (
        ("systemd-sysusers", "sysusers.d/appliance.conf"),
        ("systemd-tmpfiles", "tmpfiles.d/appliance.conf"),
    ):
        args = [_tool(tool), f"--root={root}"]
        if tool == "systemd-tmpfiles":
            args.append("--create")
        proc = subprocess.run(
            [*args, str(SYSTEMD_DIR / conf)], capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0, proc.stderr
        assert "ignoring" not in proc.stderr.lower(), proc.stderr
    users = {
        p[0]: p
        for p in (line.split(":") for line in (root / "etc/passwd").read_text().splitlines())
    }
    groups = {
        g[0]: g for g in (line.split(":") for line in (root / "etc/group").read_text().splitlines())
    }
    assert users["appliance"][6] == "/usr/sbin/nologin"
    assert "appliance-hub" in users
    for device_group in ("dialout", "audio", "video"):
        assert "appliance" in groups[device_group][3].split(",")
    agent_uid, hub_uid = int(users["appliance"][2]), int(users["appliance-hub"][2])
    expected = {
        "etc/appliance": (0o750, 0, int(groups["appliance"][2])),
        "var/lib/appliance": (0o700, agent_uid, None),
        "var/lib/appliance/outbox": (0o700, agent_uid, None),
        "var/cache/appliance/evidence": (0o700, agent_uid, None),
        "var/log/appliance": (0o700, agent_uid, None),
        "var/lib/appliance-hub": (0o700, hub_uid, None),
    }
    for rel, (mode, uid, gid) in expected.items():
        st = (root / rel).stat()
        assert (st.st_mode & 0o7777, st.st_uid) == (mode, uid), rel
        if gid is not None:
            assert st.st_gid == gid, rel
    # The unit's User= is what sysusers creates.
    assert unit_settings("appliance-agent.service")["User"] == ["appliance"]
    assert unit_settings("appliance-hub.service")["User"] == ["appliance-hub"]
