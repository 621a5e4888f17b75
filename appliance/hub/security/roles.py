"""Who is asking, and what they may see and do (no FastAPI here).

    admin        everything: accounts, rooms, tokens, audit, every room's commands
    operator     every room: see, command, fleet checks, scenes
    technician   only the rooms of their districts: see and command them
    viewer       every room: see only, never command

Roles are ordered (viewer < technician < operator < admin) for :meth:`Principal.at_least`;
the technician is the only role scoped by district (:func:`can_see_room`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal, Protocol, TypeVar

from appliance.hub.db.records import Role, UserRecord

ROLE_RANK: Final[dict[str, int]] = {"viewer": 0, "technician": 1, "operator": 2, "admin": 3}
# The least role that may send commands to a room (power, move, preset, check, scene).
COMMAND_ROLE: Final[Role] = "technician"


class HasDistrict(Protocol):
    @property
    def district(self) -> str: ...


R = TypeVar("R", bound=HasDistrict)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a user, by session cookie or by API token."""

    user_id: int
    username: str
    role: Role
    districts: frozenset[str]
    via: Literal["session", "token"]
    lang: str = "vi"
    session_id: int | None = None
    token_id: int | None = None
    token_name: str | None = None

    @classmethod
    def of_user(
        cls,
        user: UserRecord,
        via: Literal["session", "token"],
        *,
        session_id: int | None = None,
        token_id: int | None = None,
        token_name: str | None = None,
    ) -> Principal:
        return cls(
            user_id=user.id,
            username=user.username,
            role=user.role,
            districts=frozenset(user.districts),
            via=via,
            lang=user.lang,
            session_id=session_id,
            token_id=token_id,
            token_name=token_name,
        )

    @property
    def who(self) -> str:
        """The audit log's "who": the user, and the token's name when by token."""
        if self.via == "token" and self.token_name:
            return f"{self.username} (token {self.token_name})"
        return self.username

    @property
    def scoped(self) -> bool:
        """True when the caller sees only some districts (a technician)."""
        return self.role == "technician"

    def at_least(self, role: Role) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    def district_scope(self) -> frozenset[str] | None:
        """The districts the caller may see, or None for all of them."""
        return self.districts if self.scoped else None


def can_see_room(principal: Principal, room: HasDistrict) -> bool:
    """A technician sees only their districts' rooms; every other role sees all."""
    return not principal.scoped or room.district in principal.districts


def can_command_room(principal: Principal, room: HasDistrict) -> bool:
    """Commands need technician or above, and the room in the caller's scope."""
    return principal.at_least(COMMAND_ROLE) and can_see_room(principal, room)


def visible(principal: Principal, rooms: Iterable[R]) -> list[R]:
    """The rooms of ``rooms`` the caller may see, in order."""
    return [r for r in rooms if can_see_room(principal, r)]
