"""The hub's settings: one frozen object, built by the CLI, passed to ``create_app``.

    HubSettings(state_dir=Path("/var/lib/appliance-hub"), listen="0.0.0.0:8480")

Nothing here reads the environment or a global: tests build their own settings with
small intervals (``offline_after_s=1.5``) instead of patching constants.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from appliance.link.messages import HEARTBEAT_INTERVAL_S, MAX_FRAME_BYTES, OFFLINE_AFTER_S

DEFAULT_LISTEN: Final = "127.0.0.1:8480"
DB_FILE: Final = "hub.sqlite3"
# Presence (last seen, health, devices) is kept in memory and written in one batch this
# often: a heartbeat costs no DB write (hub_shared: ≥ 2,000 heartbeats/s on one core).
PRESENCE_FLUSH_S: Final = 5.0
# A room that was only seen again (heartbeat, same health and devices) has its last_seen
# written this often: a row write for every room every 5 s grows with the fleet and runs
# on the hub's one core (bench/hub.py: CPU per heartbeat rose from 31 to 3,000 rooms).
PRESENCE_SEEN_FLUSH_S: Final = 60.0
# How often the half-open-link watchdog looks for silent links: a room goes Offline at
# most OFFLINE_AFTER_S + this after its last frame (40 + 2 ≤ 45 s, DESIGN.md §7).
OFFLINE_SCAN_S: Final = 2.0
# A hello must arrive this soon after the upgrade, or the link is closed (generous: a hub
# taking thousands of links at once after a restart reads each hello late).
HELLO_TIMEOUT_S: Final = 30.0
# The hub waits this much longer than a command's own timeout_s for its result (the agent
# answers "timeout" itself at timeout_s; the margin covers the trip back).
COMMAND_GRACE_S: Final = 2.0
# WebSocket pings from the hub keep NAT mappings alive (docs/LINK.md §2).
WS_PING_INTERVAL_S: Final = 20.0
WS_PING_TIMEOUT_S: Final = 20.0
# The WebSocket layer accepts frames up to this size so that a frame over MAX_FRAME_BYTES
# is answered with a `too_large` protocol error and the link survives (docs/LINK.md §4);
# only a frame past this hard cap closes the connection (code 1009).
WS_MAX_SIZE_BYTES: Final = 2 * MAX_FRAME_BYTES
ENROL_TOKEN_TTL_S: Final = 24 * 3600.0
# The meeting schedule looks at the clock at least this often (sooner when a meeting's
# check or start is nearer): a room is "in meeting" within this of the start.
SCHEDULE_TICK_S: Final = 5.0


@dataclass(frozen=True)
class HubSettings:
    """Everything the hub needs to run; the defaults are production values."""

    state_dir: Path
    listen: str = DEFAULT_LISTEN
    db_url: str | None = None  # None: SQLite (WAL) in the state directory
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # The base URL agents use (for the link_url answered at enrolment). None: derived from
    # the request that enrols.
    public_url: str | None = None
    heartbeat_s: float = HEARTBEAT_INTERVAL_S
    offline_after_s: float = OFFLINE_AFTER_S
    offline_scan_s: float = OFFLINE_SCAN_S
    presence_flush_s: float = PRESENCE_FLUSH_S
    presence_seen_flush_s: float = PRESENCE_SEEN_FLUSH_S
    hello_timeout_s: float = HELLO_TIMEOUT_S
    command_grace_s: float = COMMAND_GRACE_S
    enrol_token_ttl_s: float = ENROL_TOKEN_TTL_S
    schedule_tick_s: float = SCHEDULE_TICK_S
    # The alerts configuration (appliance/hub/alerts/config.py); None: alerts are kept
    # (API, dashboard, /metrics) and sent nowhere.
    alerts_file: Path | None = None
    # This process's name among several hub replicas on one PostgreSQL (docs/SCALING.md);
    # None: the hub runs alone.
    replica_id: str | None = None
    # Keep the hub's long-lived objects out of the garbage collector's full passes
    # (appliance/hub/gcwatch.py): on for `appliance hub serve`, off by default because
    # gc.freeze is process-wide (a test process running many hubs keeps its own collector).
    gc_freeze: bool = False

    def __post_init__(self) -> None:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("--tls-cert and --tls-key go together")
        for name in (
            "heartbeat_s",
            "offline_after_s",
            "offline_scan_s",
            "presence_flush_s",
            "schedule_tick_s",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0")
        parse_hub_listen(self.listen)

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL: ``--db`` or the SQLite file in the state directory."""
        if self.db_url:
            return self.db_url
        return f"sqlite:///{self.state_dir / DB_FILE}"

    @property
    def evidence_dir(self) -> Path:
        return self.state_dir / "evidence"


def parse_hub_listen(value: str) -> tuple[str, int]:
    """``"127.0.0.1:8480"`` / ``"[::1]:0"`` → (host, port); port 0 picks a free port."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ValueError(f"listen must be HOST:PORT, got {value!r}")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    port = int(port_text)
    if not 0 <= port < 65536:
        raise ValueError(f"listen port {port} out of range 0–65535")
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(f"listen host must be an IP address, got {host!r}") from None
    return host, port
