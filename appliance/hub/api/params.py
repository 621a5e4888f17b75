"""Parameter types shared by the hub's routes.

    async def get_user(user_id: RowId, ...)           # /users/{user_id}: 1 … 2⁶³−1

A row id is a positive SQLite/PostgreSQL ``INTEGER``/``BIGINT``: a larger number in a path
or a body is no row (422 before the store sees it, instead of an OverflowError → 500).
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Path
from pydantic import Field

MAX_ROW_ID: Final = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
"""A path parameter naming a stored row (meeting, scene, user, token, alert)."""

RowIdField = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
"""The same in a request body or a query."""
