"""The agent's dial-out link to the hub (docs/LINK.md §2–3).

    link = LinkClient(service, url=…, secret=…, outbox_path=…)
    await link.start()          # the outbox opens; the link connects in the background
    link.emit("follow.switch", {...})    # stored in the outbox at once, sent when linked
    await link.stop()           # closes the WebSocket (the hub marks the room Offline at once)

One session: connect (``Authorization: Bearer <secret>``) → ``hello`` → ``welcome`` →
the outbox from ``welcome.last_event_id`` on, in order, then events as they come →
``heartbeat`` every ``welcome.heartbeat_s`` → ``command``s run through the service
(:class:`~appliance.agent.link.commands.CommandExecutor`) and answered with ``result``.
The hub's cumulative ``ack`` deletes events from the outbox. When the session ends (the
hub went away, a half-open link caught by the WebSocket pings, a refused upgrade), the
client waits a jittered, exponentially growing delay (1 s doubling, capped at 60 s;
reset after a welcome) and dials again. The room never waits for the link: events go
to the outbox, local control goes on.

The outbox is synchronous SQLite; ALL of its calls run on one worker thread, in the
order they were made (a single-thread executor is FIFO), so an event emitted before
another always gets the smaller id and nothing blocks the event loop on an fsync.

Events made here: ``check.progress`` / ``check.result`` (the check engine's listener),
``device`` (a device's state or error changed) and ``health`` (the room's rollup changed),
from a watch of the service every :data:`WATCH_INTERVAL_S`; anything else calls
:meth:`emit` (voice-follow's ``follow.switch``).
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import functools
import logging
import random
import re
import sqlite3
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar
from urllib.parse import urlsplit

from appliance import __version__
from appliance.agent.errors import is_disk_full
from appliance.agent.link.commands import HANDLERS, CommandExecutor
from appliance.agent.link.outbox import Outbox
from appliance.link import (
    MAX_FRAME_BYTES,
    Ack,
    Command,
    DeviceInfo,
    Heartbeat,
    Hello,
    LinkProtocolError,
    ProtocolErrorMessage,
    Welcome,
    decode_hub_message,
    encode,
)
from drivers.supervision import cancel_and_wait

if TYPE_CHECKING:
    import ssl

    from websockets.asyncio.client import ClientConnection

    from appliance.agent.service import AgentService
    from appliance.link import Message

log = logging.getLogger(__name__)
# websockets logs every handshake header at DEBUG — the room secret too — so its logger
# for the link never goes below INFO, even under `appliance -v`.
_WS_LOG = logging.getLogger(__name__ + ".websocket")
_WS_LOG.setLevel(logging.INFO)
T = TypeVar("T")

BACKOFF_FIRST_S: Final = 1.0  # docs/LINK.md §2: 1 s doubling …
BACKOFF_CAP_S: Final = 60.0  # … capped at 60 s
BACKOFF_JITTER: Final = 0.5  # each delay is drawn from [½, 1] × the step: rooms spread out
PING_INTERVAL_S: Final = 20.0  # WebSocket pings keep NAT mappings and catch a dead hub
PING_TIMEOUT_S: Final = 20.0
OPEN_TIMEOUT_S: Final = 10.0  # TCP + TLS + upgrade
WELCOME_TIMEOUT_S: Final = 10.0  # hello → welcome
CLOSE_TIMEOUT_S: Final = 1.0  # our close frame at SIGTERM (inside the agent's 5 s stop budget)
ENROL_POLL_S: Final = 2.0  # not enrolled: how often the secret file is looked for
WATCH_INTERVAL_S: Final = 1.0  # device / health changes become events within this
# In-process events of the service (appliance/agent/events.py) carried to the hub as link
# events (appliance/link/messages.py EventKind).
FORWARDED_EVENTS: Final = frozenset({"follow.switch"})
SEND_BATCH: Final = 200  # outbox rows read per query
# Events kept in memory while the outbox cannot store them (a full disk): past this, the
# oldest goes (a room whose disk stays full for days must not run out of memory).
MAX_UNSAVED: Final = 10_000

# Link states (also the agent's /status "hub_link").
NOT_ENROLLED: Final = "not_enrolled"
CONNECTING: Final = "connecting"
CONNECTED: Final = "connected"
BACKOFF: Final = "backoff"
STOPPED: Final = "stopped"

_HEALTHS: Final = frozenset({"healthy", "warning", "error", "unknown"})
_BAD_ID = re.compile(r"[^A-Za-z0-9_.-]+")


def backoff_delay(
    attempt: int, first_s: float = BACKOFF_FIRST_S, cap_s: float = BACKOFF_CAP_S
) -> float:
    """The wait before reconnect ``attempt`` (0-based): jittered, doubling, capped."""
    step: float = min(cap_s, first_s * float(2 ** min(attempt, 30)))
    return step * random.uniform(1 - BACKOFF_JITTER, 1.0)  # noqa: S311 - jitter, not crypto


def link_device_id(device_id: str) -> str:
    """A device id the protocol accepts (``visca:/dev/ttyUSB0`` → ``visca_dev_ttyUSB0``)."""
    clean = _BAD_ID.sub("_", device_id).strip("_.-")
    return (clean or "device")[:64]


def link_health(health: str) -> Any:
    """The service's rollup in the protocol's words (maintenance/offline → unknown: the
    hub keeps its own maintenance flag and presence)."""
    return health if health in _HEALTHS else "unknown"


class LinkRefusedError(Exception):
    """The hub refused the upgrade (wrong or replaced secret) or the hello."""


class LinkClient:
    """See the module docstring; implements the service's ``HubLink`` protocol."""

    def __init__(
        self,
        service: AgentService,
        *,
        url: str,
        secret: str | None,
        outbox_path: Path,
        ssl_context: ssl.SSLContext | None = None,
        secret_loader: Callable[[], str | None] | None = None,
        enroller: Callable[[], Awaitable[None]] | None = None,
        backoff_first_s: float = BACKOFF_FIRST_S,
        backoff_cap_s: float = BACKOFF_CAP_S,
        ping_interval_s: float = PING_INTERVAL_S,
        watch_interval_s: float = WATCH_INTERVAL_S,
    ) -> None:
        self.service = service
        self.url = url
        self._secret = secret
        self._secret_loader = secret_loader
        self._enroller = enroller  # not enrolled: tries hub.enrolment_token_file (runner.py)
        self._ssl = ssl_context
        self.outbox_path = outbox_path
        self.backoff_first_s = backoff_first_s
        self.backoff_cap_s = backoff_cap_s
        self.ping_interval_s = ping_interval_s
        self.watch_interval_s = watch_interval_s
        self.boot_id = uuid.uuid4().hex
        self.executor = CommandExecutor(service)
        self._state = NOT_ENROLLED if secret is None else CONNECTING
        self._last_error: str | None = None
        self._clock_offset_s: float | None = None
        self.connected_at: float | None = None  # monotonic, of the last welcome
        self.connects = 0  # welcomes received (tests, metrics)
        self._outbox: Outbox | None = None
        # Events the outbox could not store yet (a full disk): only the outbox thread
        # touches them, in emit order.
        self._unsaved: collections.deque[tuple[str, dict[str, Any], float]] = collections.deque()
        self._unsaved_since: float | None = None
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._stopping = False
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe_events: Callable[[], None] | None = None
        self._commands: set[asyncio.Task[None]] = set()
        self._ws: ClientConnection | None = None
        self._send_lock = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._logged: set[str] = set()

    # -- HubLink ------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._state

    @property
    def last_error(self) -> str | None:
        return self._last_error

    @property
    def clock_offset_s(self) -> float | None:
        return self._clock_offset_s

    @property
    def connected_for_s(self) -> float | None:
        if self._state != CONNECTED or self.connected_at is None:
            return None
        return time.monotonic() - self.connected_at

    def emit(self, kind: str, data: dict[str, Any]) -> None:
        """Store an event in the outbox (ordered after every earlier emit) and wake the
        sender. Safe to call from the event loop's thread only.

        An event the outbox cannot store (its disk is full) is kept in memory, in order,
        and stored by a retry every ``watch_interval_s`` once there is space again; until
        then every later event waits behind it (a clear error in the log names the disk).
        """
        if self._pool is None or self._outbox is None:
            log.warning("hub link not started: event %s dropped", kind)
            return
        self._pool.submit(self._store, kind, data, time.time()).add_done_callback(self._written)

    @property
    def unsaved(self) -> int:
        """Events kept in memory because the outbox could not store them (a full disk)."""
        return len(self._unsaved)

    def _store(self, kind: str, data: dict[str, Any], at: float) -> None:
        """On the outbox thread: queue the event behind any unsaved one, store in order."""
        if len(self._unsaved) >= MAX_UNSAVED:
            dropped = self._unsaved.popleft()
            log.error(
                "hub outbox: %d events in memory: the oldest (%s) dropped", MAX_UNSAVED, dropped[0]
            )
        self._unsaved.append((kind, data, at))
        self._store_unsaved()

    def _store_unsaved(self) -> None:
        outbox = self._need_outbox()
        while self._unsaved:
            kind, data, at = self._unsaved[0]
            try:
                outbox.append(kind, data, at=at)
            except (OSError, sqlite3.Error) as exc:
                if self._unsaved_since is None:
                    self._unsaved_since = time.monotonic()
                    log.error(
                        "hub outbox %s: cannot store events (%s): %s; they are kept in "
                        "memory and stored when it can be written (retried every %g s)",
                        self.outbox_path,
                        _describe(exc),
                        "the disk is full" if _disk_full(exc) else "a write error",
                        self.watch_interval_s,
                    )
                return
            self._unsaved.popleft()
        if self._unsaved_since is not None:
            log.info(
                "hub outbox %s: writable again after %.0f s; the events kept in memory are stored",
                self.outbox_path,
                time.monotonic() - self._unsaved_since,
            )
            self._unsaved_since = None

    def _written(self, future: concurrent.futures.Future[Any]) -> None:
        exc = future.exception()
        if exc is not None:
            log.error("hub outbox: an event could not be stored: %s", exc)
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(self._wake.set)

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hub-outbox")
        self._outbox = await self._db(Outbox, self.outbox_path)
        pending = await self._db(self._outbox.pending)
        log.info("hub link to %s: %d event(s) waiting in the outbox", self.url, pending)
        self._attach_checks()
        self._attach_events()
        self._tasks = [
            asyncio.create_task(self._run(), name="hub-link"),
            asyncio.create_task(self._watch(), name="hub-link-watch"),
        ]

    async def stop(self) -> None:
        """Close the link (a close frame: the hub shows the room Offline at once), end
        the commands still running, flush and close the outbox."""
        self._state = STOPPED
        self._stopping = True  # no new connection once our close frame is out
        if self._unsubscribe_events is not None:
            self._unsubscribe_events()
            self._unsubscribe_events = None
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CLOSE_TIMEOUT_S):
                    await ws.close(1001, "agent stopping")
        await cancel_and_wait(*self._tasks, *self._commands, what="hub link")
        self._tasks = []
        pool, self._pool = self._pool, None
        if pool is not None:
            outbox = self._outbox
            if outbox is not None:
                pool.submit(outbox.close)
            await asyncio.to_thread(pool.shutdown, wait=True)
        self._outbox = None

    # -- the connection loop --------------------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        while not self._stopping:
            secret = self._current_secret()
            if secret is None and self._enroller is not None:
                await self._enroller()
                secret = self._current_secret()
            if secret is None:
                self._state = NOT_ENROLLED
                self._last_error = "not enrolled"
                self._note(NOT_ENROLLED, "the room is not enrolled: appliance agent enrol --hub …")
                # `appliance agent enrol` writes the secret: picked up within this, no restart.
                await asyncio.sleep(min(self.backoff_cap_s, ENROL_POLL_S))
                continue
            self._state = CONNECTING
            before = self.connects
            try:
                await self._session(secret)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._last_error = _describe(exc)
                self._note(type(exc).__name__, f"hub link {self.url}: {self._last_error}")
            else:
                self._last_error = "the hub closed the link"
                log.info("hub link %s closed by the hub", self.url)
            finally:
                self._ws = None
            if self.connects > before:
                attempt = 0  # the hub was there: start again from 1 s
            if self._stopping:
                return
            self._state = BACKOFF
            delay = backoff_delay(attempt, self.backoff_first_s, self.backoff_cap_s)
            attempt += 1
            log.debug("hub link: next attempt in %.1f s", delay)
            await asyncio.sleep(delay)

    def _current_secret(self) -> str | None:
        if self._secret_loader is not None:
            self._secret = self._secret_loader()  # a re-enrolment takes effect without restart
        return self._secret

    async def _session(self, secret: str) -> None:
        from websockets.asyncio.client import connect

        host = urlsplit(self.url).hostname or ""
        loopback = host in ("localhost", "::1") or host.startswith("127.")
        async with connect(
            self.url,
            additional_headers={"Authorization": f"Bearer {secret}"},
            ssl=self._ssl if self.url.startswith("wss:") else None,
            proxy=None if loopback else True,
            open_timeout=OPEN_TIMEOUT_S,
            ping_interval=self.ping_interval_s,
            ping_timeout=PING_TIMEOUT_S,
            close_timeout=CLOSE_TIMEOUT_S,
            max_size=MAX_FRAME_BYTES,
            compression=None,  # small JSON frames; deflate costs CPU on a 31-room hub
            user_agent_header=f"appliance-agent/{__version__}",
            logger=_WS_LOG,
        ) as ws:
            self._ws = ws
            sent_hello = time.time()
            await self._send(self._hello())
            welcome = await self._welcome(ws)
            got_welcome = time.time()
            # hub_time was read between our hello and its arrival here: the middle.
            self._clock_offset_s = (sent_hello + got_welcome) / 2 - welcome.hub_time
            await self._acked(welcome.last_event_id)
            self.connects += 1
            self.connected_at = time.monotonic()
            self._state = CONNECTED
            self._last_error = None
            self._logged.clear()
            log.info(
                "hub link %s up (room %s; hub has events up to %d; clock offset %+.2f s)",
                self.url,
                welcome.room_id,
                welcome.last_event_id,
                self._clock_offset_s,
            )
            tasks = [
                asyncio.create_task(self._sender(welcome.last_event_id), name="hub-link-send"),
                asyncio.create_task(self._heartbeats(welcome.heartbeat_s), name="hub-link-beat"),
                asyncio.create_task(self._receiver(ws), name="hub-link-receive"),
            ]
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                await cancel_and_wait(*tasks, what="hub link session")
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]

    async def _welcome(self, ws: ClientConnection) -> Welcome:
        async with asyncio.timeout(WELCOME_TIMEOUT_S):
            while True:
                frame = await ws.recv()
                try:
                    message = decode_hub_message(frame)
                except LinkProtocolError as exc:
                    await self._refuse(exc)
                    continue
                if isinstance(message, Welcome):
                    return message
                if isinstance(message, ProtocolErrorMessage):
                    raise LinkRefusedError(f"the hub refused our hello: {message.message}")
                self._note("early", f"hub link: {message.type} before welcome, ignored")

    # -- the session's tasks ----------------------------------------------------------------

    async def _sender(self, last_event_id: int) -> None:
        """The outbox after ``last_event_id`` in order, then each new event at once."""
        sent = last_event_id
        outbox = self._need_outbox()
        while True:
            self._wake.clear()
            rows = await self._db(outbox.after, sent, SEND_BATCH)
            if not rows:
                await self._wake.wait()
                continue
            for row in rows:
                await self._send(row.message())
                sent = row.id

    async def _heartbeats(self, interval_s: float) -> None:
        seq = 0
        while True:
            await asyncio.sleep(interval_s)
            seq += 1
            await self._send(
                Heartbeat(
                    seq=seq,
                    sent_at=time.time(),
                    health=link_health(self.service.health()),
                    devices=self._device_infos(),
                )
            )

    async def _receiver(self, ws: ClientConnection) -> None:
        async for frame in ws:
            try:
                message = decode_hub_message(frame)
            except LinkProtocolError as exc:
                await self._refuse(exc)
                continue
            if isinstance(message, Ack):
                await self._acked(message.id)
            elif isinstance(message, Command):
                task = asyncio.create_task(self._command(message), name=f"hub-command:{message.op}")
                self._commands.add(task)
                task.add_done_callback(self._commands.discard)
            elif isinstance(message, ProtocolErrorMessage):
                self._note(
                    f"hub-error:{message.code}",
                    f"the hub refused a message: {message.code} {message.message}",
                )

    async def _command(self, command: Command) -> None:
        result = await self.executor.run(command)
        if result.error is not None:
            log.info("hub command %s → %s: %s", command.op, result.error.kind, result.error.message)
        try:
            await self._send(result)
        except Exception as exc:  # the link dropped meanwhile: the hub times the command out
            log.info("hub command %s: result not delivered (%s)", command.op, _describe(exc))

    async def _acked(self, event_id: int) -> None:
        if event_id > 0:
            await self._db(self._need_outbox().ack, event_id)

    async def _refuse(self, exc: LinkProtocolError) -> None:
        self._note(
            f"protocol:{exc.code}",
            f"hub link: refused a frame from the hub: {exc.code} {exc.message}",
        )
        await self._send(exc.to_message())

    async def _send(self, message: Message) -> None:
        ws = self._ws
        if ws is None:
            raise ConnectionError("hub link is not open")
        async with self._send_lock:
            await ws.send(encode(message))

    # -- what the hub hears about -----------------------------------------------------------

    def _hello(self) -> Hello:
        room = self.service.config.room
        presets = {
            cam_id: [name or str(number) for number, name in cam.presets()][:256]
            for cam_id, cam in self.service.cameras.items()
        }
        return Hello(
            room_id=room.id,
            room_name=room.name,
            agent_version=__version__,
            boot_id=self.boot_id,
            health=link_health(self.service.health()),
            devices=self._device_infos(),
            capabilities=sorted(HANDLERS),
            presets=presets,
        )

    def _device_infos(self) -> list[DeviceInfo]:
        out = []
        for d in self.service.devices()[:256]:
            details: dict[str, str | int | float | bool | None] = dict(d.details)
            link_id = link_device_id(d.id)
            if link_id != d.id:
                details["device_id"] = d.id
            out.append(
                DeviceInfo(
                    id=link_id,
                    kind=d.kind[:32],
                    state=d.state.value[:32],
                    last_error=d.last_error[:4096] if d.last_error else None,
                    details=details,
                )
            )
        return out

    def _attach_checks(self) -> None:
        from appliance.agent.checks import CheckEngine

        engine = self.service.checks
        if isinstance(engine, CheckEngine):
            engine.add_listener(self._check_event)

    def _check_event(self, kind: str, data: dict[str, Any]) -> None:
        self.emit(kind, data)

    def _attach_events(self) -> None:
        """The service's in-process events the hub must hear (docs/INTERFACES.md "Events"):
        a voice-follow switch reaches the hub like a check result, through the outbox."""
        bus = getattr(self.service, "events", None)
        if bus is None:
            return

        def forward(event: dict[str, Any]) -> None:
            if event.get("kind") in FORWARDED_EVENTS:
                data = {k: v for k, v in event.items() if k not in ("kind", "at")}
                self.emit(str(event["kind"]), data)

        self._unsubscribe_events = bus.subscribe(forward)

    async def _watch(self) -> None:
        """Device and health changes → events (the hello/heartbeat carry the full state)."""
        seen = {d.id: (d.state, d.last_error) for d in self._device_infos()}
        health = link_health(self.service.health())
        while True:
            await asyncio.sleep(self.watch_interval_s)
            if self._unsaved and self._pool is not None:  # a full disk: try again
                self._pool.submit(self._store_unsaved).add_done_callback(self._written)
            try:
                infos = self._device_infos()
                now_health = link_health(self.service.health())
            except Exception:  # a device's status must not end the watch
                log.exception("hub link: reading the room's state")
                continue
            for info in infos:
                key = (info.state, info.last_error)
                if seen.get(info.id) != key:
                    seen[info.id] = key
                    self.emit("device", info.model_dump(mode="json"))
            if now_health != health:
                health = now_health
                self.emit("health", {"health": health})

    # -- helpers ------------------------------------------------------------------------

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            raise RuntimeError("hub link outbox is closed")
        return await asyncio.wrap_future(self._pool.submit(functools.partial(fn, *args)))

    def _need_outbox(self) -> Outbox:
        if self._outbox is None:
            raise RuntimeError("hub link outbox is closed")
        return self._outbox

    def _note(self, kind: str, message: str) -> None:
        """Log a problem once per kind until the link is up again (no log flood while
        the hub is down for hours)."""
        if kind not in self._logged:
            self._logged.add(kind)
            log.warning("%s", message)


def _disk_full(exc: BaseException) -> bool:
    """ENOSPC from a write, or SQLite's own SQLITE_FULL ("database or disk is full")."""
    return is_disk_full(exc) or getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


def _describe(exc: BaseException) -> str:
    from websockets.exceptions import InvalidStatus

    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        if status in (401, 403):
            return f"the hub refused the room's secret (HTTP {status}): enrol again"
        return f"the hub answered HTTP {status} to the link upgrade"
    return str(exc) or type(exc).__name__
