"""Suite-wide rules: every test cleans up after itself.

An autouse fixture fails a test that leaves threads running or lets asyncio report a
destroyed pending task / a never-retrieved task exception. Fixtures for system parts
(sound server, X server, RTSP camera) live beside the tests that need them and fail
with a message naming the Debian package when the part is missing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest

# Threads that libraries start once per process and keep on purpose.
_ALLOWED_THREAD_PREFIXES = (
    "asyncio_",  # default executor of a loop; joined at loop close
    "ThreadPoolExecutor",
    "pytest_timeout",
    "Dummy-",  # threads created by C libraries (PortAudio, VLC) calling into Python
)
_LEAK_GRACE_S = 2.0


class _AsyncioErrorCatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if "Task was destroyed but it is pending" in msg or "exception was never retrieved" in msg:
            self.messages.append(msg)


def _foreign_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    return [
        th
        for th in threading.enumerate()
        if th not in before and th.is_alive() and not th.name.startswith(_ALLOWED_THREAD_PREFIXES)
    ]


@pytest.fixture(autouse=True)
def _no_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    before = set(threading.enumerate())
    catcher = _AsyncioErrorCatcher()
    asyncio_logger = logging.getLogger("asyncio")
    asyncio_logger.addHandler(catcher)
    try:
        yield
    finally:
        asyncio_logger.removeHandler(catcher)
    if request.node.get_closest_marker("allow_thread_leak"):
        return
    deadline = time.monotonic() + _LEAK_GRACE_S
    leaked = _foreign_threads(before)
    while leaked and time.monotonic() < deadline:
        time.sleep(0.05)
        leaked = _foreign_threads(before)
    problems = []
    if leaked:
        problems.append("threads left running: " + ", ".join(th.name for th in leaked))
    if catcher.messages:
        problems.append("asyncio: " + " | ".join(catcher.messages))
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)
