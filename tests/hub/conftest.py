"""Every hub test: no credential may appear in a log line (tests/support/secret_guard.py)."""

from __future__ import annotations

from tests.support.secret_guard import hub_secret_guard, no_secret_in_logs

__all__ = ["hub_secret_guard", "no_secret_in_logs"]  # fixtures, re-exported for pytest
