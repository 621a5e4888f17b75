"""Alembic environment: the hub's models are the target; the URL comes from the config
that :mod:`appliance.hub.db.migrate` builds (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from appliance.hub.db.engine import is_sqlite, make_engine
from appliance.hub.db.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("no sqlalchemy.url: run migrations through appliance.hub.db.migrate")

engine = make_engine(url)
try:
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things: later migrations use batch mode there.
            render_as_batch=is_sqlite(url),
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
