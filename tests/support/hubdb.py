"""Hub database fixtures, parametrized over SQLite and a real PostgreSQL.

    from tests.support.hubdb import db_url, hub_store, migrated_url, postgres

    __all__ = ["db_url", "hub_store", "migrated_url", "postgres"]  # fixtures, for pytest

- ``db_url``: an EMPTY database's URL, once per backend (``[sqlite]``, ``[postgresql]``):
  a file in the test's tmp dir, or a fresh database on the session's PostgreSQL server
  (dropped afterwards). For the migration tests.
- ``migrated_url``: the same, already at the newest schema — a copy of a template
  migrated once per session (a file copy; ``CREATE DATABASE … TEMPLATE``), so each test
  does not pay for a full ``alembic upgrade``.
- ``hub_store``: a :class:`Store` on ``migrated_url``, evidence files in the test's tmp
  dir, closed afterwards.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from appliance.hub.db import migrate
from appliance.hub.store import Store
from tests.support.postgres import PostgresServer, postgres

__all__ = [
    "BACKENDS",
    "db_url",
    "hub_pg_template",
    "hub_sqlite_template",
    "hub_store",
    "migrated_url",
    "postgres",
]

BACKENDS = ("sqlite", "postgresql")
PG_TEMPLATE = "hub_template"


@pytest.fixture(scope="session")
def hub_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hubdb") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def hub_pg_template(postgres: PostgresServer) -> str:
    postgres._admin(f'CREATE DATABASE "{PG_TEMPLATE}"')
    migrate.upgrade(postgres.url(PG_TEMPLATE))
    return PG_TEMPLATE


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


@pytest.fixture(params=BACKENDS)
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("hub_sqlite_template")
        shutil.copyfile(template, tmp_path / "hub.sqlite3")
        yield f"sqlite:///{tmp_path / 'hub.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.create_database(template=request.getfixturevalue("hub_pg_template"))
    try:
        yield url
    finally:
        server.drop_database(url)


@pytest.fixture
async def hub_store(migrated_url: str, tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(migrated_url, evidence_dir=tmp_path / "evidence", upgrade=False)
    try:
        yield store
    finally:
        await store.close()
