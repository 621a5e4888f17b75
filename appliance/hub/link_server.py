"""The hub's end of the agent link: ``/api/v1/link`` (WebSocket, docs/LINK.md §2–§4).

    links = LinkServer(store, presence, bus, settings)
    await links.serve(websocket)                              the endpoint, one per room
    result = await links.command("r1", "camera.preset.recall", {"camera": "cam1", "preset": "2"})

Per link: the upgrade is authenticated by ``Authorization: Bearer <room secret>``
(``store.room_for_secret``; refused before any WebSocket exists), then ``hello`` →
``welcome(last_event_id)``. Heartbeats go to the in-memory :class:`Presence` table (no
DB write); events are queued to a per-link saver that stores each batch in ONE
transaction (``store.save_events``) and only then acks the highest stored id. Commands
carry a request id; the reader matches results to the waiting futures.

Failure rules: a bad frame (not JSON, invalid, unknown type, over ``MAX_FRAME_BYTES``)
is answered with ``error`` and logged once per kind, and the link stays up. No frame for
``offline_after_s``: the link is closed (4408) and the room is Offline (half-open links:
agent frozen, cable pulled). A closed link is Offline at once. One link per room: a new
one replaces the old (4409), whose pending commands fail as ``unavailable``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Iterable
from typing import Any, Final

from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from appliance.hub.errors import CommandError
from appliance.hub.events import EventBus, HubEvent
from appliance.hub.forwarding import Forwarder, NoForwarder
from appliance.hub.metrics import HubMetrics
from appliance.hub.presence import Presence
from appliance.hub.settings import HubSettings
from appliance.hub.store import Store
from appliance.link import ops
from appliance.link.messages import (
    Ack,
    Command,
    ErrorInfo,
    Event,
    Heartbeat,
    Hello,
    HubMessage,
    LinkProtocolError,
    ProtocolErrorMessage,
    Result,
    Welcome,
    decode_agent_message,
    encode,
)
from drivers.supervision import cancel_and_wait

log = logging.getLogger(__name__)

# WebSocket close codes (4000–4999 are the application's, RFC 6455 §7.4.2).
CLOSE_BAD_HELLO: Final = 4400
CLOSE_WRONG_ROOM: Final = 4403  # docs/LINK.md §2: hello names another room than the secret's
CLOSE_SILENT: Final = 4408
CLOSE_REPLACED: Final = 4409
CLOSE_STORE_FAILED: Final = 1011  # the agent reconnects and resends from welcome's id
# Events waiting to be stored per link; a full queue makes the reader wait (back-pressure
# to the agent's outbox instead of unbounded memory).
EVENT_QUEUE: Final = 1000
EVENT_BATCH_MAX: Final = 500


class RoomLink:
    """One room's open link: the socket, the commands waiting for results."""

    def __init__(self, room_id: str, district: str | None, websocket: WebSocket) -> None:
        self.room_id = room_id
        self.district = district
        self.websocket = websocket
        self.pending: dict[str, asyncio.Future[Result]] = {}
        self.last_acked = 0
        self.events: asyncio.Queue[Event] = asyncio.Queue(EVENT_QUEUE)
        self.closed = False
        self.close_reason: str | None = None
        self.last_frame = time.monotonic()
        self.logged_kinds: set[str] = set()
        self.session_id: int | None = None  # its link_sessions row (reports: time online)
        # Set once the welcome is sent: the agent reads nothing before its welcome
        # (docs/LINK.md §2), so a command must not overtake it (the API may see the room
        # online while the link still writes its session row).
        self.welcomed = asyncio.Event()
        self._send_lock = asyncio.Lock()

    async def send(self, message: HubMessage) -> None:
        async with self._send_lock:
            await self.websocket.send_text(encode(message))

    def fail_pending(self, info: ErrorInfo) -> None:
        for fut in self.pending.values():
            if not fut.done():
                fut.set_result(
                    Result(request_id="-", outcome="error", error=info)  # matched by the future
                )

    async def close(self, code: int, reason: str) -> None:
        """Send a close frame; uvicorn then ends the reader's receive() at once (and drops
        the connection after its close timeout if the peer never answers)."""
        if self.closed:
            return
        self.closed = True
        self.close_reason = reason
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            if self.websocket.application_state == WebSocketState.CONNECTED:
                await self.websocket.close(code=code, reason=reason)


