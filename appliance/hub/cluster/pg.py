"""Hub replicas on one PostgreSQL: LISTEN/NOTIFY between them, an advisory lock for the
leader. No broker of our own: the database the replicas share already is one.

Each replica keeps three connections of its own (psycopg, autocommit):

- **listen** — ``LISTEN appliance_hub``; its ``application_name`` is
  ``appliance-hub:<replica id>``, which is how the others see it is alive
  (``pg_stat_activity``: a replica that dies loses its connections, PostgreSQL ends them);
- **send** — ``pg_notify`` of our messages, one after the other (NOTIFYs of one session
  arrive in order, so the chunks of one message do too);
- **lock** — ``pg_try_advisory_lock``: the replica that holds it is the leader (alerts and
  their deliveries run there only); the lock goes with its connection when it dies.

Messages (JSON, ASCII-escaped so that characters are bytes): an envelope ``{"r": sender,
"to": receiver or "", "m": message id, "i": part, "n": parts, "d": text}``; a message is
cut into parts of at most ``CHUNK`` characters (NOTIFY's payload limit is 8000 bytes).
Types: ``ev`` (an event of a room linked here, for the others' buses and presence
mirrors), ``hello``/``snap`` (a starting replica asks who is linked where), ``cmd``/``res``
(a command for a room linked to another replica, and its result).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import uuid
from typing import TYPE_CHECKING, Any, Final

import psycopg
from sqlalchemy.engine import make_url

from appliance.hub.errors import CommandError
from appliance.hub.events import HubEvent
from appliance.link.messages import ErrorInfo, Result
from drivers.errors import ConfigError
from drivers.supervision import cancel_and_wait

if TYPE_CHECKING:  # the app hands them over at start (no import circle with link_server)
    from appliance.hub.cluster import Hook
    from appliance.hub.events import EventBus
    from appliance.hub.link_server import LinkServer
    from appliance.hub.presence import Presence
    from appliance.hub.store import Store

log = logging.getLogger(__name__)

CHANNEL: Final = "appliance_hub"
APP_PREFIX: Final = "appliance-hub:"
CHUNK: Final = 7000
# pg_advisory_lock key of the leader: any constant the province's database does not use
# for something else ("APPLHUB" in ASCII).
LEADER_LOCK: Final = 0x4150504C485542
LIVENESS_S: Final = 2.0
LEADER_RETRY_S: Final = 2.0
SEND_QUEUE: Final = 50_000
# Kinds not bridged: each replica computes its own "meeting" events from the schedule.
NOT_BRIDGED: Final = frozenset({"meeting"})
PRESENCE_KINDS: Final = frozenset({"presence", "health", "device"})
# A forwarded command waits this much longer than the room's own deadline (two hops).
FORWARD_GRACE_S: Final = 5.0


def conninfo(url: str) -> str:
    """The psycopg connection string of the hub's SQLAlchemy URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError("hub replicas (--replica-id) need a PostgreSQL database (--db)")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


