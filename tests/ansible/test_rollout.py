"""The real rollout: ansible/ playbooks against three room PCs with a real hub.

Each room PC is a systemd-nspawn container (real systemd as PID 1, the cached Debian 12
root with the room's packages) in its own network namespace, joined to the host by a
bridge and nothing else: no route to the internet, so everything comes from the
wheelhouse. Ansible reaches each room over ssh (sshd in the container), the hub runs on
the host with the real CLI (``appliance hub serve``) on the bridge address, and each
room's camera is a VISCA simulator on the host (``appliance sim visca``, TCP).

The rooms are three real rooms of the inventory (same names and districts). Versions:
V1 is installed by site.yml, V2 is rolled out, BROKEN is a planted build whose agent
fails at start. One module, tests in order, one set of containers (module fixture).

Figures (printed, see the README "Deploying to the rooms"): first install of three
rooms, the idempotent re-run, an update per room (rollout of V2), the three-room rollout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.nspawn import Container, RoomNetwork, cached_root, wait_for
from tests.support.wheels import build_project_wheel, deps_wheelhouse

pytestmark = [pytest.mark.timeout(1800), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_DIR = ROOT / "ansible"
# Test release numbers (not the project's): what each playbook run installs.
V1, V2, BROKEN = "9.1.0", "9.2.0", "9.3.0"
ROOMS = (  # three real rooms of ansible/inventory/province.yml
    ("th-ba-thuoc", "huyen_ba_thuoc", "Huyện Bá Thước", "Điểm cầu UBND huyện Bá Thước"),
    ("th-cam-thuy", "huyen_cam_thuy", "Huyện Cẩm Thủy", "Điểm cầu UBND huyện Cẩm Thủy"),
    ("th-dong-son", "huyen_dong_son", "Huyện Đông Sơn", "Điểm cầu UBND huyện Đông Sơn"),
)
BUSY_ROOM = "th-dong-son"  # in a meeting at the hub (its schedule) during the rollouts
ADMIN, ADMIN_PASSWORD = "rollout-admin", "Rollout-admin-pass-1"  # the test hub's own admin
API_LISTEN = "127.0.0.1:8470"  # each room's own loopback (own network namespace)
HUB_START_TIMEOUT_S = 120.0
PLAYBOOK_TIMEOUT_S = 1200.0
HEALTH_TIMEOUT_S = 60  # the role's health gate (a broken build fails after this)
SSH_TIMEOUT_S = 120.0
FIGURES: dict[str, float] = {}
VN = timezone(timedelta(hours=7))


@dataclass
class Fleet:
    net: RoomNetwork
    hub_url: str
    api: httpx.Client  # the hub's API as its admin (Bearer API token)
    token: str
    work: Path
    containers: dict[str, Container] = field(default_factory=dict)
    tars: dict[str, Path] = field(default_factory=dict)

    def playbook(self, name: str, *extra: str) -> subprocess.CompletedProcess[str]:
        venv_bin = str(Path(sys.executable).parent)
        env = dict(
            os.environ,
            PATH=f"{venv_bin}:{os.environ.get('PATH', '')}",
            ANSIBLE_CONFIG=str(ANSIBLE_DIR / "ansible.cfg"),
            ANSIBLE_LOCAL_TEMP=str(self.work / "ansible-local"),
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_NOCOLOR="1",
        )
        proc = subprocess.run(
            [
                str(Path(venv_bin) / "ansible-playbook"),
                "-i",
                str(self.work / "inventory.yml"),
                "-e",
                f"@{self.work / 'secrets.yml'}",
                name,
                *extra,
            ],
            cwd=ANSIBLE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=PLAYBOOK_TIMEOUT_S,
        )
        (self.work / f"ansible-{len(list(self.work.glob('ansible-*.log')))}.log").write_text(
            proc.stdout + proc.stderr
        )
        return proc

    def room(self, room_id: str) -> dict[str, Any]:
        resp = self.api.get(f"/rooms/{room_id}")
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def release(self, room_id: str) -> str:
        """The release the room's venv link points at."""
        link = str(self.containers[room_id].path("/opt/appliance/venv").readlink())
        m = re.fullmatch(r"releases/([^/]+)/venv", link)
        assert m, link
        return m[1]


