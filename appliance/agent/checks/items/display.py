"""Display items: the output shows our test pattern, and the display's power over HDMI-CEC.

display.<id>.output   the service's display shows the colour bars through VLC; a
                      screenshot of the configured output is compared with the pattern's
                      published layout (``drivers.display.check_pattern``: patch colours
                      within DISPLAY_TOLERANCE, text boxes not empty), retried for up to
                      DISPLAY_VERIFY_TIMEOUT_S (play → picture on screen took 0.3–0.5 s,
                      PLATFORM.md Media 2a). Afterwards the display shows what it showed
                      before (slate, stream, or nothing).
display.<id>.power    CEC power status: on passes; standby/turning off fail; no adapter
                      (NOT_AVAILABLE) or CEC off in the config is a skip with the reason,
                      never a pass.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import TYPE_CHECKING

from appliance.agent.checks.items.base import CheckItem, ItemContext, in_thread
from appliance.agent.checks.model import Outcome, failed, passed, skipped, text, warned
from appliance.agent.checks.settings import CheckSettings
from drivers.errors import DeviceError, NotSupportedError

if TYPE_CHECKING:
    from PIL import Image

    from appliance.agent.media import DisplayHandle
    from appliance.agent.service import AgentService
    from drivers.display import PatternCheck

log = logging.getLogger(__name__)

_POLL_S = 0.1  # between screenshots while waiting for the pattern


def plan(service: AgentService, settings: CheckSettings) -> list[CheckItem]:
    items: list[CheckItem] = []
    for display in service.displays.values():
        hint = text(
            "checks.display.output.hint", device=display.id, xdisplay=display.config.x_display
        )
        items += [
            CheckItem(f"display.{display.id}.output", "display.output", "display", display.id,
                      functools.partial(_output, display), resources=(f"display:{display.id}",),
                      error_hint=hint),
            CheckItem(f"display.{display.id}.power", "display.power", "display", display.id,
                      functools.partial(_power, display), resources=(f"cec:{display.id}",),
                      timeout_s=settings.cec_timeout_s,
                      error_hint=text("checks.display.power.hint", device=display.id)),
        ]  # fmt: skip
    return items


async def _output(display: DisplayHandle, ctx: ItemContext) -> Outcome:
    hint = text("checks.display.output.hint", device=display.id, xdisplay=display.config.x_display)
    before = display.showing
    try:
        await display.show("pattern", pattern="bars")
    except NotSupportedError as exc:
        return failed(
            text("checks.display.output.unsupported", device=display.id, error=exc.detail), hint
        )
    try:
        shot, check = await _verify(display, ctx.settings)
    finally:
        await _restore(display, before)
    path = ctx.evidence_path(f"display.{display.id}.jpg")
    await in_thread(functools.partial(shot.save, path, format="JPEG", quality=85))
    values: dict[str, str | int | float | bool] = {
        "patches": len(check.patches),
        "patches_wrong": len(check.mismatches),
        "text_boxes_empty": len(check.empty_text_boxes),
        "width": shot.width,
        "height": shot.height,
    }
    if check.ok:
        size = f"{shot.width}x{shot.height}"
        outcome = passed(text("checks.display.output.ok", device=display.id, size=size), **values)
    elif not check.mismatches:  # the colours are right: VLC shows our picture, text is missing
        empty = ", ".join(check.empty_text_boxes)
        outcome = warned(
            text("checks.display.output.no_text", device=display.id, boxes=empty),
            text("checks.display.output.text_hint", device=display.id),
            **values,
        )
    else:
        wrong = ", ".join(p.name for p in check.mismatches)
        outcome = failed(
            text("checks.display.output.wrong", device=display.id, wrong=wrong), hint, **values
        )
    outcome.evidence["screenshot"] = str(path)
    return outcome


async def _power(display: DisplayHandle, ctx: ItemContext) -> Outcome:
    if not display.config.cec:
        return skipped(text("checks.display.power.cec_off", device=display.id))
    status = await display.power_status()
    hint = text("checks.display.power.hint", device=display.id)
    if status == "not_available":
        return skipped(text("checks.display.power.no_adapter", device=display.id), power=status)
    if status == "on":
        return passed(text("checks.display.power.on", device=display.id), power=status)
    if status in ("standby", "turning_off"):
        return failed(
            text("checks.display.power.off", device=display.id, status=status), hint, power=status
        )
    return warned(
        text("checks.display.power.unclear", device=display.id, status=status), hint, power=status
    )


# -- helpers --------------------------------------------------------------------------------------


async def _verify(
    display: DisplayHandle, settings: CheckSettings
) -> tuple[Image.Image, PatternCheck]:
    """Screenshot the output until it shows the bars or the time is up; the last attempt."""
    from drivers.display import check_pattern, list_outputs, screenshot, select_output
    from drivers.display.xwindow import screen_of, server_of

    xdisplay = display.config.x_display
    outputs = await in_thread(functools.partial(list_outputs, xdisplay, device_id=display.id))
    output = select_output(
        outputs, display.config.output, default_screen=screen_of(xdisplay), device_id=display.id
    )
    target = f"{server_of(xdisplay)}.{output.screen}"
    deadline = time.monotonic() + settings.display_verify_timeout_s
    while True:
        shot = await in_thread(
            functools.partial(screenshot, target, output.geometry, device_id=display.id)
        )
        check = check_pattern(shot, "bars", tolerance=settings.display_tolerance)
        # Colours and text come in one PNG: once the colours are right, the text is final.
        if not check.mismatches or time.monotonic() >= deadline:
            return shot, check
        await asyncio.sleep(_POLL_S)


async def _restore(display: DisplayHandle, before: str | None) -> None:
    """Show again what the display showed before the check (a failure is only logged:
    the check's finding stands)."""
    try:
        if before == "slate":
            await display.show("slate")
        elif before is not None and before.startswith("url:"):
            await display.show("url", url=before.removeprefix("url:"))
        elif before is None:
            await display.stop()
    except DeviceError as exc:
        log.warning("%s: showing %s again after the check failed: %s", display.id, before, exc)