class PgCluster:
    def __init__(self, url: str, replica_id: str, *, grace_s: float = 2.0) -> None:
        if not replica_id or len(replica_id) > 40 or not replica_id.replace("-", "").isalnum():
            raise ConfigError("--replica-id: letters, digits and -, at most 40")
        self.replica_id: str | None = replica_id
        self._me = replica_id
        self._conninfo = conninfo(url)
        self._grace_s = grace_s
        self._queue: asyncio.Queue[tuple[str, str, dict[str, Any]]] = asyncio.Queue(SEND_QUEUE)
        self._parts: dict[tuple[str, str], list[str | None]] = {}
        self._pending: dict[str, tuple[str, asyncio.Future[dict[str, Any]]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._jobs: set[asyncio.Task[None]] = set()
        self._listen: psycopg.AsyncConnection[Any] | None = None
        self._send: psycopg.AsyncConnection[Any] | None = None
        self._lock: psycopg.AsyncConnection[Any] | None = None
        self._leader = False
        self._lead: Hook | None = None
        self._unlead: Hook | None = None
        self._ids = itertools.count(1)
        self.live: set[str] = set()
        self.dropped_events = 0

    @property
    def is_leader(self) -> bool:
        return self._leader

    async def start(
        self,
        bus: EventBus,
        presence: Presence,
        links: LinkServer,
        store: Store,
        *,
        lead: Hook,
        unlead: Hook,
    ) -> None:
        self._bus, self._presence, self._links, self._store = bus, presence, links, store
        self._lead, self._unlead = lead, unlead
        self._listen = await self._connect(f"{APP_PREFIX}{self._me}")
        await self._listen.execute(f"LISTEN {CHANNEL}")
        self._send = await self._connect(f"appliance-hub-send:{self._me}")
        bus.tap(self._on_local_event)
        self._tasks = [
            asyncio.create_task(self._receive(), name="cluster-receive"),
            asyncio.create_task(self._sender(), name="cluster-send"),
            asyncio.create_task(self._watch_replicas(), name="cluster-liveness"),
            asyncio.create_task(self._lead_when_possible(), name="cluster-leader"),
        ]
        self._post("hello", "", {})  # the others answer with the rooms they hold
        log.info("hub replica %s joined the cluster", self._me)

    async def close(self) -> None:
        await cancel_and_wait(*self._tasks, *self._jobs, what="cluster")
        if self._leader and self._unlead is not None:
            self._leader = False
            await self._unlead()
        for _, fut in self._pending.values():
            if not fut.done():
                fut.cancel()
        for conn in (self._listen, self._send, self._lock):
            if conn is not None:
                with contextlib.suppress(psycopg.Error, OSError):
                    await conn.close()

    async def _connect(self, name: str) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(
            self._conninfo, autocommit=True, application_name=name
        )

    # -- sending ---------------------------------------------------------------------------

    def _on_local_event(self, ev: HubEvent) -> None:
        if ev.origin is not None or ev.kind in NOT_BRIDGED:
            return
        body = {
            "kind": ev.kind,
            "room": ev.room_id,
            "district": ev.district,
            "data": ev.data,
            "at": ev.at,
        }
        try:
            self._queue.put_nowait(("ev", "", body))
        except asyncio.QueueFull:
            self.dropped_events += 1  # screens on other replicas reload on their own drop

    def _post(self, kind: str, to: str, body: dict[str, Any]) -> None:
        """Queue a message that must not be dropped (commands, results, snapshots)."""
        job = asyncio.create_task(self._queue.put((kind, to, body)), name=f"cluster-post-{kind}")
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)

    async def _sender(self) -> None:
        assert self._send is not None  # noqa: S101 - started before this task
        while True:
            kind, to, body = await self._queue.get()
            text = json.dumps({"t": kind, "b": body}, ensure_ascii=True, separators=(",", ":"))
            mid = f"{next(self._ids)}"
            parts = [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]
            try:
                for i, part in enumerate(parts):
                    envelope = json.dumps(
                        {"r": self._me, "to": to, "m": mid, "i": i, "n": len(parts), "d": part},
                        ensure_ascii=True,
                        separators=(",", ":"),
                    )
                    await self._send.execute("SELECT pg_notify(%s, %s)", (CHANNEL, envelope))
            except (psycopg.Error, OSError) as exc:
                log.warning("cluster: a %s message was not sent (%s); reconnecting", kind, exc)
                await self._reconnect_send()

    async def _reconnect_send(self) -> None:
        while True:
            try:
                self._send = await self._connect(f"appliance-hub-send:{self._me}")
                return
            except (psycopg.Error, OSError) as exc:
                log.warning("cluster: the database is not reachable (%s)", exc)
                await asyncio.sleep(LIVENESS_S)

    # -- receiving -------------------------------------------------------------------------

    async def _receive(self) -> None:
        assert self._listen is not None  # noqa: S101 - started before this task
        async for note in self._listen.notifies():
            try:
                self._on_note(note.payload)
            except Exception:
                log.exception("cluster: a message could not be handled")

    def _on_note(self, payload: str) -> None:
        env = json.loads(payload)
        sender, to = str(env["r"]), str(env.get("to", ""))
        if sender == self._me or (to and to != self._me):
            return
        key = (sender, str(env["m"]))
        n, i = int(env["n"]), int(env["i"])
        if n == 1:
            text = str(env["d"])
        else:
            parts = self._parts.setdefault(key, [None] * n)
            parts[i] = str(env["d"])
            if any(p is None for p in parts):
                return
            del self._parts[key]
            text = "".join(p for p in parts if p is not None)
        message = json.loads(text)
        self._dispatch(sender, str(message["t"]), message["b"])

    def _dispatch(self, sender: str, kind: str, body: dict[str, Any]) -> None:
        self.live.add(sender)
        if kind == "ev":
            self._remote_event(sender, body)
        elif kind == "hello":
            self._post("snap", sender, {"rooms": self._presence.snapshot()})
        elif kind == "snap":
            for row in body.get("rooms", []):
                room = str(row.get("room_id"))
                self._presence.mirror(sender, "presence", room, row.get("district"), row)
        elif kind == "cmd":
            job = asyncio.create_task(self._run_command(sender, body), name="cluster-command")
            self._jobs.add(job)
            job.add_done_callback(self._jobs.discard)
        elif kind == "res":
            entry = self._pending.pop(str(body.get("req")), None)
            if entry is not None and not entry[1].done():
                entry[1].set_result(body)

    def _remote_event(self, sender: str, body: dict[str, Any]) -> None:
        kind, room = str(body["kind"]), body.get("room")
        district, data = body.get("district"), dict(body.get("data") or {})
        if room is not None and kind in PRESENCE_KINDS:
            displaced = self._presence.mirror(sender, kind, str(room), district, data)
            if displaced:
                # The agent linked to another replica: our link to it is stale.
                job = asyncio.create_task(self._links.drop_local(str(room)), name="cluster-drop")
                self._jobs.add(job)
                job.add_done_callback(self._jobs.discard)
        self._bus.publish(
            HubEvent(
                kind,
                room_id=str(room) if room is not None else None,
                district=district,
                data=data,
                at=float(body.get("at") or 0.0),
                origin=sender,
            )
        )

    # -- commands for rooms on other replicas ---------------------------------------------

    async def forward(
        self, replica: str, room_id: str, op: str, args: dict[str, Any], *, timeout_s: float
    ) -> Result:
        req = uuid.uuid4().hex
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[req] = (replica, fut)
        self._post(
            "cmd",
            replica,
            {"req": req, "room": room_id, "op": op, "args": args, "timeout_s": timeout_s},
        )
        try:
            async with asyncio.timeout(timeout_s + self._grace_s + FORWARD_GRACE_S):
                answer = await fut
        except TimeoutError:
            raise CommandError.of(
                room_id, op, "timeout", f"no result from hub replica {replica} in {timeout_s:.0f} s"
            ) from None
        finally:
            self._pending.pop(req, None)
        if answer.get("ok"):
            return Result.model_validate(answer["result"])
        raise CommandError(room_id, op, ErrorInfo.model_validate(answer["error"]))

    async def _run_command(self, sender: str, body: dict[str, Any]) -> None:
        req, room, op = str(body["req"]), str(body["room"]), str(body["op"])
        try:
            result = await self._links.command(
                room,
                op,
                dict(body.get("args") or {}),
                timeout_s=float(body.get("timeout_s") or 30.0),
                forward=False,  # held here or nowhere: never passed on again
            )
            answer: dict[str, Any] = {
                "req": req,
                "ok": True,
                "result": result.model_dump(mode="json"),
            }
        except CommandError as exc:
            answer = {"req": req, "ok": False, "error": exc.info.model_dump(mode="json")}
        self._post("res", sender, answer)

    # -- liveness and the leader ----------------------------------------------------------

    async def _watch_replicas(self) -> None:
        while True:
            await asyncio.sleep(LIVENESS_S)
            try:
                live = await self._live_replicas()
            except (psycopg.Error, OSError) as exc:
                log.warning("cluster: replicas not listed (%s)", exc)
                continue
            known = {r.replica for r in self._presence.rooms() if r.replica is not None}
            known |= {replica for replica, _ in self._pending.values()}
            for gone in sorted(known - live):
                await self._replica_gone(gone)
            self.live = live - {self._me}

    async def _live_replicas(self) -> set[str]:
        assert self._send is not None  # noqa: S101 - started before this task
        cur = await self._send.execute(
            "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE %s",
            (APP_PREFIX + "%",),
        )
        return {str(row[0])[len(APP_PREFIX) :] for row in await cur.fetchall()}

    async def _replica_gone(self, replica: str) -> None:
        rooms = self._presence.drop_replica(replica)
        for req, (target, fut) in list(self._pending.items()):
            if target == replica and not fut.done():
                fut.set_result(
                    {
                        "req": req,
                        "ok": False,
                        "error": {"kind": "offline", "message": f"hub replica {replica} is gone"},
                    }
                )
        log.warning(
            "hub replica %s is gone; its %d rooms are offline until they relink",
            replica,
            len(rooms),
        )
        if self._leader:
            try:
                closed = await self._store.close_dangling_link_sessions(replica)
                log.info("closed %d link sessions of replica %s", closed, replica)
            except Exception:
                log.exception("link sessions of replica %s not closed", replica)

    async def _lead_when_possible(self) -> None:
        while True:
            try:
                if self._lock is None or self._lock.closed:
                    self._lock = await self._connect(f"appliance-hub-lock:{self._me}")
                if not self._leader:
                    cur = await self._lock.execute(
                        "SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)
                    )
                    row = await cur.fetchone()
                    if row is not None and row[0]:
                        self._leader = True
                        log.info("hub replica %s leads (alerts, deliveries)", self._me)
                        if self._lead is not None:
                            await self._lead()
                else:
                    await self._lock.execute("SELECT 1")  # still connected: still holding it
            except (psycopg.Error, OSError) as exc:
                if self._leader:
                    log.warning("hub replica %s lost the leader lock (%s)", self._me, exc)
                    self._leader = False
                    if self._unlead is not None:
                        await self._unlead()
                with contextlib.suppress(psycopg.Error, OSError):
                    if self._lock is not None:
                        await self._lock.close()
                self._lock = None
            await asyncio.sleep(LEADER_RETRY_S)
