"""Routers of the control API, one module per resource (mounted under ``/api/v1``)."""
