"""A local RTSP camera for tests: gst-rtsp-server run by Debian's ``/usr/bin/python3``.

PLATFORM.md Media 3b: the venv's Python has no GObject bindings, so this file is two
things: run as a script by ``/usr/bin/python3`` (python3-gi) it serves H.264 over RTSP
on 127.0.0.1; imported by the tests, :func:`rtsp_camera` starts it as a subprocess,
waits until it listens and stops it by PID.

Mounts, each a live ``videotestsrc`` with a known answer for the frame checks:

    /cam      a moving zone plate (sharp, mid-grey on average) → every check passes
    /black    black                                            → black
    /frozen   still 8-pixel checkers                           → frozen (identical frames)
    /blurred  moving checkers shrunk to 1/32 and enlarged back → out of focus

(The SMPTE bars are no good here: ``smpte`` carries a patch of moving noise, so it is
never frozen, and its black and white bars read as clipped exposure; a still zone plate
keeps changing for a while as the encoder refines its fine detail.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
DEBIAN_PACKAGES = (
    "python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base "
    "gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly"
)
MISSING_EXIT = 3
STARTUP_TIMEOUT_S = 10.0

_ENCODE = (
    "x264enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} key-int-max=25 "
    "! rtph264pay name=pay0 pt=96 config-interval=1"
)
_CAPS = "video/x-raw,width={w},height={h},framerate=25/1"
_ZONE = "videotestsrc is-live=true pattern=zone-plate kx2=20 ky2=20 kt=1"
_CHECKERS = "videotestsrc is-live=true pattern=checkers-8"
MOUNTS = {
    "/cam": _ZONE + " ! {caps} ! {enc}",
    "/black": "videotestsrc is-live=true pattern=black ! {caps} ! {enc}",
    "/frozen": _CHECKERS + " ! {caps} ! {enc}",
    "/blurred": (
        _CHECKERS
        + " horizontal-speed=2 ! {caps} ! videoscale ! video/x-raw,width={sw},height={sh} "
        "! videoscale ! video/x-raw,width={w},height={h} ! {enc}"
    ),
}


# -- the server (runs under /usr/bin/python3) ------------------------------------------


def serve(port: int, width: int, height: int) -> None:
    try:
        import gi

        gi.require_version("Gst", "1.0")
        gi.require_version("GstRtspServer", "1.0")
        from gi.repository import GLib, Gst, GstRtspServer
    except (ImportError, ValueError) as exc:
        print(f"missing: {exc}", file=sys.stderr, flush=True)
        sys.exit(MISSING_EXIT)
    Gst.init(None)
    for element in ("videotestsrc", "x264enc", "rtph264pay", "videoscale"):
        if Gst.ElementFactory.find(element) is None:
            print(f"missing: GStreamer element {element}", file=sys.stderr, flush=True)
            sys.exit(MISSING_EXIT)
    srv = GstRtspServer.RTSPServer()
    srv.set_address("127.0.0.1")
    srv.set_service(str(port))
    caps = _CAPS.format(w=width, h=height)
    enc = _ENCODE.format(kbps=max(500, width * height * 2 // 1000))
    mounts = srv.get_mount_points()
    for path, launch in MOUNTS.items():
        factory = GstRtspServer.RTSPMediaFactory()
        pipeline = launch.format(
            caps=caps, enc=enc, w=width, h=height, sw=max(2, width // 32), sh=max(2, height // 32)
        )
        factory.set_launch(f"( {pipeline} )")
        factory.set_shared(True)
        mounts.add_factory(path, factory)
    if srv.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{port}", file=sys.stderr, flush=True)
        sys.exit(2)
    print(f"rtsp://127.0.0.1:{port}", flush=True)
    GLib.MainLoop().run()


# -- the test side (runs in the venv) ---------------------------------------------------


@dataclass
class RtspCamera:
    base_url: str
    process: subprocess.Popen[str]

    def url(self, mount: str = "/cam") -> str:
        return self.base_url + mount

    @property
    def pid(self) -> int:
        return self.process.pid

    def pause(self) -> None:
        """SIGSTOP: the camera hangs with its sockets open (PLATFORM.md 3b)."""
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)


class RtspUnavailable(RuntimeError):
    """The system parts for the RTSP camera are missing; the message names the packages."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def rtsp_camera(width: int = 640, height: int = 360) -> Iterator[RtspCamera]:
    """Start the RTSP camera on a free loopback port; stop it (by PID) afterwards."""
    if not Path(SYSTEM_PYTHON).is_file():
        raise RtspUnavailable(
            f"{SYSTEM_PYTHON} is missing: install the Debian packages {DEBIAN_PACKAGES}"
        )
    port = _free_port()
    # stderr goes to a file: a pipe nobody drains could fill up and block the server.
    errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [SYSTEM_PYTHON, __file__, str(port), str(width), str(height)],
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("rtsp://"):
            proc.wait(5)
            errors.seek(0)
            err = errors.read()
            if proc.returncode == MISSING_EXIT:
                raise RtspUnavailable(
                    f"{err.strip()}: install the Debian packages {DEBIAN_PACKAGES}"
                )
            raise RuntimeError(f"RTSP camera did not start (exit {proc.returncode}): {err.strip()}")
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"RTSP camera not listening on port {port}") from None
                time.sleep(0.02)
        yield RtspCamera(line, proc)
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(
                    proc.pid, signal.SIGCONT
                )  # a stopped process ignores SIGTERM until continued
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
        errors.close()


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
