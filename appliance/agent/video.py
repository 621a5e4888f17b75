"""Camera pictures handled in a child process, so OpenCV and numpy never enter the agent.

    VideoChild      one camera's reader child: started on the first use, kept while
                    uses come, ended when idle (VideoHandle's idle close)
    SignalSample    what the check's signal item measured (plain types, no frames)
    PictureCheck    one frame check of it (black, frozen, focus, exposure)
    PresetVerdict   a live picture compared with a preset's reference

OpenCV, numpy and the FFmpeg libraries they bring cost ~40 MB of the agent's RSS once
loaded (PLATFORM.md Media 5: cv2 alone is +32 MB; measured with issue 7 item 11: a
snapshot under API load took the agent from 71 to 115 MB, and one readiness check from
69 to ~180 MB, for good). DESIGN.md §7 wants ≤ 80 MB at all times, so — as the audio
work does (``appliance.agent.audio``) — the picture is read in a child, ``python -m
appliance.agent.video JSON``, that owns the ``VideoSource`` (and its reader thread) and
does every piece of frame work the agent needs as one operation: a snapshot, the check's
sample and analysis, a preset verification against its reference, storing a reference.
Unlike a level reading these want the stream already open (first frame 0.2–1.3 s,
PLATFORM.md Media 3b), so the child lives on between operations and the agent ends it
when the source is closed when idle.

The wire, stdin → stdout: the agent writes one JSON line, ``{"op": OP, …}`` (OP:
``snapshot``, ``sample``, ``verify``, ``reference``); the child answers one JSON line,
``{"size": N, "result": R, "state": S, "reopened": K}`` followed by N bytes (a
snapshot's JPEG; N = 0 otherwise), or ``{"error": {"kind", "message", …}, "open_failed":
B, "state": S, "reopened": K}`` (``open_failed``: the source could not be opened, rather
than read). An error in the child is raised here as the same kind of error
(``DeviceUnavailableError``, ``DeviceTimeoutError``, ``ConfigError``, ``ValueError``,
``OSError``), with the OSError underneath (a full disk) as its cause. The child opens a
source whose stream ended or stalled again (as ``VideoHandle.source()`` does) and counts
it in ``reopened``. It ends when its stdin closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from appliance.agent.child_wire import REPORTED, error_json, raise_reported, run_child
from drivers.errors import DeviceUnavailableError
from drivers.video.reference_files import ReferenceInfo

if TYPE_CHECKING:
    from drivers.video._cv import Frame
    from drivers.video.analysis import CheckResult
    from drivers.video.capture import VideoSource

log = logging.getLogger(__name__)

# The first answer waits for the child's start (Python + OpenCV import, ~0.3 s), the
# source's open and its first frame (OPEN_TIMEOUT_S + FIRST_FRAME_TIMEOUT_S of
# drivers/video/capture.py, 5 s each); a later one for an encode (~11 ms at 1080p) or a
# reopen. An operation that reads frames gets FRAME_WAIT_S more per frame. Beyond this
# the child is taken as hung and killed.
SNAPSHOT_CHILD_TIMEOUT_S: Final = 15.0
FRAME_WAIT_S: Final = 2.0  # the driver's STALL_TIMEOUT_S: its default wait for a frame
STOP_TIMEOUT_S: Final = 2.0  # the child stops its source when stdin closes; then killed
EVIDENCE_JPEG_QUALITY: Final = 85
PICTURE_CHECKS: Final = ("black", "frozen", "focus", "exposure")  # FrameReport's checks
_CHILD_MODULE: Final = "appliance.agent.video"


@dataclass(frozen=True)
class PictureCheck:
    """One frame check (``drivers.video.analysis.CheckResult`` without the frames)."""

    verdict: str  # pass / warn / fail / skip
    code: str  # e.g. video.focus.blurred
    value: float
    values: dict[str, float]
    thresholds: dict[str, float]


@dataclass(frozen=True)
class SignalSample:
    """Consecutive frames read and analysed once (the check's ``video.<cam>.signal``)."""

    width: int
    height: int
    frames: int
    fps: float
    checks: dict[str, PictureCheck]  # black, frozen, focus, exposure (of the last frame)


@dataclass(frozen=True)
class PresetVerdict:
    """A live picture against a preset's reference (``drivers.video.presets.PresetMatch``)."""

    score: float
    threshold: float
    passed: bool
    offset: tuple[float, float]


class VideoChild:
    """One camera's reader child (see the module docstring); one operation at a time."""

    def __init__(
        self,
        device_id: str,
        url: str,
        *,
        stall_timeout_s: float | None = None,
        timeout_s: float = SNAPSHOT_CHILD_TIMEOUT_S,
    ) -> None:
        self.device_id = device_id
        self.url = url
        self.stall_timeout_s = stall_timeout_s  # None: the driver's STALL_TIMEOUT_S
        self.timeout_s = timeout_s
        self.source_state: str | None = None  # the child's source, as its last answer said
        self.reopened = 0  # sources the child replaced (its count, summed over children)
        self.open_failed = False  # the last error came from opening the source
        self._reopened_before = 0  # counted by children that have exited
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._proc is not None

    async def snapshot_jpeg(self) -> bytes:
        """JPEG of the newest frame (the child opens the source on the first call)."""
        _result, data = await self._request({"op": "snapshot"}, "snapshot")
        return data

    async def sample(
        self,
        frames: int,
        *,
        wait_s: float,
        frozen_pairs_fail: int,
        evidence: Path,
    ) -> SignalSample:
        """``frames`` consecutive fresh frames (each within ``wait_s``), analysed once;
        the last one is written to ``evidence`` as a JPEG."""
        request = {
            "op": "sample",
            "frames": frames,
            "wait_s": wait_s,
            "frozen_pairs_fail": frozen_pairs_fail,
            "evidence": str(evidence),
        }
        result, _ = await self._request(request, "read frame", frames * wait_s)
        checks = {
            name: PictureCheck(
                str(c["verdict"]),
                str(c["code"]),
                float(c["value"]),
                {str(k): float(v) for k, v in c["values"].items()},
                {str(k): float(v) for k, v in c["thresholds"].items()},
            )
            for name, c in result["checks"].items()
        }
        return SignalSample(
            int(result["width"]),
            int(result["height"]),
            int(result["frames"]),
            float(result["fps"]),
            checks,
        )

    async def verify_preset(
        self,
        root: Path,
        camera_id: str,
        preset: int,
        *,
        frames: int,
        threshold: float | None,
        evidence: Path,
    ) -> PresetVerdict:
        """Compare the ``frames``-th fresh frame with the stored reference of ``camera_id``'s
        ``preset`` under ``root`` (``ConfigError`` when it is missing or damaged); that
        frame goes to ``evidence``."""
        request = {
            "op": "verify",
            "root": str(root),
            "camera": camera_id,
            "preset": preset,
            "frames": frames,
            "threshold": threshold,
            "evidence": str(evidence),
        }
        result, _ = await self._request(request, "verify preset", frames * FRAME_WAIT_S)
        dx, dy = result["offset"]
        return PresetVerdict(
            float(result["score"]),
            float(result["threshold"]),
            bool(result["passed"]),
            (float(dx), float(dy)),
        )

    async def store_reference(
        self,
        root: Path,
        camera_id: str,
        preset: int,
        *,
        frames: int,
        position: dict[str, float] | None,
    ) -> ReferenceInfo:
        """Store the ``frames``-th fresh frame as the reference of ``camera_id``'s
        ``preset`` under ``root``."""
        request = {
            "op": "reference",
            "root": str(root),
            "camera": camera_id,
            "preset": preset,
            "frames": frames,
            "position": position,
        }
        result, _ = await self._request(request, "preset reference", frames * FRAME_WAIT_S)
        stored = result.get("position")
        return ReferenceInfo(
            str(result["camera_id"]),
            int(result["preset"]),
            Path(result["image_path"]),
            str(result["created_at"]),
            int(result["width"]),
            int(result["height"]),
            {str(k): float(v) for k, v in stored.items()} if stored else None,
        )

    async def stop(self) -> None:
        """End the child (its source is released); the next use starts a new one."""
        async with self._lock:
            await self._end()

    async def _request(
        self, request: dict[str, object], operation: str, extra_s: float = 0.0
    ) -> tuple[dict[str, Any], bytes]:
        async with self._lock:
            proc = self._proc or await self._spawn()
            limit_s = self.timeout_s + extra_s
            try:
                async with asyncio.timeout(limit_s):  # not wait_for: gh-86296
                    header, data = await _exchange(proc, request)
            except TimeoutError:
                await self._end()
                raise DeviceUnavailableError(
                    self.device_id,
                    f"the video reader gave no answer within {limit_s:.0f} s",
                    operation=operation,
                ) from None
            except (OSError, EOFError, ValueError) as exc:  # it died, or garbage
                await self._end()
                raise DeviceUnavailableError(
                    self.device_id,
                    f"the video reader failed (exit {proc.returncode}): {exc or type(exc).__name__}",
                    operation=operation,
                ) from None
            except BaseException:  # a cancel mid-answer: the pipe is out of step
                await asyncio.shield(self._end())
                raise
            self.source_state = header.get("state")
            self.reopened = self._reopened_before + int(header.get("reopened", 0))
            self.open_failed = bool(header.get("open_failed"))
            raise_reported(header, self.device_id)
            result = header.get("result")
            return (result if isinstance(result, dict) else {}), data

    async def _spawn(self) -> asyncio.subprocess.Process:
        config: dict[str, object] = {"url": self.url, "device_id": self.device_id}
        if self.stall_timeout_s is not None:
            config["stall_timeout_s"] = self.stall_timeout_s
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            _CHILD_MODULE,
            json.dumps(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            # stderr: the agent's own (the journal), as OpenCV's warnings were before
        )
        return self._proc

    async def _end(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        self._reopened_before = self.reopened
        self.source_state = None
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await proc.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()  # our own child, by its handle
            await proc.wait()


async def _exchange(
    proc: asyncio.subprocess.Process, request: dict[str, object]
) -> tuple[dict[str, Any], bytes]:
    stdin, stdout = proc.stdin, proc.stdout
    if stdin is None or stdout is None:  # cannot happen with PIPE; keeps mypy honest
        raise OSError("video reader without pipes")
    stdin.write(json.dumps(request).encode() + b"\n")
    await stdin.drain()
    line = await stdout.readline()
    if not line:
        raise EOFError("it exited")
    header = json.loads(line)
    if not isinstance(header, dict):
        raise ValueError("it answered garbage")
    size = header.get("size")
    data = await stdout.readexactly(int(size)) if isinstance(size, int) and size > 0 else b""
    return header, data


# -- in the child -------------------------------------------------------------------------


class _Reader:
    """In the child: the camera's source, opened again when its stream ended or stalled."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.url = str(config["url"])
        self.device_id = str(config["device_id"])
        self.options: dict[str, Any] = {"device_id": self.device_id}
        if config.get("stall_timeout_s") is not None:
            self.options["stall_timeout_s"] = float(config["stall_timeout_s"])
        self.source: VideoSource | None = None
        self.reopened = 0
        self.opening = False

    async def live(self) -> VideoSource:
        from drivers.video.capture import SourceState, VideoSource

        source = self.source
        if source is not None and source.state not in (SourceState.OPENING, SourceState.STREAMING):
            log.info("%s: %s (%s); opening it again", self.device_id, source.state, source.reason)
            self.source = None
            self.reopened += 1
            await source.stop()
        if self.source is None:
            self.opening = True
            fresh = VideoSource(self.url, **self.options)
            await fresh.start()
            self.source = fresh
        self.opening = False
        return self.source

    async def stop(self) -> None:
        if self.source is not None:
            await self.source.stop()

    async def run(self, request: dict[str, Any]) -> tuple[dict[str, object], bytes]:
        """One operation: its result and the bytes that follow the answer."""
        op = request.get("op")
        source = await self.live()
        if op == "snapshot":
            return {}, await source.snapshot_jpeg()
        if op == "sample":
            return await self._sample(source, request), b""
        if op == "verify":
            return await self._verify(source, request), b""
        if op == "reference":
            return await self._reference(source, request), b""
        raise ValueError(f"unknown video operation {op!r}")

    async def _sample(self, source: VideoSource, request: dict[str, Any]) -> dict[str, object]:
        from drivers.video.analysis import FrameAnalyzer, FrameReport, Thresholds

        wait_s = float(request["wait_s"])
        first = await source.next_frame(wait_s)
        frames = [first]
        while len(frames) < int(request["frames"]):
            frames.append(await source.next_frame(wait_s, after=frames[-1].seq))
        analyzer = FrameAnalyzer(Thresholds(frozen_pairs_fail=int(request["frozen_pairs_fail"])))

        def analyze() -> FrameReport:
            report = None
            for f in frames:
                report = analyzer.analyze(f.image)
            assert report is not None  # noqa: S101 - at least one frame was read
            return report

        report = await asyncio.to_thread(analyze)
        await _write_evidence(Path(request["evidence"]), frames[-1].image)
        span = frames[-1].at - frames[0].at
        return {
            "width": report.width,
            "height": report.height,
            "frames": len(frames),
            "fps": (len(frames) - 1) / span if span > 0 else 0.0,
            "checks": {c: _check_json(getattr(report, c)) for c in PICTURE_CHECKS},
        }

    async def _verify(self, source: VideoSource, request: dict[str, Any]) -> dict[str, object]:
        from drivers.video.presets import PresetStore

        frame = await _fresh_frame(source, int(request["frames"]))
        store = PresetStore(Path(request["root"]))
        threshold = request.get("threshold")
        match = await store.verify(
            str(request["camera"]),
            int(request["preset"]),
            frame,
            threshold=None if threshold is None else float(threshold),
        )
        await _write_evidence(Path(request["evidence"]), frame)
        return {
            "score": match.score,
            "threshold": match.threshold,
            "passed": match.passed,
            "offset": list(match.offset),
        }

    async def _reference(self, source: VideoSource, request: dict[str, Any]) -> dict[str, object]:
        from drivers.video.presets import PresetStore

        frame = await _fresh_frame(source, int(request["frames"]))
        position = request.get("position")
        ref = await PresetStore(Path(request["root"])).save(
            str(request["camera"]), int(request["preset"]), frame, position=position or None
        )
        info = ReferenceInfo(
            ref.camera_id,
            ref.preset,
            ref.image_path,
            ref.created_at,
            ref.width,
            ref.height,
            ref.position,
        )
        return {**asdict(info), "image_path": str(info.image_path)}


def _check_json(result: CheckResult) -> dict[str, object]:
    return {
        "verdict": result.verdict.value,
        "code": result.code,
        "value": float(result.value),
        "values": {k: float(v) for k, v in result.values.items()},
        "thresholds": {k: float(v) for k, v in result.thresholds.items()},
    }


async def _fresh_frame(source: VideoSource, frames: int) -> Frame:
    """The ``frames``-th frame that arrives from now on (older ones may be buffered)."""
    frame = await source.next_frame()
    for _ in range(max(0, frames - 1)):
        frame = await source.next_frame(after=frame.seq)
    return frame.image


async def _write_evidence(path: Path, image: Frame) -> None:
    """Evidence picture (BGR frame → JPEG file); an OSError (a full disk) names the file."""
    from drivers.video import _cv

    data = await asyncio.to_thread(_cv.encode_jpeg, image, EVIDENCE_JPEG_QUALITY)
    await asyncio.to_thread(path.write_bytes, data)


async def _serve(config: dict[str, Any]) -> None:
    """In the child: answer each request line on stdin until it closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout.buffer
    video = _Reader(config)
    try:
        while line := await reader.readline():
            header: dict[str, object]
            data = b""
            try:
                result, data = await video.run(json.loads(line))
                header = {"size": len(data), "result": result}
            except REPORTED as exc:
                header = {"error": error_json(exc), "open_failed": video.opening}
            video.opening = False
            source = video.source
            header["state"] = source.state.value if source is not None else None
            header["reopened"] = video.reopened
            out.write(json.dumps(header).encode() + b"\n" + data)
            out.flush()
    finally:
        await video.stop()


def main(argv: Sequence[str]) -> int:
    """``python -m appliance.agent.video '{"url": …, "device_id": …}'``."""
    return run_child(_serve, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
