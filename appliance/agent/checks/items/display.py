"""Display items: the output shows our test pattern, and the display's power over HDMI-CEC.

display.<id>.output   the service's display shows the colour bars through VLC; a
                      screenshot of the configured output is compared with the pattern's
                      published layout (``drivers.display.check_pattern``: patch colours
                      within DISPLAY_TOLERANCE, text boxes not empty), retried for up to
                      DISPLAY_VERIFY_TIMEOUT_S (play → picture on screen took 0.3–0.5 s,
                      PLATFORM.md Media 2a). Afterwards the display shows what it showed
                      before (slate, stream, or nothing). The screenshot and the
                      comparison run in the display's player child
                      (``appliance.agent.display``): no numpy or Pillow in the agent.
display.<id>.power    CEC power status: on passes; standby/turning off fail; no adapter
                      (NOT_AVAILABLE) or CEC off in the config is a skip with the reason,
                      never a pass.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from appliance.agent.checks.items.base import CheckItem, ItemContext
from appliance.agent.checks.model import Outcome, failed, passed, skipped, text, warned
from appliance.agent.checks.settings import CheckSettings
from drivers.errors import DeviceError, NotSupportedError

if TYPE_CHECKING:
    from appliance.agent.media import DisplayHandle
    from appliance.agent.service import AgentService

log = logging.getLogger(__name__)


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
    path = ctx.evidence_path(f"display.{display.id}.jpg")
    try:
        check = await display.verify_pattern(
            "bars",
            tolerance=ctx.settings.display_tolerance,
            timeout_s=ctx.settings.display_verify_timeout_s,
            evidence=path,
        )
    finally:
        await _restore(display, before)
    values: dict[str, str | int | float | bool] = {
        "patches": check.patches,
        "patches_wrong": len(check.mismatches),
        "text_boxes_empty": len(check.empty_text_boxes),
        "width": check.width,
        "height": check.height,
    }
    if check.ok:
        size = f"{check.width}x{check.height}"
        outcome = passed(text("checks.display.output.ok", device=display.id, size=size), **values)
    elif not check.mismatches:  # the colours are right: VLC shows our picture, text is missing
        empty = ", ".join(check.empty_text_boxes)
        outcome = warned(
            text("checks.display.output.no_text", device=display.id, boxes=empty),
            text("checks.display.output.text_hint", device=display.id),
            **values,
        )
    else:
        wrong = ", ".join(check.mismatches)
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
