"""Video source strings and small file helpers of the video driver.

A source is a V4L2 device node (``/dev/videoN``), a file (a path or ``file://``), or a
network URL OpenCV's FFmpeg backend reads (RTSP, HTTP MJPEG, UDP …). RTSP is opened with
``rtsp_transport;tcp|analyzeduration;0|probesize;32768``: first frame in 0.2 s instead of
1.3 s, and real time instead of a one-second backlog (PLATFORM.md Media 3b).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from drivers.errors import ConfigError

RTSP_OPTIONS: Final = "rtsp_transport;tcp|analyzeduration;0|probesize;32768"
NETWORK_SCHEMES: Final = frozenset({"rtsp", "rtsps", "http", "https", "udp", "rtp", "tcp", "srt"})


@dataclass(frozen=True)
class Target:
    """A parsed source: its kind, what to hand OpenCV, and FFmpeg options if any."""

    kind: str  # "v4l2" | "file" | "network"
    location: str
    ffmpeg_options: str | None


def parse_source(source: str) -> tuple[str, str]:
    """``(kind, location)`` for a source string; ``ConfigError`` when unusable."""
    target = parse_target(source)
    return target.kind, target.location


def parse_target(source: str) -> Target:
    """What to open and how; ``ConfigError`` (key ``video source``) when unusable."""
    if not isinstance(source, str) or not source.strip():
        raise ConfigError(
            "a video source must be a device path, a file or a URL", key="video source"
        )
    source = source.strip()
    if source.startswith("/dev/"):
        return Target("v4l2", source, None)
    scheme = urlsplit(source).scheme.lower()
    if scheme == "file":
        return Target("file", urlsplit(source).path, None)
    if scheme in NETWORK_SCHEMES:
        options = RTSP_OPTIONS if scheme in ("rtsp", "rtsps") else None
        return Target("network", source, options)
    if scheme and len(scheme) > 1:
        raise ConfigError(
            f"unsupported video URL scheme {scheme!r} (use {', '.join(sorted(NETWORK_SCHEMES))})",
            key="video source",
        )
    return Target("file", source, None)


def write_atomic(dest: Path, data: bytes) -> None:
    """Write via a temporary file and a rename; ``ConfigError`` naming the path on failure."""
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(dest)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise ConfigError(f"cannot write: {exc.strerror or exc}", path=str(dest)) from None
