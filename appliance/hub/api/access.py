"""Which rooms a caller may see or command, for the fleet routes.

    room = await visible_room(store, who, room_id)        # RoomRecord, or 404 for both
                                                          # "no such room" and "not yours"
    rooms = await chosen_rooms(store, who, ids, district, everything)

A technician's other districts look exactly like rooms that do not exist (404), so
nobody can probe for room ids outside their scope.
"""

from __future__ import annotations

from collections.abc import Sequence

from appliance.hub.db.records import RoomRecord
from appliance.hub.errors import RoomNotFoundError
from appliance.hub.security.roles import Principal, can_see_room
from appliance.hub.store import Store


async def visible_room(store: Store, who: Principal, room_id: str) -> RoomRecord:
    room = await store.get_room(room_id)
    if room is None or not can_see_room(who, room):
        raise RoomNotFoundError(room_id)
    return room


async def chosen_rooms(
    store: Store,
    who: Principal,
    room_ids: Sequence[str] | None,
    district: str | None,
    everything: bool,
) -> list[RoomRecord]:
    """The rooms a fleet action names (ids, a district, or all), within the caller's
    scope; an id outside it is a 404 like an unknown one."""
    scope = who.district_scope()
    if room_ids:
        rooms = await store.list_rooms(room_ids=room_ids, districts=scope)
        found = {r.id for r in rooms}
        missing = [r for r in room_ids if r not in found]
        if missing:
            raise RoomNotFoundError(missing[0])
        return rooms
    if district is not None:
        return await store.list_rooms(district=district, districts=scope)
    if everything:
        return await store.list_rooms(districts=scope)
    return []
