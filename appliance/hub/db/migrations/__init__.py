"""Alembic migrations of the hub database (see ``appliance.hub.db.migrate``)."""