class LinkServer:
    """All links of this hub process; ``command`` reaches a room through its link."""

    def __init__(
        self, store: Store, presence: Presence, bus: EventBus, settings: HubSettings
    ) -> None:
        self._store = store
        self._presence = presence
        self._bus = bus
        self._settings = settings
        self._links: dict[str, RoomLink] = {}
        self._watchdog: list[asyncio.Task[None]] = []
        self.protocol_errors = 0
        # Other hub replicas (appliance/hub/cluster); the app sets it. Alone: nobody.
        self.cluster: Forwarder = NoForwarder()
        self.metrics = HubMetrics()
        self.metrics.watch(presence, self)

    def is_linked(self, room_id: str) -> bool:
        return room_id in self._links

    @property
    def link_count(self) -> int:
        return len(self._links)

    # -- commands --------------------------------------------------------------------------

    async def command(
        self,
        room_id: str,
        op: str,
        args: dict[str, Any] | None = None,
        *,
        timeout_s: float = 30.0,
        forward: bool = True,
    ) -> Result:
        """Run ``op`` in the room; the ``ok`` result, or :class:`CommandError`. A room linked
        to another hub replica gets it through the cluster (unless ``forward`` is False:
        a command that came from another replica is not passed on again)."""
        args = args or {}
        model = ops.OPERATIONS.get(op)
        if model is None:
            raise CommandError.of(room_id, op, "invalid", f"unknown operation {op!r}")
        try:
            model.model_validate(args)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise CommandError.of(room_id, op, "invalid", f"{where}: {first.get('msg')}") from None
        link = self._links.get(room_id)
        if link is None or link.closed:
            holder = self._presence.holder(room_id) if forward else None
            if holder is not None:
                return await self._forward(holder, room_id, op, args, timeout_s)
            raise CommandError.of(room_id, op, "offline", f"room {room_id} has no link to the hub")
        request_id = uuid.uuid4().hex
        fut: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        link.pending[request_id] = fut  # registered before sending: a fast result is not lost
        started = time.monotonic()
        try:
            async with asyncio.timeout(timeout_s + self._settings.command_grace_s):
                await link.welcomed.wait()
                await link.send(
                    Command(request_id=request_id, op=op, args=args, timeout_s=timeout_s)
                )
                result = await fut
        except TimeoutError:
            self.metrics.command(op, "timeout", None)
            raise CommandError.of(
                room_id, op, "timeout", f"no result within {timeout_s:.1f} s"
            ) from None
        except (RuntimeError, OSError, WebSocketDisconnect):
            self.metrics.command(op, "offline", None)
            raise CommandError.of(room_id, op, "offline", "the link closed") from None
        finally:
            link.pending.pop(request_id, None)
        if result.outcome == "error":
            info = result.error or ErrorInfo(kind="internal", message="error without details")
            self.metrics.command(op, info.kind, time.monotonic() - started)
            raise CommandError(room_id, op, info)
        self.metrics.command(op, "ok", time.monotonic() - started)
        return result

    async def _forward(
        self, holder: str, room_id: str, op: str, args: dict[str, Any], timeout_s: float
    ) -> Result:
        started = time.monotonic()
        try:
            result = await self.cluster.forward(holder, room_id, op, args, timeout_s=timeout_s)
        except CommandError as exc:
            self.metrics.command(op, exc.kind, time.monotonic() - started)
            raise
        self.metrics.command(op, "ok", time.monotonic() - started)
        return result

    async def drop_local(self, room_id: str) -> None:
        """The room linked to another hub replica: close our stale link to it, leaving its
        presence to the replica that holds it now."""
        link = self._links.pop(room_id, None)
        if link is None:
            return
        link.fail_pending(ErrorInfo(kind="unavailable", message="linked to another hub replica"))
        await link.close(CLOSE_REPLACED, "linked to another hub replica")

    # -- the endpoint ----------------------------------------------------------------------

    async def authenticate(self, websocket: WebSocket) -> str | None:
        """The room of the upgrade's Bearer secret, or None (the caller refuses)."""
        header = websocket.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        return await self._store.room_for_secret(secret.strip())

    async def serve(self, websocket: WebSocket, room_id: str) -> None:
        """Run one authenticated link until it closes (the WebSocket is not accepted yet)."""
        await websocket.accept()
        hello = await self._wait_hello(websocket, room_id)
        if hello is None:
            return
        room = await self._store.get_room(room_id)
        district = room.district if room is not None else None
        link = RoomLink(room_id, district, websocket)
        old = self._links.get(room_id)
        self._links[room_id] = link
        if old is not None:
            log.info("room %s: a new link replaces the old one", room_id)
            old.fail_pending(ErrorInfo(kind="unavailable", message="the link was replaced"))
            await old.close(CLOSE_REPLACED, "replaced by a new link")
        saver = asyncio.create_task(self._save_events(link), name=f"link-events-{room_id}")
        reason = "closed"
        try:
            link.last_acked = await self._store.last_event_id(room_id)
            self._presence.online(room_id, district, hello)
            self.metrics.linked(room_id)
            link.session_id = await self._link_session(room_id)
            await link.send(
                Welcome(
                    room_id=room_id,
                    hub_time=time.time(),
                    last_event_id=link.last_acked,
                    heartbeat_s=self._settings.heartbeat_s,
                )
            )
            link.welcomed.set()
            log.info("room %s linked (agent %s)", room_id, hello.agent_version)
            reason = await self._read(link, saver)
        except (WebSocketDisconnect, RuntimeError, OSError) as exc:
            reason = f"link error: {type(exc).__name__}"
        finally:
            await cancel_and_wait(saver, what=f"room {room_id} event saver")
            if link.session_id is not None:
                try:
                    await self._store.close_link_session(link.session_id)
                except Exception as exc:  # closed at the next start; the hub goes on
                    log.warning("room %s: link session left open (%s)", room_id, exc)
            if self._links.get(room_id) is link:
                del self._links[room_id]
                link.fail_pending(ErrorInfo(kind="offline", message=f"link lost: {reason}"))
                self._presence.offline(room_id, reason)
                log.info("room %s offline: %s", room_id, reason)
            await link.close(1000, reason)
            link.welcomed.set()  # a command waiting for the welcome now fails as offline

    async def _link_session(self, room_id: str) -> int | None:
        """The room's link_sessions row; a store failure costs the report, never the link."""
        try:
            return await self._store.open_link_session(room_id, self.cluster.replica_id)
        except Exception:
            log.exception("room %s: the link session could not be stored", room_id)
            return None

    async def close_all(self) -> None:
        await cancel_and_wait(*self._watchdog, what="link watchdog")
        for link in list(self._links.values()):
            await link.close(1001, "hub stopping")

    def start(self) -> None:
        """Start the watchdog that closes silent (half-open) links."""
        self._watchdog = [asyncio.create_task(self._watch(), name="link-watchdog")]

    async def _watch(self) -> None:
        """Every ``offline_scan_s``: a link without a frame for ``offline_after_s`` is
        closed (4408) and its room marked Offline by its reader (≤ 40 + 2 s, §7: ≤ 45 s)."""
        limit, period = self._settings.offline_after_s, self._settings.offline_scan_s
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + period
            await asyncio.sleep(period)
            if loop.time() - due > period:
                # This loop itself was stalled (a long GC, a starved CPU): frames may be
                # waiting unread in the sockets, so a stale last_frame is the hub's fault,
                # not the room's. Look again next round.
                log.warning(
                    "link watchdog woke %.1f s late; not judging silence now", loop.time() - due
                )
                continue
            now = time.monotonic()
            for link in [ln for ln in self._links.values() if now - ln.last_frame > limit]:
                log.warning("room %s: no frame for %.0f s, closing the link", link.room_id, limit)
                await link.close(CLOSE_SILENT, f"no frame for {limit:.0f} s")

    async def _wait_hello(self, websocket: WebSocket, room_id: str) -> Hello | None:
        try:
            async with asyncio.timeout(self._settings.hello_timeout_s):
                while True:
                    frame = await _receive_frame(websocket)
                    if frame is None:
                        return None
                    try:
                        msg = decode_agent_message(frame)
                    except LinkProtocolError as exc:
                        await websocket.send_text(encode(exc.to_message()))
                        continue
                    if not isinstance(msg, Hello):
                        await websocket.send_text(
                            encode(
                                ProtocolErrorMessage(
                                    code="invalid", message="hello first", ref=msg.type
                                )
                            )
                        )
                        continue
                    if msg.room_id != room_id:
                        log.warning(
                            "link refused: hello names room %s, the secret is room %s's",
                            msg.room_id,
                            room_id,
                        )
                        await websocket.send_text(
                            encode(
                                ProtocolErrorMessage(
                                    code="invalid",
                                    message="hello.room_id is not the room of this secret",
                                    ref="hello",
                                )
                            )
                        )
                        await websocket.close(CLOSE_WRONG_ROOM, "wrong room")
                        return None
                    return msg
        except TimeoutError:
            # The agent may be gone already (uvicorn's ClientDisconnected is an OSError).
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await websocket.close(CLOSE_BAD_HELLO, "no hello")
            return None
        except (WebSocketDisconnect, RuntimeError, OSError):
            return None

    async def _read(self, link: RoomLink, saver: asyncio.Task[None]) -> str:
        """Frames until the link closes; returns why it ended."""
        while True:
            # No timeout here (a timer per frame cost ~30 µs of the ~100 µs a heartbeat
            # takes): the watchdog closes silent links, which ends this receive().
            frame = await _receive_frame(link.websocket)
            if frame is None or link.closed:
                return link.close_reason or "closed by the agent"
            if saver.done():
                return "event store failed"
            link.last_frame = time.monotonic()
            self._presence.seen(link.room_id)
            try:
                msg = decode_agent_message(frame)
            except LinkProtocolError as exc:
                await self._protocol_error(link, exc)
                continue
            if isinstance(msg, Heartbeat):
                self._presence.heartbeat(link.room_id, msg)
            elif isinstance(msg, Event):
                await link.events.put(msg)
            elif isinstance(msg, Result):
                fut = link.pending.get(msg.request_id)
                if fut is not None and not fut.done():
                    fut.set_result(msg)
                else:
                    log.debug("room %s: late result %s dropped", link.room_id, msg.request_id)
            elif isinstance(msg, Hello):
                await self._protocol_error(
                    link, LinkProtocolError("invalid", "hello already received", "hello")
                )
            elif isinstance(msg, ProtocolErrorMessage):
                self._log_once(link, f"peer:{msg.code}", "agent refused %s: %s", msg.ref, msg)
                fut = link.pending.get(msg.ref or "")
                if fut is not None and not fut.done():
                    info = ErrorInfo(kind="invalid", message=msg.message)
                    fut.set_result(Result(request_id=msg.ref or "-", outcome="error", error=info))

    async def _protocol_error(self, link: RoomLink, exc: LinkProtocolError) -> None:
        self.protocol_errors += 1
        self._log_once(
            link, exc.code, "room %s: protocol error %s: %s", link.room_id, exc.code, exc
        )
        await link.send(exc.to_message())

    @staticmethod
    def _log_once(link: RoomLink, kind: str, fmt: str, *args: object) -> None:
        if kind in link.logged_kinds:
            log.debug(fmt, *args)
        else:
            link.logged_kinds.add(kind)
            log.warning(fmt, *args)

    async def _save_events(self, link: RoomLink) -> None:
        """Store queued events in batches (one transaction each), then ack the highest."""
        while True:
            batch = [await link.events.get()]
            while len(batch) < EVENT_BATCH_MAX and not link.events.empty():
                batch.append(link.events.get_nowait())
            new = [ev for ev in batch if ev.id > link.last_acked]
            if new:
                try:
                    stored = await self._store.save_events(link.room_id, new)
                except Exception:
                    log.exception("room %s: storing %d events failed", link.room_id, len(new))
                    # Not acked: the agent resends them after it reconnects. Emptying the
                    # queue frees a reader waiting in put(); it then sees this task done.
                    while not link.events.empty():
                        link.events.get_nowait()
                    await link.close(CLOSE_STORE_FAILED, "event store failed")
                    return
                link.last_acked = max(link.last_acked, stored)
                self._publish_events(link, new)
            await link.send(Ack(id=link.last_acked))

    def _publish_events(self, link: RoomLink, events: Iterable[Event]) -> None:
        for ev in events:
            if ev.kind == "device":
                self._presence.device_event(link.room_id, ev.data)
            elif ev.kind == "health" and isinstance(ev.data.get("health"), str):
                self._presence.set_health(link.room_id, ev.data["health"])
            elif ev.kind == "check.result":
                self.metrics.check_result(ev.data)  # stored: counted once (acked ids skip)
            data = {"event_id": ev.id, "at": ev.at, **ev.data}
            self._bus.publish(
                HubEvent(ev.kind, room_id=link.room_id, district=link.district, data=data)
            )


async def _receive_frame(websocket: WebSocket) -> str | bytes | None:
    """The next text/binary frame, or None when the peer closed."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        return None
    text = message.get("text")
    if text is not None:
        return str(text)
    data = message.get("bytes")
    return bytes(data) if data is not None else b""