def recap(output: str) -> dict[str, dict[str, int]]:
    """PLAY RECAP counters per host (summed over the batches of a serial play)."""
    out: dict[str, dict[str, int]] = {}
    for m in re.finditer(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", output, re.M):
        counters = out.setdefault(m[1], {})
        for key, value in re.findall(r"(\w+)=(\d+)", m[2]):
            counters[key] = counters.get(key, 0) + int(value)
    return out


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _wheelhouse_tar(work: Path, version: str, deps: list[Path], *, broken: bool = False) -> Path:
    """dist/wheelhouse-<v>.tar as `make wheelhouse` makes it: wheelhouse-<v>/*.whl."""
    wheel = build_project_wheel(work / "wheels", version, broken=broken)
    tar_path = work / f"wheelhouse-{version}.tar"
    with tarfile.open(tar_path, "w") as tar:
        for w in [*deps, wheel]:
            tar.add(w, arcname=f"wheelhouse-{version}/{w.name}")
    return tar_path


def _prepare_room(ct: Container, address: str, pubkey: str) -> None:
    """sshd on the room's address only, root by key; the host keys made in the container."""
    ct.chroot("ssh-keygen", "-A")
    ct.write(
        "/etc/ssh/sshd_config.d/rollout-test.conf",
        f"ListenAddress {address}\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUseDNS no\n",
    )
    ct.write("/root/.ssh/authorized_keys", pubkey, mode=0o600)
    ct.path("/root/.ssh").chmod(0o700)
    wants = ct.path("/etc/systemd/system/multi-user.target.wants/ssh.service")
    wants.parent.mkdir(parents=True, exist_ok=True)
    wants.symlink_to("/lib/systemd/system/ssh.service")


def _ssh_up(address: str) -> bool | None:
    try:
        with socket.create_connection((address, 22), timeout=1) as s:
            return s.recv(4).startswith(b"SSH") or None
    except OSError:
        return None


def _start(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as f:
        return subprocess.Popen(
            cmd, stdout=f, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    root = cached_root()
    work = tmp_path_factory.mktemp("rollout")
    house = deps_wheelhouse()
    deps = [w for w in house.glob("*.whl") if not w.name.startswith("room_appliance-")]
    tars = {
        V1: _wheelhouse_tar(work, V1, deps),
        V2: _wheelhouse_tar(work, V2, deps),
        BROKEN: _wheelhouse_tar(work, BROKEN, deps, broken=True),
    }
    procs: list[subprocess.Popen[bytes]] = []
    containers: dict[str, Container] = {}
    net = RoomNetwork(len(ROOMS))
    try:
        # The hub, on the bridge address (the rooms' only way out), via its real CLI.
        hub_state = work / "hub"
        password_file = work / "admin-password"
        password_file.write_text(ADMIN_PASSWORD + "\n")
        appliance = [sys.executable, "-m", "appliance"]
        made = subprocess.run(
            [*appliance, "hub", "create-admin", ADMIN, "--password-file", str(password_file),
             "--state-dir", str(hub_state)],
            capture_output=True, text=True, timeout=HUB_START_TIMEOUT_S,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        hub_port = _free_port(net.gateway)
        hub_url = f"http://{net.gateway}:{hub_port}"
        procs.append(
            _start(
                [*appliance, "hub", "serve", "--state-dir", str(hub_state), "--listen",
                 f"{net.gateway}:{hub_port}", "--public-url", hub_url],
                work / "hub.log",
            )
        )  # fmt: skip

        def hub_up() -> bool | None:
            assert procs[0].poll() is None, (work / "hub.log").read_text()[-3000:]
            try:
                return httpx.get(f"{hub_url}/healthz", timeout=2).status_code == 200 or None
            except httpx.HTTPError:
                return None

        wait_for("the hub's /healthz", hub_up, HUB_START_TIMEOUT_S)
        with httpx.Client(base_url=f"{hub_url}/api/v1", timeout=30) as login:
            r = login.post("/auth/login", json={"username": ADMIN, "password": ADMIN_PASSWORD})
            assert r.status_code == 200, r.text
            login.headers["X-CSRF-Token"] = r.json()["csrf_token"]
            r = login.post("/tokens", json={"name": "ansible rollout test"})
            assert r.status_code == 201, r.text
            token = r.json()["token"]
        api = httpx.Client(
            base_url=f"{hub_url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        # Simulated hardware: one VISCA camera per room, over TCP from the host.
        cams: dict[str, str] = {}
        for room_id, *_ in ROOMS:
            port = _free_port(net.gateway)
            log = work / f"sim-{room_id}.log"
            procs.append(
                _start(
                    [*appliance, "sim", "visca", "--port", f"tcp:{port}", "--host", net.gateway,
                     "--model", "srg-300h", "--lang", "en"],
                    log,
                )
            )  # fmt: skip
            cams[room_id] = wait_for(
                "the VISCA simulator's URL",
                lambda log=log: (log.read_text().splitlines() or [None])[0],  # type: ignore[misc]
                HUB_START_TIMEOUT_S,
            )
        # The rooms: containers in their namespaces, sshd up.
        ssh_dir = work / "ssh"
        ssh_dir.mkdir()
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(ssh_dir / "id")], check=True
        )
        pubkey = (ssh_dir / "id.pub").read_text()
        for i, (room_id, *_) in enumerate(ROOMS, 1):
            ct = Container(root, work, name=room_id, netns=net.namespaces[i - 1])
            containers[room_id] = ct
            _prepare_room(ct, net.address(i), pubkey)
            ct.boot()
        for i in range(1, len(ROOMS) + 1):
            wait_for(
                f"sshd on {net.address(i)}", lambda i=i: _ssh_up(net.address(i)), SSH_TIMEOUT_S
            )
        # The inventory: the real rooms' names and districts, the test's addresses.
        groups: dict[str, Any] = {}
        for i, (room_id, group, district, name) in enumerate(ROOMS, 1):
            groups[group] = {
                "vars": {"room_district": district},
                "hosts": {
                    room_id: {
                        "ansible_host": net.address(i),
                        "room_name": name,
                        "cameras": [{"url": cams[room_id], "model": "srg-300h", "address": 1}],
                    }
                },
            }
        inventory = {
            "all": {
                "vars": {
                    "ansible_user": "root",
                    "ansible_ssh_private_key_file": str(ssh_dir / "id"),
                    "ansible_ssh_common_args": "-o StrictHostKeyChecking=no "
                    "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
                    "hub_url": hub_url,
                    "appliance_version": V1,
                    "appliance_wheelhouse_tar": str(
                        work / "wheelhouse-{{ appliance_version }}.tar"
                    ),
                    "appliance_agent_health_timeout_s": HEALTH_TIMEOUT_S,
                },
                "children": {"rooms": {"children": groups}},
            }
        }
        (work / "inventory.yml").write_text(json.dumps(inventory, ensure_ascii=False, indent=1))
        # What the vault holds in production: here a plain vars file of the test's own.
        (work / "secrets.yml").write_text(json.dumps({"hub_api_token": token}))
        (work / "secrets.yml").chmod(0o600)
        yield Fleet(net, hub_url, api, token, work, containers, tars)
        api.close()
    finally:
        for ct in containers.values():
            ct.stop()
        for proc in procs:
            _stop(proc)
        net.close()
        for name, seconds in FIGURES.items():
            print(f"figure: {name}: {seconds:.1f} s")


def _assert_ok(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, (proc.stdout[-6000:], proc.stderr[-3000:])


def _online(fleet: Fleet, room_id: str) -> dict[str, Any] | None:
    room = fleet.room(room_id)
    return room if room["online"] else None


def _camera_ready(fleet: Fleet, room_id: str) -> bool | None:
    devices = fleet.room(room_id).get("devices", [])
    cams = [d for d in devices if d["kind"] == "camera"]
    return (bool(cams) and all(d["state"] == "ready" for d in cams)) or None


def _agent_running(ct: Container) -> bool:
    s = ct.show("appliance-agent.service", "ActiveState", "SubState", "User")
    return (s["ActiveState"], s["SubState"], s["User"]) == ("active", "running", "appliance")


def test_site_installs_from_the_wheelhouse_enrols_and_every_room_is_online(fleet: Fleet) -> None:
    t0 = time.monotonic()
    proc = fleet.playbook("site.yml")
    FIGURES["site.yml first install, 3 rooms in parallel"] = time.monotonic() - t0
    _assert_ok(proc)
    for room_id, ct in fleet.containers.items():
        assert fleet.release(room_id) == V1
        # No internet in the room's namespace: only the bridge's subnet is routed.
        routes = ct.run("ip", "route").stdout
        assert "default" not in routes, routes
        assert _agent_running(ct)
        room = wait_for(f"{room_id} Online at the hub", lambda r=room_id: _online(fleet, r), 60)
        assert room["enrolled"] is True
        # The agent speaks to its simulated camera, and the hub knows it (hello/heartbeat).
        wait_for(
            f"{room_id}'s camera ready at the hub", lambda r=room_id: _camera_ready(fleet, r), 60
        )
        # The enrolment token is gone from the room PC; the secret is the agent's, 0600.
        assert not ct.path("/etc/appliance/enrolment-token").exists()
        secret = ct.path("/var/lib/appliance/hub-secret")
        assert oct(secret.stat().st_mode & 0o777) == "0o600"
        assert ct.run("stat", "-c", "%U", "/var/lib/appliance/hub-secret").stdout.strip() == (
            "appliance"
        )


def test_second_run_changes_nothing(fleet: Fleet) -> None:
    t0 = time.monotonic()
    proc = fleet.playbook("site.yml")
    FIGURES["site.yml second run (nothing to do)"] = time.monotonic() - t0
    _assert_ok(proc)
    counters = recap(proc.stdout)
    assert set(counters) >= {r for r, *_ in ROOMS}, proc.stdout[-3000:]
    assert {h: c["changed"] for h, c in counters.items()} == dict.fromkeys(counters, 0)


def test_check_mode_of_a_new_version_changes_nothing(fleet: Fleet) -> None:
    proc = fleet.playbook("site.yml", "--check", "-e", f"appliance_version={V2}")
    _assert_ok(proc)
    counters = recap(proc.stdout)
    assert all(counters[r]["changed"] > 0 for r, *_ in ROOMS)  # it would change things…
    for room_id, ct in fleet.containers.items():  # … but changed nothing
        assert fleet.release(room_id) == V1
        assert not ct.path(f"/opt/appliance/releases/{V2}").exists()


def test_rollout_skips_the_busy_room_and_upgrades_the_rest_batch_by_batch(fleet: Fleet) -> None:
    # The room is in a meeting under way at the hub (its schedule): the rollout skips it.
    now = time.time()
    meeting = {
        "title": "Họp trực tuyến đang diễn ra",
        "start": datetime.fromtimestamp(now - 60, VN).isoformat(),
        "end": datetime.fromtimestamp(now + 3 * 3600, VN).isoformat(),
        "room_ids": [BUSY_ROOM],
        "check_before_min": 0,
    }
    r = fleet.api.post("/meetings", json=meeting)
    assert r.status_code == 201, r.text
    assert fleet.room(BUSY_ROOM)["in_meeting"] is True
    t0 = time.monotonic()
    proc = fleet.playbook("rollout.yml", "-e", f"appliance_version={V2}")
    FIGURES["rollout.yml of a new version, 3 rooms (1 skipped, 2 batches)"] = time.monotonic() - t0
    _assert_ok(proc)
    upgraded = [r for r, *_ in ROOMS if r != BUSY_ROOM]
    FIGURES["update per room (rollout time / upgraded rooms)"] = FIGURES[
        "rollout.yml of a new version, 3 rooms (1 skipped, 2 batches)"
    ] / len(upgraded)
    for room_id in upgraded:
        assert fleet.release(room_id) == V2
        assert _agent_running(fleet.containers[room_id])
        assert fleet.room(room_id)["online"] is True
    assert fleet.release(BUSY_ROOM) == V1
    assert not fleet.containers[BUSY_ROOM].path(f"/opt/appliance/releases/{V2}").exists()
    assert f"{BUSY_ROOM} skipped: in a meeting" in proc.stdout
    # serial: [1, 25%] of 3 rooms → batches of 1: one play header per batch
    assert proc.stdout.count("PLAY [Roll out a new release to the rooms]") == len(ROOMS)


def test_a_broken_build_stops_the_rollout_at_the_failure_threshold(fleet: Fleet) -> None:
    proc = fleet.playbook("rollout.yml", "-e", f"appliance_version={BROKEN}")
    assert proc.returncode != 0
    first, second = (r for r, *_ in ROOMS if r != BUSY_ROOM)
    counters = recap(proc.stdout)
    assert counters[first]["failed"] == 1, proc.stdout[-4000:]
    # The rollout stopped after the first batch: the second room was never touched…
    assert (
        not fleet.containers[second]
        .path(f"/opt/appliance/wheelhouses/wheelhouse-{BROKEN}")
        .exists()
    )
    assert fleet.release(second) == V2
    assert "NO MORE HOSTS LEFT" in proc.stdout
    # … and the failed room went back to its previous release and is Online again.
    assert f"{first}: {BROKEN} failed" in proc.stdout
    assert f"rolled back to {V2}" in proc.stdout
    assert fleet.release(first) == V2
    assert _agent_running(fleet.containers[first])
    wait_for(f"{first} Online again", lambda: _online(fleet, first), 60)
    # The broken build really was broken (its agent failed at start under systemd).
    log = (
        fleet.containers[first]
        .run("journalctl", "-u", "appliance-agent.service", "--no-pager", "-o", "cat")
        .stdout
    )
    assert "planted broken build" in log


def test_rollback_restores_the_previous_version(fleet: Fleet) -> None:
    upgraded = [r for r, *_ in ROOMS if r != BUSY_ROOM]
    t0 = time.monotonic()
    proc = fleet.playbook("rollback.yml")
    FIGURES["rollback.yml, 2 rooms (1 skipped)"] = time.monotonic() - t0
    _assert_ok(proc)
    for room_id in upgraded:
        assert fleet.release(room_id) == V1
        assert _agent_running(fleet.containers[room_id])
        wait_for(f"{room_id} Online", lambda r=room_id: _online(fleet, r), 60)
        history = fleet.containers[room_id].path("/opt/appliance/history").read_text().split()
        assert history == [V1]
    assert fleet.release(BUSY_ROOM) == V1
    shutil.rmtree(fleet.work / "wheels", ignore_errors=True)
