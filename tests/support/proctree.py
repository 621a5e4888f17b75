"""A process and its descendants, read from /proc: who they are, their memory and CPU.

    tree = descendants(os.getpid())                 # {pid: Proc}, the root included
    rss_kib(pid), shmem_kib(pid), pss_kib(pid), cpu_ticks(pid)  # None once gone
    alive(pid)                                       # running, not a zombie

Used by the demo's tests (tests/test_demo_province.py: nothing survives Ctrl-C), the soak
(tests/reliability/test_soak.py: RSS growth of every process) and bench/demo.py (the
demo's idle CPU and memory). Linux only; a process that exits between two reads is
simply absent (None), never an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Proc:
    """One process: its pid, parent, start time (pid + start = identity) and label."""

    pid: int
    ppid: int
    start_ticks: int
    label: str  # the command line, shortened: "python -m appliance agent … --room-id X"

    @property
    def key(self) -> tuple[int, int]:
        """The identity of the process across two readings (a pid can be reused)."""
        return self.pid, self.start_ticks


# What reading /proc/PID/… raises once the process is gone (any other error is real).
GONE = (FileNotFoundError, ProcessLookupError)


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat after the command name (field 3 on), or None when gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text(errors="replace")
    except GONE:
        return None
    return stat.rsplit(")", 1)[1].split()


def _label(pid: int) -> str:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except GONE:
        return "?"
    args = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
    if not args:
        return "?"
    args[0] = Path(args[0]).name
    if "--room-id" in args:  # an agent: its room names it better than its options
        room = args[args.index("--room-id") + 1] if args.index("--room-id") + 1 < len(args) else "?"
        head = args[: args.index("agent") + 1] if "agent" in args else args[:4]
        return " ".join([*head, "--room-id", room])
    text = " ".join(args)
    return text if len(text) <= 100 else text[:97] + "…"


def descendants(root: int) -> dict[int, Proc]:
    """``root`` and every process below it (children of children …), zombies left out."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is None or fields[0] == "Z":
            continue
        pid = int(entry.name)
        stats[pid] = fields
        children.setdefault(int(fields[1]), []).append(pid)
    found: dict[int, Proc] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        fields = stats.get(pid)
        if fields is None:
            continue
        # stat fields after the name: state(3) ppid(4) … starttime(22) → index 19
        found[pid] = Proc(pid, int(fields[1]), int(fields[19]), _label(pid))
        todo += children.get(pid, [])
    return found


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def start_ticks(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[19])


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of the process itself (clock ticks; CLOCK_TICKS_PER_S per second)."""
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[11]) + int(fields[12])


def _kib(path: Path, field: str) -> int | None:
    try:
        text = path.read_text(errors="replace")
    except GONE:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def rss_kib(pid: int) -> int | None:
    """Resident set size (VmRSS, KiB); None when gone (or a kernel thread)."""
    return _kib(PROC / str(pid) / "status", "VmRSS")


def shmem_kib(pid: int) -> int | None:
    """The part of the RSS that is shared memory (RssShmem, KiB): memfd / SysV / tmpfs
    pages, e.g. PulseAudio's per-client memfd pools and X's MIT-SHM images, which every
    process mapping them counts in full."""
    return _kib(PROC / str(pid) / "status", "RssShmem")


def pss_kib(pid: int) -> int | None:
    """Proportional set size (KiB, /proc/PID/smaps_rollup): shared pages split between
    the processes that map them, so a sum over a tree counts each page once."""
    return _kib(PROC / str(pid) / "smaps_rollup", "Pss")
