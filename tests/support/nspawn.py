"""Real systemd as PID 1: a ``systemd-nspawn`` container booted from a cached root.

    root = cached_root()                        # scripts/build-test-root.sh (built once)
    with Container(root, work_dir, name="room1") as ct:   # overlay of root, booted
        ct.run("systemctl", "is-active", "appliance-agent.service")
        ct.path("/etc/appliance")               # the container's file, seen from the host

PLATFORM.md Infra 3 (bonus): ``--register=no --keep-unit`` (no systemd or machined on the
host), PID 1 found as the nspawn process's child, commands run through ``nsenter``.

- The cached root is never written: each container boots an overlayfs whose upper layer
  lives under ``work_dir`` (removed afterwards). Files put through :meth:`Container.path`
  before :meth:`Container.boot` are what the container boots with.
- Network: the host's, unless ``netns`` names a network namespace the test created
  (``ip netns add``); then the container sees only what the test routed into it.
- Stop: ``systemctl poweroff`` inside, waiting for nspawn to exit; SIGKILL to the nspawn
  process (by PID) only if that overran. The overlay is unmounted.

Missing tools FAIL the test with the Debian package to install (never a skip).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Final, TypeVar

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_ROOT = ROOT / "scripts" / "build-test-root.sh"
CACHE_DIR: Final = Path(os.environ.get("APPLIANCE_TEST_CACHE", "/var/cache/appliance-test"))
BUILD_TIMEOUT_S: Final = 900.0  # debootstrap + the room packages: ~3.5 min here, 2x under load
BOOT_TIMEOUT_S: Final = 90.0  # PID 1 to "running": ~1 s idle, much more on a loaded 2-core box
POWEROFF_TIMEOUT_S: Final = 30.0
POLL_S: Final = 0.1
RUN_TIMEOUT_S: Final = 300.0


def require(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} not found: apt-get install {package}")
    return path


def cached_root() -> Path:
    """The root the containers boot from, built once (scripts/build-test-root.sh)."""
    require("debootstrap", "debootstrap")
    require("systemd-nspawn", "systemd-container")
    if os.geteuid() != 0:
        pytest.fail("containers need root (debootstrap, overlay mounts, systemd-nspawn)")
    proc = subprocess.run(
        ["bash", str(BUILD_ROOT), str(CACHE_DIR)],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    if proc.returncode != 0:
        pytest.fail(f"building the container root failed:\n{proc.stderr[-3000:]}")
    return Path(proc.stdout.strip().splitlines()[-1])


T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float) -> T:
    """Poll ``probe`` until it returns something not None; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(POLL_S)


