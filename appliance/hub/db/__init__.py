"""The hub's database: models, engine, Alembic migrations (shipped in the package)."""
