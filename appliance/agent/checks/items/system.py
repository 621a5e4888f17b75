"""Room PC and hub items: disk, CPU temperature, hub link, clock offset.

system.disk              free space of the state directory's file system (bytes and share)
system.cpu_temperature   the hottest ``/sys/class/thermal/thermal_zone*/temp`` (millidegrees
                         Celsius, Linux sysfs ABI); skipped where the PC exposes none
hub.link                 the agent's real link (``service.hub_link``, docs/LINK.md): connected
                         → pass, not enrolled / down → fail with its reason. Without a link
                         client (the engine outside the agent): the configured hub answers
                         HTTP (ws→http, wss→https): any answer is a link, 5xx a warning;
                         no hub configured → skip with the reason
hub.clock                our clock against the hub's: the last welcome's ``hub_time`` (taken
                         at the middle of hello → welcome); without a link client, the HTTP
                         ``Date`` header (RFC 9110 §6.6.1); skipped without a hub answer
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from appliance.agent.checks.items.base import CheckItem, ItemContext, in_thread
from appliance.agent.checks.model import Outcome, Text, failed, passed, skipped, text, warned
from appliance.agent.checks.settings import CheckSettings

if TYPE_CHECKING:
    from appliance.agent.service import AgentService, HubLink


@dataclass(frozen=True)
class HubAnswer:
    status_code: int
    rtt_s: float
    local_mid: datetime
    date: datetime | None


def plan(service: AgentService, settings: CheckSettings) -> list[CheckItem]:
    return [
        CheckItem("system.disk", "system.disk", "system", None, _disk),
        CheckItem("system.cpu_temperature", "system.cpu_temperature", "system", None, _cpu_temperature),
        CheckItem("hub.link", "hub.link", "hub", None, _hub_link),
        CheckItem("hub.clock", "hub.clock", "hub", None, _clock, after=("hub.link",)),
    ]  # fmt: skip


# -- PC -----------------------------------------------------------------------------------------


async def _disk(ctx: ItemContext) -> Outcome:
    path = _existing(Path(ctx.service.config.state.dir))
    usage = await in_thread(lambda: shutil.disk_usage(path))
    s = ctx.settings
    share = usage.free / usage.total if usage.total else 0.0
    values: dict[str, str | int | float | bool] = {
        "path": str(path),
        "free_bytes": usage.free,
        "total_bytes": usage.total,
        "free_fraction": share,
    }
    message = text(
        "checks.system.disk.free",
        path=str(path),
        free=_gib(usage.free),
        percent=f"{100 * share:.0f}",
    )
    hint = text("checks.system.disk.hint", path=str(path))
    if usage.free < s.disk_fail_free_bytes or share < s.disk_fail_free_fraction:
        return failed(message, hint, **values)
    if usage.free < s.disk_warn_free_bytes or share < s.disk_warn_free_fraction:
        return warned(message, hint, **values)
    return passed(message, **values)


async def _cpu_temperature(ctx: ItemContext) -> Outcome:
    zones = await in_thread(lambda: _thermal_zones(ctx.settings.thermal_root))
    if not zones:
        return skipped(text("checks.system.cpu.no_sensor", path=str(ctx.settings.thermal_root)))
    zone, celsius = max(zones.items(), key=lambda kv: kv[1])
    s = ctx.settings
    values: dict[str, str | int | float | bool] = {
        "temperature_c": celsius,
        "zone": zone,
        "zones": len(zones),
    }
    message = text("checks.system.cpu.temperature", celsius=f"{celsius:.0f}", zone=zone)
    hint = text("checks.system.cpu.hint")
    if celsius >= s.cpu_fail_c:
        return failed(message, hint, **values)
    if celsius >= s.cpu_warn_c:
        return warned(message, hint, **values)
    return passed(message, **values)


def _thermal_zones(root: Path) -> dict[str, float]:
    zones: dict[str, float] = {}
    for zone in sorted(root.glob("thermal_zone*")):
        try:
            millidegrees = int((zone / "temp").read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue  # a zone whose sensor is off answers EIO/ENODATA: not ours to judge
        try:
            kind = (zone / "type").read_text(encoding="ascii").strip() or zone.name
        except OSError:
            kind = zone.name
        zones[f"{zone.name} ({kind})"] = millidegrees / 1000.0
    return zones


# -- hub --------------------------------------------------------------------------------------


async def _hub_link(ctx: ItemContext) -> Outcome:
    import httpx

    url = ctx.service.config.hub.url
    if url is None:
        return skipped(text("checks.hub.none"))
    link = ctx.service.hub_link
    if link is not None:
        return _real_link(link, url)
    target = http_url(url)
    hint = text("checks.hub.link.hint", url=url)
    start = time.monotonic()
    wall = datetime.now(UTC)
    try:
        async with httpx.AsyncClient(timeout=ctx.settings.hub_timeout_s) as client:
            response = await client.get(target)
    except httpx.TimeoutException as exc:  # str() of httpx's timeouts is often empty
        seconds = f"{ctx.settings.hub_timeout_s:g}"
        kind = type(exc).__name__  # ConnectTimeout / ReadTimeout: which half was silent
        down = text("checks.hub.link.timeout", url=url, seconds=seconds, kind=kind)
        return failed(down, hint, url=target)
    except httpx.HTTPError as exc:
        error = str(exc) or type(exc).__name__
        return failed(text("checks.hub.link.down", url=url, error=error), hint, url=target)
    rtt = time.monotonic() - start
    answer = HubAnswer(
        response.status_code,
        rtt,
        wall + (datetime.now(UTC) - wall) / 2,
        _date(response.headers.get("date")),
    )
    ctx.stash("hub.link", answer)
    values: dict[str, str | int | float | bool] = {
        "url": target,
        "status_code": response.status_code,
        "rtt_ms": rtt * 1000,
    }
    message = text(
        "checks.hub.link.answered", url=url, status=response.status_code, rtt=f"{rtt * 1000:.0f}"
    )
    if response.status_code >= 500:
        return warned(message, hint, **values)
    return passed(message, **values)


def _real_link(link: HubLink, url: str) -> Outcome:
    values: dict[str, str | int | float | bool] = {"url": url, "state": link.state}
    if link.state == "connected":
        seconds = link.connected_for_s
        values["connected_s"] = round(seconds or 0.0, 1)
        return passed(
            text("checks.hub.link.connected", url=url, seconds=f"{seconds or 0:.0f}"), **values
        )
    if link.state == "not_enrolled":
        hint = text("checks.hub.link.enrol_hint", url=url)
        return failed(text("checks.hub.link.not_enrolled", url=url), hint, **values)
    error = link.last_error or link.state
    values["error"] = error
    hint = text("checks.hub.link.hint", url=url)
    return failed(text("checks.hub.link.lost", url=url, error=error), hint, **values)


async def _clock(ctx: ItemContext) -> Outcome:
    if ctx.service.config.hub.url is None:
        return skipped(text("checks.hub.clock.no_hub"))
    link = ctx.service.hub_link
    if link is not None:
        if link.clock_offset_s is None:  # never welcomed since the agent started
            return skipped(text("checks.hub.clock.no_answer"))
        offset = link.clock_offset_s
    else:
        answer = ctx.get("hub.link", HubAnswer)
        if answer is None:
            return skipped(text("checks.hub.clock.no_answer"))
        if answer.date is None:
            return skipped(text("checks.hub.clock.no_date"))
        offset = (answer.local_mid - answer.date).total_seconds()
    s = ctx.settings
    values: dict[str, str | int | float | bool] = {
        "offset_s": offset,
        "limit_warn_s": s.clock_warn_s,
    }
    message = text("checks.hub.clock.offset", offset=f"{offset:+.1f}")
    hint: Text = text("checks.hub.clock.hint")
    if abs(offset) >= s.clock_fail_s:
        return failed(message, hint, **values)
    if abs(offset) >= s.clock_warn_s:
        return warned(message, hint, **values)
    return passed(message, **values)


def http_url(url: str) -> str:
    """The hub's URL for plain HTTP(S): ``wss://h/x`` → ``https://h/x``."""
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _date(header: str | None) -> datetime | None:
    if not header:
        return None
    try:
        value = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _gib(n: int) -> str:
    return f"{n / 1024**3:.1f}"