class Container:
    """One booted container; see the module docstring."""

    def __init__(self, root: Path, work_dir: Path, *, name: str, netns: str | None = None) -> None:
        self.name = name
        self.netns = netns
        self._root = root
        self._work = work_dir / name
        self.merged = self._work / "merged"
        self._nspawn: subprocess.Popen[bytes] | None = None
        self.leader: int | None = None
        self.console_log = self._work / "console.log"
        for d in ("upper", "work", "merged"):
            (self._work / d).mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "mount",
                "-t",
                "overlay",
                "overlay",
                "-o",
                f"lowerdir={root},upperdir={self._work / 'upper'},workdir={self._work / 'work'}",
                str(self.merged),
            ],
            check=True,
            timeout=60,
        )
        self._mounted = True

    # -- files ---------------------------------------------------------------------------

    def path(self, inside: str) -> Path:
        """A path inside the container, as seen from the host."""
        return self.merged / inside.lstrip("/")

    def write(self, inside: str, text: str, mode: int = 0o644) -> Path:
        p = self.path(inside)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        p.chmod(mode)
        return p

    def chroot(
        self, *cmd: str, timeout_s: float = RUN_TIMEOUT_S
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in the (not yet booted) root; fails the test on exit != 0."""
        proc = subprocess.run(
            ["chroot", str(self.merged), *cmd], capture_output=True, text=True, timeout=timeout_s
        )
        if proc.returncode != 0:
            pytest.fail(f"chroot {' '.join(cmd)}: exit {proc.returncode}\n{proc.stderr[-3000:]}")
        return proc

    # -- life cycle ----------------------------------------------------------------------

    def boot(self) -> None:
        args = [
            require("systemd-nspawn", "systemd-container"),
            "-D",
            str(self.merged),
            "-b",
            "--register=no",
            "--keep-unit",
            "-q",
            "--console=read-only",
            f"--machine={self.name}",
        ]
        if self.netns is not None:
            args.append(f"--network-namespace-path=/run/netns/{self.netns}")
        with self.console_log.open("wb") as log:
            self._nspawn = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        self.leader = wait_for("the container's systemd", self._find_leader, BOOT_TIMEOUT_S)
        wait_for("systemctl is-system-running", self._booted, BOOT_TIMEOUT_S)

    def _find_leader(self) -> int | None:
        assert self._nspawn is not None
        if self._nspawn.poll() is not None:
            pytest.fail(f"systemd-nspawn exited: {self.console_log.read_text()[-3000:]}")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                comm = (entry / "comm").read_text().strip()
                if ppid == self._nspawn.pid and comm == "systemd":
                    return int(entry.name)
        return None

    def _booted(self) -> str | None:
        proc = self.run("systemctl", "is-system-running", check=False)
        state = proc.stdout.strip()
        return state if state in {"running", "degraded"} else None

    def run(
        self, *cmd: str, check: bool = True, timeout_s: float = RUN_TIMEOUT_S
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside the booted container (all its namespaces)."""
        assert self.leader is not None, "boot() first"
        proc = subprocess.run(
            ["nsenter", "-t", str(self.leader), "-m", "-u", "-i", "-n", "-p", "--", *cmd],
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        if check and proc.returncode != 0:
            pytest.fail(
                f"in {self.name}: {' '.join(cmd)}: exit {proc.returncode}\n"
                f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
            )
        return proc

    def show(self, unit: str, *props: str) -> dict[str, str]:
        out = self.run("systemctl", "show", unit, "-p", ",".join(props)).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def stop(self) -> None:
        if self._nspawn is not None and self._nspawn.poll() is None:
            if self.leader is not None:
                self.run("systemctl", "poweroff", check=False, timeout_s=POWEROFF_TIMEOUT_S)
            try:
                self._nspawn.wait(timeout=POWEROFF_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._nspawn.send_signal(signal.SIGKILL)
                self._nspawn.wait(timeout=POWEROFF_TIMEOUT_S)
        self._nspawn = None
        if self._mounted:
            subprocess.run(["umount", str(self.merged)], check=False, timeout=60)
            self._mounted = False
            shutil.rmtree(self._work, ignore_errors=True)

    def __enter__(self) -> Container:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class RoomNetwork:
    """A bridge on the host and one network namespace per room, joined by veth pairs.

    The host side of the bridge is ``gateway`` (the hub and the controller use it); room
    ``i`` is ``address(i)``. The namespaces have no default route: a room container in
    one reaches the bridge and nothing else (no internet, like a district office LAN
    that only sees the provincial network). Names carry the test's PID so parallel runs
    do not clash; :meth:`close` deletes everything it made.
    """

    def __init__(self, rooms: int) -> None:
        require("ip", "iproute2")
        tag = os.getpid() % 10000
        # Parallel test workers (pytest-xdist, `make test`) never share a subnet: the
        # worker's number picks the octet modulo 8, the pid the rest.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
        octet = (tag % 31) * 8 + (int(worker) if worker.isdigit() else 0) % 8
        self.subnet = f"10.231.{octet}"
        self.gateway = f"{self.subnet}.1"
        self.bridge = f"apbr{tag}"
        self.namespaces = [f"aproom{i}-{tag}" for i in range(1, rooms + 1)]
        self._veths = [f"apv{i}h{tag}" for i in range(1, rooms + 1)]
        self._made: list[list[str]] = []  # undo commands, last first
        try:
            self._ip("link", "add", self.bridge, "type", "bridge")
            self._made.append(["link", "del", self.bridge])
            self._ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
            self._ip("link", "set", self.bridge, "up")
            for i, (ns, veth) in enumerate(zip(self.namespaces, self._veths, strict=True), 1):
                peer = f"apv{i}r{tag}"
                self._ip("netns", "add", ns)
                self._made.append(["netns", "del", ns])
                self._ip("link", "add", veth, "type", "veth", "peer", "name", peer)
                self._made.append(["link", "del", veth])
                self._ip("link", "set", peer, "netns", ns)
                self._ip("link", "set", veth, "master", self.bridge)
                self._ip("link", "set", veth, "up")
                self._ip("-n", ns, "addr", "add", f"{self.address(i)}/24", "dev", peer)
                self._ip("-n", ns, "link", "set", peer, "up")
                self._ip("-n", ns, "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise

    def address(self, i: int) -> str:
        return f"{self.subnet}.{10 + i}"

    @staticmethod
    def _ip(*args: str) -> None:
        proc = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
        if proc.returncode != 0:
            pytest.fail(f"ip {' '.join(args)}: {proc.stderr.strip()}")

    def close(self) -> None:
        while self._made:
            subprocess.run(["ip", *self._made.pop()], capture_output=True, timeout=30)
