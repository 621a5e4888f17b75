"""Voice-follow items: one per seat microphone (present, level, not stuck open).

    follow.<channel>.mic   the seat's channel of the multichannel input over SEAT_MEASURE_S:
                           FAIL when the input cannot be read (missing device, fewer
                           channels than configured, no audio) or the channel is digital
                           silence (a channel the device does not have, a dead capsule);
                           WARN when the microphone is stuck open (voice activity most of
                           the time, or a noise floor that would mask speech); else PASS.

All seats share ONE measurement per run (the first item takes it under the lock
``follow:input`` and stashes it; the others read it), through the running follow's input
when it follows, or a short-lived input of its own when it is off.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Final

from appliance.agent.checks.items.base import CheckItem, ItemContext
from appliance.agent.checks.model import Outcome, failed, passed, text, warned
from appliance.agent.follow import SeatReading, VoiceFollow
from drivers.errors import DeviceError

if TYPE_CHECKING:
    from appliance.agent.checks.settings import CheckSettings
    from appliance.agent.service import AgentService

SEAT_MEASURE_S: Final = 2.0
SILENT_DBFS: Final = -100.0  # loudest frame below this: digital silence, nothing connected
STUCK_SPEECH_SHARE: Final = 0.9  # voice activity this much of the time: a mic left open
STUCK_FLOOR_DBFS: Final = -35.0  # a floor this high masks speech (fan, open mic by a PC)
_STASH: Final = "follow.readings"
_LOCK: Final = "follow:input"


def plan(service: AgentService, settings: CheckSettings) -> list[CheckItem]:
    follow = service.follow
    if not isinstance(follow, VoiceFollow):
        return []
    items = []
    for seat in follow.config.seats:
        hint = text("checks.follow.mic.hint", seat=seat.name, channel=seat.channel)
        items.append(
            CheckItem(f"follow.{seat.channel}.mic", "follow.mic", "audio", seat.name,
                      functools.partial(_seat, follow, seat.channel), resources=(_LOCK,),
                      error_hint=hint)
        )  # fmt: skip
    return items


async def _seat(follow: VoiceFollow, channel: int, ctx: ItemContext) -> Outcome:
    seat = next(s for s in follow.config.seats if s.channel == channel)
    hint = text("checks.follow.mic.hint", seat=seat.name, channel=channel)
    readings = ctx.get(_STASH, list)
    if readings is None:
        try:
            readings = await follow.measure(SEAT_MEASURE_S)
        except DeviceError as exc:
            readings = [str(exc)]
        ctx.stash(_STASH, readings)
    if readings and isinstance(readings[0], str):
        return failed(
            text("checks.follow.mic.missing", device=follow.config.device, error=readings[0]), hint
        )
    reading: SeatReading = next(
        r for r in readings if isinstance(r, SeatReading) and r.channel == channel
    )
    values: dict[str, float | int | str | bool] = {
        "channel": channel,
        "level_dbfs": reading.level_dbfs,
        "floor_dbfs": reading.floor_dbfs,
        "speech_fraction": reading.speech_fraction,
    }
    if reading.level_dbfs < SILENT_DBFS:
        return failed(
            text("checks.follow.mic.silent", seat=seat.name, channel=channel), hint, **values
        )
    if reading.speech_fraction >= STUCK_SPEECH_SHARE or reading.floor_dbfs >= STUCK_FLOOR_DBFS:
        return warned(
            text("checks.follow.mic.stuck", seat=seat.name, channel=channel,
                 share=round(100 * reading.speech_fraction), floor=f"{reading.floor_dbfs:.1f}"),
            text("checks.follow.mic.stuck_hint", seat=seat.name),
            **values,
        )  # fmt: skip
    return passed(
        text("checks.follow.mic.ok", seat=seat.name, channel=channel,
             level=f"{reading.level_dbfs:.1f}", floor=f"{reading.floor_dbfs:.1f}"),
        **values,
    )  # fmt: skip
