"""The agent unit under a REAL systemd (PID 1 of a systemd-nspawn container).

One container per module (tests/support/nspawn.py): the cached Debian 12 root, the agent
installed from the wheelhouse into /opt/appliance/releases/<version>/venv (pip
``--no-index``: nothing from the internet), systemd/'s unit, sysusers.d, tmpfiles.d and
udev rules copied verbatim, and a room config with no devices. The only test-specific
piece is a drop-in: a 4 s watchdog instead of 30 s (a shorter wait), RestartSec=1s, and
the sdnotify test hook ``APPLIANCE_TEST_WATCHDOG_HOLD_FILE`` (pings stop while that
file exists). The container shares the host's network; the API listens on a free
loopback port.
"""

from __future__ import annotations

import json
import shutil
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.nspawn import Container, cached_root, wait_for
from tests.support.wheels import build_project_wheel, deps_wheelhouse, project_version

# The module's container: the cached root (built once, ~4 min; or waiting for another
# session's build), install and boot take far more than the suite's 120 s default.
pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SYSTEMD_DIR = ROOT / "systemd"
UNIT = "appliance-agent.service"
ROOM_ID = "test-nspawn"
HOLD_FILE = "/run/appliance/hold-watchdog"
TEST_WATCHDOG_S = 4
RESTART_TIMEOUT_S = 60.0  # watchdog 4 s + SIGABRT + RestartSec 1 s + start; load adds a lot
HEALTH_TIMEOUT_S = 90.0
DROP_IN = f"""[Service]
WatchdogSec={TEST_WATCHDOG_S}s
RestartSec=1s
Environment=APPLIANCE_TEST_WATCHDOG_HOLD_FILE={HOLD_FILE}
"""
DEVICE_GROUPS = {"dialout", "audio", "video"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def install_release(ct: Container, wheels: list[Path], version: str) -> None:
    """What the Ansible role does, by hand: a venv per release, /opt/appliance/venv → it."""
    house = ct.path("/opt/appliance/wheelhouse")
    house.mkdir(parents=True, exist_ok=True)
    for w in wheels:
        shutil.copy2(w, house / w.name)
    venv = f"/opt/appliance/releases/{version}/venv"
    ct.chroot("python3", "-m", "venv", venv)
    ct.chroot(
        f"{venv}/bin/pip",
        "install",
        "--quiet",
        "--no-index",
        "--find-links",
        "/opt/appliance/wheelhouse",
        f"room-appliance=={version}",
    )
    ct.path("/opt/appliance/venv").symlink_to(f"releases/{version}/venv")


@pytest.fixture(scope="module")
def agent_ct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Container, int]]:
    root = cached_root()
    work = tmp_path_factory.mktemp("nspawn")
    version = project_version()
    wheels = [*deps_wheelhouse().glob("*.whl")]
    wheels = [w for w in wheels if not w.name.startswith("room_appliance-")]
    wheels.append(build_project_wheel(work / "wheels", version))
    port = _free_port()
    ct = Container(root, work, name="agent-ct")
    try:
        install_release(ct, wheels, version)
        shutil.copy2(SYSTEMD_DIR / UNIT, ct.path(f"/etc/systemd/system/{UNIT}"))
        ct.write(f"/etc/systemd/system/{UNIT}.d/test-hooks.conf", DROP_IN)
        ct.path("/etc/sysusers.d").mkdir(parents=True, exist_ok=True)
        shutil.copy2(SYSTEMD_DIR / "sysusers.d/appliance.conf", ct.path("/etc/sysusers.d/"))
        shutil.copy2(SYSTEMD_DIR / "tmpfiles.d/appliance.conf", ct.path("/etc/tmpfiles.d/"))
        for rules in (SYSTEMD_DIR / "udev").glob("*.rules"):
            shutil.copy2(rules, ct.path("/etc/udev/rules.d/"))
        ct.write(
            "/etc/appliance/appliance.toml",
            f'[room]\nid = "{ROOM_ID}"\nname = "Phòng thử nspawn"\n\n'
            f'[api]\nlisten = "127.0.0.1:{port}"\n',
            mode=0o640,
        )
        ct.boot()
        # sysusers/tmpfiles ran at boot (real systemd-sysusers/-tmpfiles); the config is
        # root:appliance 0640 as the Ansible role leaves it.
        ct.run("chgrp", "appliance", "/etc/appliance/appliance.toml")
        ct.run("systemctl", "enable", "--now", UNIT)
        yield ct, port
    finally:
        ct.stop()


