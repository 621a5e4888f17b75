"""Suite-wide rules: every test cleans up after itself.

An autouse fixture fails a test that leaves behind, once its own fixtures are torn down:
threads still running, child processes still running, file descriptors still open, or
(tests on a function-scoped event loop) asyncio tasks still pending — those would be
cancelled silently when the loop closes — and a test during which asyncio reports a
destroyed pending task or a never-retrieved task exception. What broader-scoped fixtures
hold (a module's agent process, a sound server) was there before the test and is not
counted; and since what such a fixture opens or starts *during* the test (a simulator's
server side of the agent's connection, an X server it restarts) cannot be told from a
leak, the file-descriptor and child-process checks are made only for tests whose
fixtures are all their own (function-scoped). Each leak is given a short grace (a child being reaped, a task finishing its
cancellation) polled with a bounded deadline. Fixtures for system parts (sound server,
X server, RTSP camera) live beside the tests that need them and fail with a message
naming the Debian package when the part is missing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from pytest_asyncio import is_async_test

# Threads that libraries start once per process and keep on purpose.
_ALLOWED_THREAD_PREFIXES = (
    "asyncio_",  # default executor of a loop; joined at loop close
    "ThreadPoolExecutor",
    "pytest_timeout",
    "Dummy-",  # threads created by C libraries (PortAudio, VLC) calling into Python
)
_LEAK_GRACE_S = 2.0


# A suite started in the background by a shell without job control (`make test &`,
# nohup) inherits SIGINT ignored, and a disposition of "ignored" survives exec: every
# program the Ctrl-C tests start would ignore their SIGINT too (exit 0 instead of 130, or
# a timeout). A handler does not survive exec, so with one here they start with the default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


class _AsyncioErrorCatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if "Task was destroyed but it is pending" in msg or "exception was never retrieved" in msg:
            self.messages.append(msg)


def _children() -> dict[int, str]:
    """Running (not zombie) child processes of this process: pid → command line."""
    me = str(os.getpid())
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            if stat[1] != me or stat[0] == "Z":
                continue
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue  # exited meanwhile
        found[int(proc.name)] = cmdline.strip()[:120]
    return found


def _fds() -> dict[int, str]:
    """This process's open file descriptors: fd → what it points to."""
    found = {}
    for entry in Path("/proc/self/fd").iterdir():
        try:
            found[int(entry.name)] = str(entry.readlink())
        except OSError:
            continue  # the directory's own fd, or closed meanwhile
    return found


# Broader-scoped fixtures of pytest and its plugins that hold no device or server.
_PLUGIN_FIXTURES = frozenset({"event_loop_policy", "tmp_path_factory", "pytestconfig"})


def _uses_shared_fixtures(item: pytest.Item) -> bool:
    """True when a module/session-scoped fixture of ours serves the test."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(
        d.scope != "function" and not name.startswith("_") and name not in _PLUGIN_FIXTURES
        for name, defs in info.name2fixturedefs.items()
        for d in defs
    )


def _new(before: dict[int, str], now: dict[int, str]) -> dict[int, str]:
    return {k: v for k, v in now.items() if before.get(k) != v}


def _function_loop(item: pytest.Item) -> bool:
    """An async test on its own (function-scoped) event loop."""
    if not is_async_test(item):
        return False
    marker = item.get_closest_marker("asyncio")
    scope = (marker.kwargs.get("loop_scope") if marker else None) or item.config.getini(
        "asyncio_default_test_loop_scope"
    )
    return (scope or "function") == "function"


@pytest_asyncio.fixture
async def _no_task_leaks() -> AsyncIterator[None]:
    """Pending tasks the test left behind (after its other fixtures' teardown)."""
    before = asyncio.all_tasks()
    yield
    me = asyncio.current_task()
    deadline = time.monotonic() + _LEAK_GRACE_S
    while True:
        leaked = [t for t in asyncio.all_tasks() - before if t is not me and not t.done()]
        if not leaked or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.01)
    if leaked:
        names = ", ".join(sorted(t.get_name() for t in leaked))
        pytest.fail(f"asyncio tasks left pending: {names}", pytrace=False)


def _foreign_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    return [
        th
        for th in threading.enumerate()
        if th not in before and th.is_alive() and not th.name.startswith(_ALLOWED_THREAD_PREFIXES)
    ]


@pytest.fixture(autouse=True)
def _no_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    if _function_loop(request.node):
        # Set up now, so torn down after the test's own fixtures; the event loop it runs
        # on (and its fds) is set up with it and closed after this fixture's check.
        request.getfixturevalue("_no_task_leaks")
    before = set(threading.enumerate())
    own = not _uses_shared_fixtures(request.node)
    fds_checked = own and not request.node.get_closest_marker("allow_fd_leak")
    children = _children() if own else {}
    fds = _fds() if fds_checked else {}
    catcher = _AsyncioErrorCatcher()
    asyncio_logger = logging.getLogger("asyncio")
    asyncio_logger.addHandler(catcher)
    try:
        yield
    finally:
        asyncio_logger.removeHandler(catcher)
    deadline = time.monotonic() + _LEAK_GRACE_S
    while True:
        leaked = _foreign_threads(before)
        if request.node.get_closest_marker("allow_thread_leak"):
            leaked = []
        new_children = _new(children, _children()) if own else {}
        new_fds = _new(fds, _fds()) if fds_checked else {}
        if not (leaked or new_children or new_fds) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    problems = []
    if leaked:
        problems.append("threads left running: " + ", ".join(th.name for th in leaked))
    if new_children:
        problems.append(
            "child processes left running: "
            + ", ".join(f"{pid} {cmd}" for pid, cmd in sorted(new_children.items()))
        )
    if new_fds:
        problems.append(
            "file descriptors left open: "
            + ", ".join(f"{fd} → {target}" for fd, target in sorted(new_fds.items()))
        )
    if catcher.messages:
        problems.append("asyncio: " + " | ".join(catcher.messages))
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)
