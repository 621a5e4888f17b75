"""Errors of the hub's store, each with the HTTP status the API answers.

    StoreError(ApplianceError)
     ├── NotFoundError          404  no such room / user / scene / token
     ├── ConflictError          409  already exists, or the state forbids it
     │    └── EnrolmentRoomMismatch  409  the token was issued for another room
     ├── InvalidInputError      422  rows of an import, a bad id, an unknown role
     └── EnrolmentRefused       401  enrolment token unknown, used or expired

Messages never contain a secret, token or password (they name rooms, users, rows).
``str(exc)`` is English (for logs); :meth:`StoreError.text` gives the technician's or
operator's language from the i18n key the raiser names (``hub.store.*``).
"""

from __future__ import annotations

from typing import ClassVar

from appliance.i18n import t
from drivers.errors import ApplianceError


class StoreError(ApplianceError):
    http_status: ClassVar[int] = 500
    kind: ClassVar[str] = "internal"

    def __init__(self, message: str, *, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (Vietnamese by default); English text without a key."""
        return str(self) if self.key is None else t(self.key, lang, **self.params)


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
