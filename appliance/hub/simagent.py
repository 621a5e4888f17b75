"""A lightweight simulated room agent: a real WebSocket client speaking the link protocol.

    agent = SimAgent(room_id="r1", secret=s, link_url="ws://127.0.0.1:8480/api/v1/link")
    await agent.start()                    # dials, says hello, heartbeats, answers commands
    await agent.emit("device", {...})      # an event through the in-memory outbox
    await agent.stop()                     # closes the link (the hub marks it Offline at once)

Not the room agent (that is ``appliance/agent/``, on simulated hardware): this one keeps
its "devices" in a few dicts so that hundreds or thousands of them fit in one process
(tests/hub/, bench/hub.py). It still behaves like an agent on the wire: outbox with
per-room ids resent after ``welcome.last_event_id`` and dropped on ``ack``, reconnect
with backoff, commands answered with the :mod:`appliance.link.ops` result shapes,
check runs sending ``check.progress`` events and a ``check.result`` event. Faults for
tests: ``freeze()`` (socket open, nothing sent or read: a half-open link), ``fail_op``,
``op_delay_s``, ``send_raw``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import random
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from appliance.link import ops
from appliance.link.messages import (
    MAX_FRAME_BYTES,
    Ack,
    Command,
    DeviceInfo,
    ErrorInfo,
    ErrorKind,
    Event,
    EventKind,
    Health,
    Heartbeat,
    Hello,
    LinkProtocolError,
    ProtocolErrorMessage,
    Result,
    Welcome,
    decode_hub_message,
    encode,
)
from drivers.supervision import cancel_and_wait

log = logging.getLogger(__name__)

RECONNECT_MIN_S: Final = 0.05
RECONNECT_MAX_S: Final = 2.0
CHECK_ITEM_S: Final = 0.02  # one simulated check item
# A tiny valid JPEG (1×1 grey) as the evidence picture of every simulated check item.
EVIDENCE_JPEG: Final = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8M"
    "CgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k="
)


@dataclass
class SimCamera:
    on: bool = True
    pan_deg: float = 0.0
    tilt_deg: float = 0.0
    zoom: int = 0
    focus: int = 0
    focus_auto: bool = True
    presets: dict[int, tuple[str | None, float, float]] = field(default_factory=dict)
    last_preset: str | None = None


class SimAgent:
    """One simulated room on one link (reconnecting until :meth:`stop`)."""

    def __init__(
        self,
        room_id: str,
        secret: str,
        link_url: str,
        *,
        cameras: tuple[str, ...] = ("cam1",),
        displays: tuple[str, ...] = ("main",),
        heartbeat_s: float | None = None,
        check_items: int = 4,
        check_item_s: float = CHECK_ITEM_S,
        ping_interval_s: float | None = 20.0,
        reconnect: bool = True,
        on_message: Callable[[str], None] | None = None,
        tls: ssl.SSLContext | None = None,
        open_timeout_s: float = 10.0,
    ) -> None:
        self.room_id = room_id
        self.secret = secret
        self.link_url = link_url
        self.boot_id = uuid.uuid4().hex
        self.heartbeat_s = heartbeat_s  # None: what the hub's welcome says
        self.check_items = check_items
        self.check_item_s = check_item_s
        self.ping_interval_s = ping_interval_s
        self.reconnect = reconnect
        self.on_message = on_message
        self.tls = tls  # wss:// with a private CA (the agent's hub.ca_file)
        self.open_timeout_s = open_timeout_s
        self.health: Health = "healthy"
        self.cameras = {cam: SimCamera(presets={1: ("home", 0.0, 0.0)}) for cam in cameras}
        self.displays: dict[str, dict[str, Any]] = {
            d: {"power": "on", "showing": None} for d in displays
        }
        # Outbox: id → event, kept until acked (in memory: this agent outlives hub restarts,
        # which is what the hub's delivery tests need).
        self.outbox: dict[int, Event] = {}
        self.next_event_id = 1
        self.acked = 0
        self.welcomes: list[Welcome] = []
        self.protocol_errors: list[ProtocolErrorMessage] = []
        self.commands: list[Command] = []
        self.checks: dict[str, dict[str, Any]] = {}
        self.fail_ops: dict[str, ErrorKind] = {}
        # Check items (by index) that fail, as a planted fault: the result is "fail" and
        # the room's health "error", like an agent whose microphone is silent.
        self.failing_items: set[int] = set()
        # Devices whose state an emitted "device" event changed (heartbeats report them).
        self.device_states: dict[str, DeviceInfo] = {}
        self.op_delay_s: dict[str, float] = {}
        self.frozen = False
        self.connected = asyncio.Event()
        self.close_codes: list[int | None] = []
        self.refused_status: int | None = None
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Task[None]] = set()
        self._seq = 0
        self._stopping = False

    # -- life --------------------------------------------------------------------------

    async def start(self, *, wait: bool = True, timeout_s: float = 10.0) -> None:
        self._task = asyncio.create_task(self._run(), name=f"simagent-{self.room_id}")
        if wait:
            async with asyncio.timeout(timeout_s):
                await self.connected.wait()

    async def stop(self) -> None:
        """Close the link cleanly (code 1000) and stop reconnecting."""
        self._stopping = True
        if self._ws is not None:
            with contextlib.suppress(ConnectionClosed, OSError):
                await self._ws.close()
        tasks = [t for t in (self._task, *self._jobs) if t is not None]
        await cancel_and_wait(*tasks, what=f"sim agent {self.room_id}")

    def freeze(self) -> None:
        """Stop sending and reading, keep the socket open: the hub sees a silent link."""
        self.frozen = True

    async def drop(self) -> None:
        """Close the socket without a close handshake (like a killed process); reconnects."""
        if self._ws is not None:
            self._ws.transport.abort()

    # -- wire --------------------------------------------------------------------------

    async def send_raw(self, text: str | bytes) -> None:
        assert self._ws is not None, "not connected"  # noqa: S101 - a test helper's misuse
        await self._ws.send(text)

    async def emit(self, kind: EventKind, data: dict[str, Any]) -> int:
        """Put an event in the outbox (next id) and send it if the link is up."""
        ev = Event(id=self.next_event_id, at=time.time(), kind=kind, data=data)
        self.next_event_id += 1
        if kind == "device":
            # The heartbeats that follow say the same, as a real agent's would (a partial
            # row, as some tests send on purpose, changes nothing there).
            with contextlib.suppress(ValueError):
                dev = DeviceInfo.model_validate(data)
                self.device_states[dev.id] = dev
        self.outbox[ev.id] = ev
        await self._send(ev)
        return ev.id

    async def heartbeat(self) -> float:
        """Send one heartbeat now; returns its ``sent_at``."""
        self._seq += 1
        hb = Heartbeat(
            seq=self._seq, sent_at=time.time(), health=self.health, devices=self.devices()
        )
        await self._send(hb)
        return hb.sent_at

    def devices(self) -> list[DeviceInfo]:
        cams = [DeviceInfo(id=c, kind="camera", state="ready") for c in self.cameras]
        disp = [DeviceInfo(id=d, kind="display", state="ready") for d in self.displays]
        return [self.device_states.get(d.id, d) for d in cams + disp]

    async def _send(self, message: Heartbeat | Event | Result) -> None:
        ws = self._ws
        if ws is None or self.frozen or not self.connected.is_set():
            return  # events wait in the outbox for the next welcome
        with contextlib.suppress(ConnectionClosed, OSError):
            await ws.send(encode(message))

    async def _run(self) -> None:
        delay = RECONNECT_MIN_S
        headers = {"Authorization": f"Bearer {self.secret}"}
        while not self._stopping:
            try:
                async with connect(
                    self.link_url,
                    additional_headers=headers,
                    max_size=2 * MAX_FRAME_BYTES,
                    ping_interval=self.ping_interval_s,
                    open_timeout=self.open_timeout_s,
                    ssl=self.tls,
                ) as ws:
                    self._ws = ws
                    delay = RECONNECT_MIN_S
                    await self._session(ws)
            except InvalidStatus as exc:
                self.refused_status = exc.response.status_code
                log.info("sim agent %s refused: HTTP %s", self.room_id, self.refused_status)
            except (OSError, ConnectionClosed, TimeoutError) as exc:
                log.debug("sim agent %s link down: %s", self.room_id, exc)
            finally:
                self._ws = None
                self.connected.clear()
            if not self.reconnect or self._stopping:
                return
            await asyncio.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not crypto
            delay = min(delay * 2, RECONNECT_MAX_S)

    async def _session(self, ws: ClientConnection) -> None:
        hello = Hello(
            room_id=self.room_id,
            agent_version="sim-1",
            boot_id=self.boot_id,
            health=self.health,
            devices=self.devices(),
            capabilities=sorted(ops.OPERATIONS),
            presets={
                c: [n or str(k) for k, (n, _, _) in cam.presets.items()]
                for c, cam in self.cameras.items()
            },
        )
        await ws.send(encode(hello))
        beat: asyncio.Task[None] | None = None
        try:
            async for frame in ws:
                if self.frozen:
                    continue
                if self.on_message is not None:
                    self.on_message(frame if isinstance(frame, str) else frame.decode())
                try:
                    msg = decode_hub_message(frame)
                except LinkProtocolError as exc:
                    await ws.send(encode(exc.to_message()))
                    continue
                if isinstance(msg, Welcome):
                    self.welcomes.append(msg)
                    self._drop_acked(msg.last_event_id)
                    await self._resend(ws)
                    self.connected.set()  # from here on emit() sends at once
                    if beat is None:
                        beat = asyncio.create_task(self._beat(msg.heartbeat_s), name="sim-beat")
                elif isinstance(msg, Ack):
                    self._drop_acked(msg.id)
                elif isinstance(msg, Command):
                    self.commands.append(msg)
                    self._spawn(self._answer(msg))
                elif isinstance(msg, ProtocolErrorMessage):
                    self.protocol_errors.append(msg)
        finally:
            self.close_codes.append(ws.close_code)
            if beat is not None:
                await cancel_and_wait(beat, what="sim heartbeat")

    async def _resend(self, ws: ClientConnection) -> None:
        """The outbox in id order; events emitted meanwhile are picked up too (an event
        sent before an older resent one would make the hub skip the older one)."""
        sent = 0
        while pending := sorted(i for i in self.outbox if i > sent):
            for eid in pending:
                ev = self.outbox.get(eid)
                if ev is not None:
                    await ws.send(encode(ev))
                sent = eid

    def _drop_acked(self, upto: int) -> None:
        self.acked = max(self.acked, upto)
        for eid in [i for i in self.outbox if i <= upto]:
            del self.outbox[eid]

    async def _beat(self, hub_heartbeat_s: float) -> None:
        interval = self.heartbeat_s or hub_heartbeat_s
        # The first beat at a random point of the interval: rooms that linked together
        # (a hub restart, a bench) do not all beat in the same instant.
        await asyncio.sleep(interval * random.random())  # noqa: S311 - spread, not crypto
        while True:
            await self.heartbeat()
            await asyncio.sleep(interval)

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coro)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    # -- commands ------------------------------------------------------------------------

    async def _answer(self, cmd: Command) -> None:
        started = time.monotonic()
        try:
            model = ops.OPERATIONS.get(cmd.op)
            if model is None:
                raise _OpError("invalid", f"unknown operation {cmd.op}")
            try:
                args = model.model_validate_json(json.dumps(cmd.args))
            except ValueError as exc:
                raise _OpError("invalid", str(exc)[:200]) from None
            if cmd.op in self.fail_ops:
                raise _OpError(self.fail_ops[cmd.op], f"simulated failure of {cmd.op}")
            delay = self.op_delay_s.get(cmd.op, 0.0)
            if delay > cmd.timeout_s:
                await asyncio.sleep(cmd.timeout_s)
                raise _OpError("timeout", f"{cmd.op} took longer than {cmd.timeout_s} s")
            if delay:
                await asyncio.sleep(delay)
            data = await self._do(cmd.op, args.model_dump())
            result = Result(
                request_id=cmd.request_id,
                outcome="ok",
                data=data,
                duration_s=time.monotonic() - started,
            )
        except _OpError as exc:
            result = Result(
                request_id=cmd.request_id,
                outcome="error",
                error=ErrorInfo(kind=exc.kind, message=exc.message),
                duration_s=time.monotonic() - started,
            )
        await self._send(result)

    async def _do(self, op: str, a: dict[str, Any]) -> Any:
        if op == "status":
            return {"room_id": self.room_id, "health": self.health, "version": "sim-1"}
        if op == "devices":
            return [d.model_dump() for d in self.devices()]
        if op.startswith("camera."):
            return self._camera(op, self._cam(a["camera"]), a)
        if op == "audio.level":
            return {
                "device": a["device"],
                "rms_dbfs": -30.0,
                "peak_dbfs": -12.0,
                "clipping_ratio": 0.0,
            }
        if op.startswith("display."):
            return self._display(op, a)
        if op == "check.start":
            run_id = uuid.uuid4().hex[:12]
            self.checks[run_id] = {"run_id": run_id, "status": "running", "results": []}
            self._spawn(self._check_run(run_id))
            return {"run_id": run_id}
        if op == "check.get":
            if a["run_id"] not in self.checks:
                raise _OpError("not_found", f"no check run {a['run_id']}")
            return self.checks[a["run_id"]]
        if op == "check.evidence":
            if a["run_id"] not in self.checks:
                raise _OpError("not_found", f"no check run {a['run_id']}")
            return {
                "content_type": "image/jpeg",
                "data_base64": base64.b64encode(EVIDENCE_JPEG).decode(),
            }
        if op in ("room.on", "room.off"):
            on = op == "room.on"
            for cam in self.cameras.values():
                cam.on = on
            for disp in self.displays.values():
                disp["power"] = "on" if on else "standby"
                disp["showing"] = "slate" if on else None
            return {
                "cameras": dict.fromkeys(self.cameras, "ok"),
                "displays": dict.fromkeys(self.displays, "ok"),
            }
        raise _OpError("invalid", f"unknown operation {op}")

    def _cam(self, camera: str) -> SimCamera:
        cam = self.cameras.get(camera)
        if cam is None:
            raise _OpError("not_found", f"no camera {camera}")
        return cam

    def _camera(self, op: str, cam: SimCamera, a: dict[str, Any]) -> Any:
        if op == "camera.power":
            cam.on = a["on"]
            return {"on": cam.on}
        if not cam.on and op not in ("camera.presets",):
            raise _OpError("rejected", "camera is off")
        if op in ("camera.drive", "camera.stop"):
            return None
        if op == "camera.position":
            cam.pan_deg, cam.tilt_deg = a["pan_deg"], a["tilt_deg"]
            return {"pan": 0, "tilt": 0, "pan_deg": cam.pan_deg, "tilt_deg": cam.tilt_deg}
        if op == "camera.zoom":
            cam.zoom = a["position"] if a.get("position") is not None else cam.zoom
            return {"position": cam.zoom}
        if op == "camera.focus":
            cam.focus = a["position"] if a.get("position") is not None else cam.focus
            cam.focus_auto = a["auto"] if a.get("auto") is not None else cam.focus_auto
            return {"position": cam.focus, "auto": cam.focus_auto}
        if op == "camera.presets":
            return [{"number": n, "name": name} for n, (name, _, _) in sorted(cam.presets.items())]
        if op == "camera.preset.store":
            cam.presets[a["number"]] = (a.get("name"), cam.pan_deg, cam.tilt_deg)
            return {"number": a["number"], "name": a.get("name")}
        if op == "camera.preset.recall":
            for number, (name, pan, tilt) in cam.presets.items():
                if a["preset"] in (name, str(number)):
                    cam.pan_deg, cam.tilt_deg, cam.last_preset = pan, tilt, a["preset"]
                    return {"number": number, "name": name, "duration_s": 0.0}
            raise _OpError("not_found", f"no preset {a['preset']}")
        if op == "camera.snapshot":
            return {"jpeg_base64": base64.b64encode(EVIDENCE_JPEG).decode()}
        raise _OpError("invalid", f"unknown operation {op}")

    def _display(self, op: str, a: dict[str, Any]) -> Any:
        disp = self.displays.get(a["display"])
        if disp is None:
            raise _OpError("not_found", f"no display {a['display']}")
        if op == "display.power":
            disp["power"] = "on" if a["on"] else "standby"
            return {"on": a["on"]}
        if op == "display.show":
            disp["showing"] = a["what"]
            return {"id": a["display"], "state": "ready", "showing": a["what"]}
        disp["showing"] = None
        return None

    async def _check_run(self, run_id: str) -> None:
        run = self.checks[run_id]
        total = self.check_items
        results = []
        for i in range(total):
            await asyncio.sleep(self.check_item_s)
            item = f"camera.cam{i}.snapshot"
            results.append(
                {
                    "id": item,
                    "item": item,
                    "status": "fail" if i in self.failing_items else "pass",
                    # The agent's own path of the file; the hub asks for it by file name.
                    "evidence": {"snapshot": f"/var/lib/appliance/evidence/{run_id}/{item}.jpg"},
                    "duration_s": self.check_item_s,
                }
            )
            await self.emit(
                "check.progress", {"run_id": run_id, "done": i + 1, "total": total, "item": item}
            )
        failed = any(r["status"] == "fail" for r in results)
        run.update(
            status="finished",
            results=results,
            overall="fail" if failed else "pass",
            health="error" if failed else "healthy",
        )
        await self.emit("check.result", dict(run))


class _OpError(Exception):
    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
