"""The hub's HTTP API (``/api/v1``): one module of routes per area under ``routes/``."""
