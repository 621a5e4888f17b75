"""Engine and session factory for SQLite (WAL, the default) and PostgreSQL (psycopg 3).

    engine = make_engine("sqlite:////var/lib/appliance-hub/hub.sqlite3")
    engine = make_engine("postgresql+psycopg://hub@db/hub")

SQLite gets, on every connection: WAL (readers never block the writer), ``synchronous=
FULL`` (an event the hub has acknowledged survives a power cut, not only ``kill -9``),
foreign keys on, and a busy timeout so a CLI command writing next to a running hub
waits instead of failing. Transactions start with ``BEGIN IMMEDIATE`` (SQLAlchemy's
documented pysqlite recipe): a transaction that reads and then writes takes the write
lock up front, so two processes (the hub and ``appliance hub rooms token``) queue on
the busy timeout instead of one failing with "database is locked" on a lock upgrade.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from drivers.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS: Final = 10_000
PG_POOL_SIZE: Final = 8
# The drivers we ship: a plain "postgresql://" URL means psycopg 3, not psycopg2.
_PG_ALIASES: Final = ("postgresql", "postgres", "postgresql+psycopg")


def normalize_url(url: str) -> str:
    """``postgres://…``/``postgresql://…`` → ``postgresql+psycopg://…``; checks the dialect."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError for junk
        raise ConfigError(f"not a database URL: {type(exc).__name__}", key="db") from None
    if parsed.drivername in _PG_ALIASES:
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return url
    raise ConfigError(
        f"unsupported database {parsed.drivername!r}: use sqlite:///FILE or postgresql://…",
        key="db",
    )


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (see :func:`normalize_url`); SQLite's directory is created."""
    url = normalize_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=PG_POOL_SIZE, pool_pre_ping=True)


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own implicit BEGIN off: _sqlite_begin emits ours.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    try:
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cur.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")