def _healthz(port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return str(json.loads(r.read())["status"])
    except OSError:
        return None


def _running(ct: Container) -> dict[str, str] | None:
    s = ct.show(UNIT, "ActiveState", "SubState", "MainPID", "NRestarts", "StatusText")
    return s if (s["ActiveState"], s["SubState"]) == ("active", "running") else None


def _group_names(ct: Container) -> dict[int, str]:
    out = {}
    for line in ct.path("/etc/group").read_text().splitlines():
        name, _, gid, _ = line.split(":", 3)
        out[int(gid)] = name
    return out


def test_agent_reaches_active_running_through_notify_as_its_own_user(
    agent_ct: tuple[Container, int],
) -> None:
    ct, port = agent_ct
    state = wait_for("the agent active/running", lambda: _running(ct), HEALTH_TIMEOUT_S)
    props = ct.show(UNIT, "Type", "NotifyAccess", "WatchdogUSec", "User")
    assert props["Type"] == "notify"
    # StatusText comes only from the agent's own sd_notify (READY=1 + STATUS=…).
    assert state["StatusText"] == f"room {ROOM_ID}: API on 127.0.0.1:{port}"
    assert wait_for("GET /healthz", lambda: _healthz(port), HEALTH_TIMEOUT_S) == "ok"
    # MainPID is in the container's pid namespace: read its /proc/PID/status inside.
    text = ct.run("cat", f"/proc/{state['MainPID']}/status").stdout
    fields = dict(line.split(":", 1) for line in text.splitlines())
    uids = set(fields["Uid"].split())
    passwd = {
        p.split(":")[0]: p.split(":") for p in ct.path("/etc/passwd").read_text().splitlines()
    }
    assert uids == {passwd["appliance"][2]}
    names = _group_names(ct)
    groups = {names[int(g)] for g in fields["Groups"].split()}
    primary = {names[int(g)] for g in fields["Gid"].split()}
    assert primary == {"appliance"}
    assert groups - {"appliance"} == DEVICE_GROUPS, groups
    caps = int(fields["CapEff"], 16), int(fields["CapBnd"], 16)
    assert caps == (0, 0)  # CapabilityBoundingSet= (empty)
    assert fields["NoNewPrivs"].strip() == "1"


def test_agent_writes_only_where_the_unit_allows(agent_ct: tuple[Container, int]) -> None:
    ct, _ = agent_ct
    state = wait_for("the agent active/running", lambda: _running(ct), HEALTH_TIMEOUT_S)
    pid = state["MainPID"]
    # Enter the agent's own mount namespace as its user: what it could write.
    uid = ct.run("id", "-u", "appliance").stdout.strip()
    gid = ct.run("id", "-g", "appliance").stdout.strip()

    def try_write(path: str) -> str:
        proc = ct.run(
            "nsenter", "-t", pid, "-m", "-S", uid, "-G", gid, "--",
            "sh", "-c", f"echo x > {path} && rm {path}",
            check=False,
        )  # fmt: skip
        return "ok" if proc.returncode == 0 else proc.stderr.strip()

    for allowed in ("/var/lib/appliance", "/var/cache/appliance", "/var/log/appliance"):
        assert try_write(f"{allowed}/probe") == "ok", allowed
    # ProtectSystem=strict (read-only /usr, /etc, /opt, /var/lib), ProtectHome= (/root)
    for denied in ("/etc/appliance", "/opt/appliance", "/usr/local", "/var/lib", "/root"):
        assert try_write(f"{denied}/probe") != "ok", denied
    # What the agent itself wrote to disk: the overlay's upper layer holds every file
    # changed since boot; those owned by the agent are all in its own directories.
    upper = ct.merged.parent / "upper"
    owned = [
        p.relative_to(upper).as_posix()
        for p in upper.rglob("*")
        if not p.is_symlink() and p.lstat().st_uid == int(uid)
    ]
    assert owned, "the agent wrote nothing (its API token at least is expected)"
    allowed_prefixes = ("var/lib/appliance", "var/cache/appliance", "var/log/appliance")
    assert [p for p in owned if not p.startswith(allowed_prefixes)] == []
    assert "var/lib/appliance/api-token" in owned


def test_hung_agent_is_killed_by_the_watchdog_and_restarted(
    agent_ct: tuple[Container, int],
) -> None:
    ct, port = agent_ct
    before = wait_for("the agent active/running", lambda: _running(ct), HEALTH_TIMEOUT_S)
    ct.run("touch", HOLD_FILE)  # the sdnotify test hook: pings stop, the agent lives on

    def restarted() -> dict[str, str] | None:
        now = ct.show(UNIT, "NRestarts", "MainPID", "Result")
        return now if int(now["NRestarts"]) > int(before["NRestarts"]) else None

    wait_for("a watchdog restart", restarted, RESTART_TIMEOUT_S)
    ct.run("rm", "-f", HOLD_FILE)  # gone with RuntimeDirectory= on stop anyway
    after = wait_for("the agent running again", lambda: _running(ct), RESTART_TIMEOUT_S)
    assert after["MainPID"] != before["MainPID"]
    log = ct.run("journalctl", "-u", UNIT, "--no-pager", "-o", "cat").stdout
    assert "Watchdog timeout" in log
    assert "Failed with result 'watchdog'" in log
    assert wait_for("GET /healthz", lambda: _healthz(port), HEALTH_TIMEOUT_S) == "ok"


def test_sigkilled_agent_is_restarted(agent_ct: tuple[Container, int]) -> None:
    ct, port = agent_ct
    before = wait_for("the agent active/running", lambda: _running(ct), HEALTH_TIMEOUT_S)
    ct.run("kill", "-KILL", before["MainPID"])

    def restarted() -> dict[str, str] | None:
        now = _running(ct)
        if now is None or int(now["NRestarts"]) <= int(before["NRestarts"]):
            return None
        return now

    after = wait_for("the agent restarted after SIGKILL", restarted, RESTART_TIMEOUT_S)
    assert after["MainPID"] != before["MainPID"]
    log = ct.run("journalctl", "-u", UNIT, "--no-pager", "-o", "cat").stdout
    assert "Main process exited, code=killed, status=9/KILL" in log
    assert wait_for("GET /healthz", lambda: _healthz(port), HEALTH_TIMEOUT_S) == "ok"


def test_journal_has_the_agents_log_lines_and_no_secret(agent_ct: tuple[Container, int]) -> None:
    ct, _ = agent_ct
    wait_for("the agent active/running", lambda: _running(ct), HEALTH_TIMEOUT_S)
    log = ct.run("journalctl", "-u", UNIT, "--no-pager", "-o", "cat").stdout
    assert f"agent {ROOM_ID} ready, API on" in log  # appliance/agent/server.py
    token = ct.path("/var/lib/appliance/api-token").read_text().strip()
    assert len(token) >= 20
    assert token not in log
    everything = ct.run("journalctl", "--no-pager", "-o", "cat").stdout
    assert token not in everything


def test_exposure_inside_the_container(agent_ct: tuple[Container, int]) -> None:
    """`systemd-analyze security` of the loaded unit (online, by the container's PID 1)."""
    ct, _ = agent_ct
    proc = ct.run("systemd-analyze", "security", "--threshold=20", "--no-pager", UNIT, check=False)
    line = [ln for ln in proc.stdout.splitlines() if "Overall exposure level" in ln]
    print(line)
    assert proc.returncode == 0, line or proc.stderr
