"""Meetings from an iCalendar file (RFC 5545): the VEVENTs of a calendar the province's
secretariat exports (Outlook, Google Calendar, Thunderbird).

    events = parse_calendar(text)        # [CalendarEvent]; CalendarError naming the line

What is read, and nothing else:

- content lines unfolded (RFC 5545 §3.1: a line starting with a space or tab continues the
  previous one), TEXT values unescaped (§3.3.11: ``\\n \\, \\; \\\\``);
- ``UID``, ``SUMMARY``, ``LOCATION``, ``DTSTART``, ``DTEND`` or ``DURATION``;
- times in UTC (``…Z``), with ``TZID=`` (an IANA zone, or the Windows name Outlook writes,
  "SE Asia Standard Time", which is UTC+7), or floating (no zone: the province's time,
  UTC+7); an all-day ``VALUE=DATE`` event is refused (a room is not "in meeting" all day);
- ``RRULE``: none, or ``FREQ=WEEKLY`` with ``INTERVAL=1`` and optionally ``UNTIL`` or
  ``COUNT``, and ``BYDAY`` only when it names the start's own weekday. Any other rule
  (monthly, every second week, several weekdays) is refused by name rather than imported
  wrongly, and so are ``RDATE``, ``EXDATE`` and ``RECURRENCE-ID`` (a series with
  exceptions); ``STATUS:CANCELLED`` events are left out.

The rooms of an event come from its ``LOCATION`` (appliance/hub/api/routes/meetings.py
matches room ids, room names and districts there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.hub.db.meetings import WEEK_S

VIETNAM: Final = timezone(timedelta(hours=7))
# Windows time-zone names (Outlook's TZID) of the UTC+7 zone, and the IANA names of the
# region (all UTC+7 with no summer time).
WINDOWS_ZONES: Final = {"SE Asia Standard Time": VIETNAM}
MAX_EVENTS: Final = 5000
_DURATION: Final = re.compile(
    r"^(?P<sign>[+-])?P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)
_WEEKDAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class CalendarError(ValueError):
    """The file cannot be imported; the message names the line or the event."""


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    uid: str | None
    title: str
    location: str
    starts_at: float
    ends_at: float
    weekly: bool = False
    until_at: float | None = None


@dataclass
class _Prop:
    name: str
    params: dict[str, str]
    value: str
    line: int


def _unfold(text: str) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if raw[:1] in (" ", "\t") and lines:
            n, prev = lines[-1]
            lines[-1] = (n, prev + raw[1:])
        elif raw.strip():
            lines.append((number, raw))
    return lines


def _split(number: int, line: str) -> _Prop:
    # NAME;PARAM=VALUE;PARAM="QUOTED:VALUE":VALUE — the first colon outside quotes ends
    # the name and parameters (RFC 5545 §3.1).
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            head, value = line[:i], line[i + 1 :]
            break
    else:
        raise CalendarError(f"line {number}: no ':' in {line[:60]!r}")
    name, *params = head.split(";")
    parsed = {}
    for p in params:
        key, _, val = p.partition("=")
        parsed[key.upper()] = val.strip('"')
    return _Prop(name.upper(), parsed, value, number)


def _text(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out).strip()


def _zone(prop: _Prop) -> tzinfo:
    tzid = prop.params.get("TZID")
    if tzid is None:
        return VIETNAM  # floating time: the province's
    if tzid in WINDOWS_ZONES:
        return WINDOWS_ZONES[tzid]
    try:
        return ZoneInfo(tzid.lstrip("/"))
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"line {prop.line}: unknown time zone {tzid!r}") from None


def _time(prop: _Prop) -> float:
    value = prop.value.strip()
    zone = _zone(prop)  # outside the try: its CalendarError is a ValueError too
    if prop.params.get("VALUE") == "DATE" or re.fullmatch(r"\d{8}", value):
        raise CalendarError(
            f"line {prop.line}: an all-day event has no meeting time (give start and end times)"
        )
    try:
        if value.endswith("Z"):
            return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        # A local time: the zone of TZID, or the province's (floating).
        return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=zone).timestamp()
    except ValueError:
        raise CalendarError(f"line {prop.line}: not a date-time: {value!r}") from None


def _until(value: str, line: int) -> float:
    try:
        if len(value) == 8:  # a date: the whole day counts (until its end, province time)
            day = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
            return datetime(day.year, day.month, day.day, tzinfo=VIETNAM).timestamp() + 86_399
        if value.endswith("Z"):
            return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=VIETNAM).timestamp()
    except ValueError:
        raise CalendarError(f"line {line}: RRULE UNTIL is not a date: {value!r}") from None


def _duration(prop: _Prop) -> float:
    m = _DURATION.match(prop.value.strip())
    if m is None or m.group("sign") == "-":
        raise CalendarError(f"line {prop.line}: not a duration: {prop.value!r}")
    parts = {k: int(v) for k, v in m.groupdict().items() if k != "sign" and v}
    return float(
        parts.get("w", 0) * 604_800
        + parts.get("d", 0) * 86_400
        + parts.get("h", 0) * 3600
        + parts.get("m", 0) * 60
        + parts.get("s", 0)
    )


def _rule(prop: _Prop, start: float, tz: tzinfo) -> tuple[bool, float | None]:
    """(weekly, until) of an RRULE, or CalendarError for a rule we do not import."""
    parts = dict(p.partition("=")[::2] for p in prop.value.strip().upper().split(";") if p)
    freq = parts.pop("FREQ", "")
    if freq != "WEEKLY":
        raise CalendarError(f"line {prop.line}: only weekly repetition is supported, not {freq!r}")
    if parts.pop("INTERVAL", "1") != "1":
        raise CalendarError(f"line {prop.line}: only every week is supported (INTERVAL=1)")
    parts.pop("WKST", None)
    if "BYDAY" in parts:
        weekday = _WEEKDAYS[datetime.fromtimestamp(start, tz).weekday()]
        if parts.pop("BYDAY") != weekday:
            raise CalendarError(
                f"line {prop.line}: BYDAY must be the first meeting's weekday ({weekday})"
            )
    until: float | None = None
    if "UNTIL" in parts:
        until = _until(parts.pop("UNTIL"), prop.line)
    elif "COUNT" in parts:
        count = parts.pop("COUNT")
        if not count.isdigit() or int(count) < 1:
            raise CalendarError(f"line {prop.line}: bad COUNT {count!r}")
        until = start + (int(count) - 1) * WEEK_S
    if parts:
        raise CalendarError(f"line {prop.line}: unsupported RRULE parts: {', '.join(parts)}")
    return True, until


def _event(props: list[_Prop], begin_line: int) -> CalendarEvent | None:
    by_name: dict[str, _Prop] = {}
    for p in props:
        by_name.setdefault(p.name, p)
    if "STATUS" in by_name and by_name["STATUS"].value.strip().upper() == "CANCELLED":
        return None
    for unsupported in ("RDATE", "EXDATE", "RECURRENCE-ID"):
        if unsupported in by_name:
            # Extra dates, skipped dates and moved single meetings of a series: imported
            # without them the schedule would be wrong, so the file is refused by name.
            raise CalendarError(
                f"line {by_name[unsupported].line}: {unsupported} is not supported "
                "(enter a changed or skipped meeting of a series by hand)"
            )
    if "DTSTART" not in by_name:
        raise CalendarError(f"line {begin_line}: an event without DTSTART")
    start_prop = by_name["DTSTART"]
    start = _time(start_prop)
    if "DTEND" in by_name:
        end = _time(by_name["DTEND"])
    elif "DURATION" in by_name:
        end = start + _duration(by_name["DURATION"])
    else:
        raise CalendarError(f"line {begin_line}: an event without DTEND or DURATION")
    weekly, until = False, None
    if "RRULE" in by_name:
        weekly, until = _rule(by_name["RRULE"], start, _zone(start_prop))
    uid = _text(by_name["UID"].value) if "UID" in by_name else None
    return CalendarEvent(
        uid=uid or None,
        title=_text(by_name["SUMMARY"].value) if "SUMMARY" in by_name else "",
        location=_text(by_name["LOCATION"].value) if "LOCATION" in by_name else "",
        starts_at=start,
        ends_at=end,
        weekly=weekly,
        until_at=until,
    )


def parse_calendar(text: str) -> list[CalendarEvent]:
    """The events of a VCALENDAR; :class:`CalendarError` for anything not understood."""
    lines = _unfold(text)
    if not lines or lines[0][1].strip().upper() != "BEGIN:VCALENDAR":
        raise CalendarError("not an iCalendar file (it must start with BEGIN:VCALENDAR)")
    events: list[CalendarEvent] = []
    current: list[_Prop] | None = None
    begin_line = 0
    depth = 0  # components nested in a VEVENT (VALARM): their properties are not the event's
    for number, line in lines:
        prop = _split(number, line)
        if prop.name == "BEGIN" and prop.value.upper() == "VEVENT":
            current, begin_line, depth = [], number, 0
        elif prop.name == "END" and prop.value.upper() == "VEVENT":
            if current is None:
                raise CalendarError(f"line {number}: END:VEVENT without BEGIN")
            event = _event(current, begin_line)
            if event is not None:
                events.append(event)
            current = None
            if len(events) > MAX_EVENTS:
                raise CalendarError(f"more than {MAX_EVENTS} events in one file")
        elif current is not None and prop.name == "BEGIN":
            depth += 1
        elif current is not None and prop.name == "END":
            depth -= 1
        elif current is not None and depth == 0:
            current.append(prop)
    if current is not None:
        raise CalendarError(f"line {begin_line}: the event is not closed (END:VEVENT)")
    return events
