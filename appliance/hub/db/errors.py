"""Errors of the hub's store, each with the HTTP status the API answers.

    StoreError(ApplianceError)
     ├── NotFoundError          404  no such room / user / scene / token
     ├── ConflictError          409  already exists, or the state forbids it
     │    └── EnrolmentRoomMismatch  409  the token was issued for another room
     ├── InvalidInputError      422  rows of an import, a bad id, an unknown role
     └── EnrolmentRefused       401  enrolment token unknown, used or expired

Messages never contain a secret, token or password (they name rooms, users, rows).
"""

from __future__ import annotations

from typing import ClassVar

from drivers.errors import ApplianceError


class StoreError(ApplianceError):
    http_status: ClassVar[int] = 500
    kind: ClassVar[str] = "internal"


class NotFoundError(StoreError):
    http_status = 404
    kind = "not_found"


class ConflictError(StoreError):
    http_status = 409
    kind = "rejected"


class EnrolmentRoomMismatch(ConflictError):
    pass


class InvalidInputError(StoreError):
    http_status = 422
    kind = "invalid"


class EnrolmentRefused(StoreError):
    http_status = 401
    kind = "rejected"
