"""Reports per room or per district over a period (issue 11): figures, then JSON or CSV.

- **time online**: the union of the room's link sessions clipped to the period (two links
  that overlap while one replaces the other count once; a link still up counts until
  ``now``), over the period's length (up to ``now`` for a period that has not ended);
- **readiness**: finished check runs in the period; *ready* when the run's overall result is
  ``pass`` or ``warn`` (a warning does not stop a meeting), cancelled runs not counted;
- **failed items**: items with status ``fail`` in those runs, most frequent first;
- **time from alert to resolution**: over the alerts resolved in the period, the mean of
  resolved − raised (from the moment someone was paged, after the rule's hold-down, to the
  end of the condition); ``null`` when none was resolved; ``alerts``: how many.

A district's time online is the sum over its rooms over the sum of their periods.

A month (:class:`Month`, ``YYYY-MM``) is Vietnam's calendar month; :func:`make_month_report`
gives its rows per room and per district together, for the one-page PDF of
:mod:`appliance.hub.report_pdf`.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Final, Literal

from appliance.hub.db.alerts import AlertRecord
from appliance.hub.db.history import LinkSpan, StoredResult
from appliance.hub.db.records import RoomRecord
from appliance.hub.store import Store

Group = Literal["room", "district"]
# Dates without a zone are the province's: Vietnam, UTC+7, no summer time.
VIETNAM: Final = timezone(timedelta(hours=7))
READY: Final = frozenset({"pass", "warn"})
NOT_COUNTED: Final = frozenset({"cancelled", "running", "queued"})
# CSV header: Vietnamese first (the province's leadership reads it), English in brackets.
CSV_HEADER: Final = (
    "Mã (key)",
    "Tên (name)",
    "Huyện (district)",
    "Số phòng (rooms)",
    "Giờ trực tuyến (hours online)",
    "Tỉ lệ trực tuyến (online ratio)",
    "Số lần kiểm tra (checks)",
    "Sẵn sàng (ready)",
    "Tỉ lệ đạt (pass rate)",
    "Mục lỗi nhiều nhất (failed items)",
    "Thời gian xử lý cảnh báo TB, giây (mean time to resolve, s)",
)


@dataclass(frozen=True)
class Month:
    """A calendar month in Vietnam's time zone."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``2026-11`` → Month(2026, 11); ValueError for anything else."""
        found = _MONTH.fullmatch(text.strip())
        if found is None:
            raise ValueError(f"not a month (YYYY-MM): {text!r}")
        return cls(int(found[1]), int(found[2]))

    @property
    def start(self) -> float:
        return datetime(self.year, self.month, 1, tzinfo=VIETNAM).timestamp()

    @property
    def end(self) -> float:
        """The first instant of the next month."""
        year, month = divmod(self.year * 12 + self.month, 12)  # the next month, 0-based
        return datetime(year, month + 1, 1, tzinfo=VIETNAM).timestamp()

    @property
    def iso(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """As a Vietnamese reader writes it: ``11/2026``."""
        return f"{self.month:02d}/{self.year:04d}"


# Years 2000–2999 only: no history predates the hub, and Month(9999, 12).end would overflow
# datetime (a 500 instead of a 422).
_MONTH: Final = re.compile(r"(2\d{3})-(0[1-9]|1[0-2])")


def epoch(value: datetime) -> float:
    """Epoch seconds of ``value``; a naive date or time is Vietnam's."""
    return (value if value.tzinfo else value.replace(tzinfo=VIETNAM)).timestamp()


@dataclass
class ReportRow:
    key: str  # the room id or the district
    name: str
    district: str
    rooms: int
    period_s: float
    online_s: float
    checks: int = 0
    ready: int = 0
    failed_items: list[tuple[str, int]] = field(default_factory=list)
    mean_time_to_resolve_s: float | None = None  # None: no alert resolved in the period
    alerts_resolved: int = 0

    @property
    def online_ratio(self) -> float | None:
        return self.online_s / self.period_s if self.period_s > 0 else None

    @property
    def pass_rate(self) -> float | None:
        return self.ready / self.checks if self.checks else None

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "name": self.name,
            "district": self.district,
            "rooms": self.rooms,
            "period_s": self.period_s,
            "online_s": self.online_s,
            "online_ratio": self.online_ratio,
            "checks": self.checks,
            "ready": self.ready,
            "pass_rate": self.pass_rate,
            "failed_items": [{"item": i, "count": n} for i, n in self.failed_items],
            "mean_time_to_resolve_s": self.mean_time_to_resolve_s,
            "alerts_resolved": self.alerts_resolved,
        }


def online_seconds(spans: Iterable[LinkSpan], start: float, end: float, now: float) -> float:
    """The union of the spans clipped to [start, min(end, now))."""
    stop = min(end, now)
    pieces = sorted(
        (max(sp.connected_at, start), min(sp.disconnected_at or now, stop)) for sp in spans
    )
    total, cur_a, cur_b = 0.0, None, None
    for a, b in pieces:
        if b <= a:
            continue
        if cur_b is None or a > cur_b:
            if cur_a is not None and cur_b is not None:
                total += cur_b - cur_a
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    if cur_a is not None and cur_b is not None:
        total += cur_b - cur_a
    return total


def build(
    rooms: Sequence[RoomRecord],
    spans: Sequence[LinkSpan],
    results: Sequence[StoredResult],
    *,
    start: float,
    end: float,
    now: float,
    group: Group = "room",
    resolved: Sequence[AlertRecord] = (),
) -> list[ReportRow]:
    period = max(0.0, min(end, now) - start)
    by_room: dict[str, list[LinkSpan]] = {}
    for sp in spans:
        by_room.setdefault(sp.room_id, []).append(sp)
    rows: dict[str, ReportRow] = {}
    failed: dict[str, Counter[str]] = {}
    room_key: dict[str, str] = {}
    for room in rooms:
        district = room.district or ""
        key = room.id if group == "room" else district
        room_key[room.id] = key
        row = rows.get(key)
        if row is None:
            name = (room.name or room.id) if group == "room" else district
            row = rows[key] = ReportRow(key, name, district, 0, 0.0, 0.0)
            failed[key] = Counter()
        row.rooms += 1
        row.period_s += period
        row.online_s += online_seconds(by_room.get(room.id, ()), start, end, now)
    for res in results:
        found = room_key.get(res.room_id)
        if found is None or res.status in NOT_COUNTED:
            continue
        key, row = found, rows[found]
        row.checks += 1
        row.ready += res.overall in READY
        items = res.data.get("results")
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("status") == "fail":
                failed[key][str(item.get("id", "?"))] += 1
    took: dict[str, list[float]] = {}
    for alert in resolved:
        found = room_key.get(alert.room_id)
        if found is not None and alert.resolved_at is not None:
            took.setdefault(found, []).append(max(0.0, alert.resolved_at - alert.raised_at))
    for key, row in rows.items():
        row.failed_items = sorted(failed[key].items(), key=lambda kv: (-kv[1], kv[0]))
        if took.get(key):
            row.alerts_resolved = len(took[key])
            row.mean_time_to_resolve_s = sum(took[key]) / len(took[key])
    return sorted(rows.values(), key=lambda r: (r.district, r.key))


async def make_report(
    store: Store,
    start: float,
    end: float,
    *,
    now: float,
    group: Group = "room",
    districts: Iterable[str] | None = None,
) -> list[ReportRow]:
    """The report of the rooms in ``districts`` (all when None) from the hub's database."""
    rooms = await store.list_rooms(districts=districts)
    ids = [r.id for r in rooms]
    spans = await store.link_spans(start, end, ids) if ids else []
    results = await store.results_between(start, end, ids) if ids else []
    resolved = await store.alerts_resolved_between(start, end, ids) if ids else []
    return build(
        rooms, spans, results, start=start, end=end, now=now, group=group, resolved=resolved
    )


@dataclass(frozen=True)
class MonthReport:
    """One month's report: ``rows`` by ``group`` (the chart), ``rooms`` by room (the table)."""

    month: Month
    group: Group
    rows: list[ReportRow]
    rooms: list[ReportRow]
    made_at: float  # the ``now`` it was made at: a month not yet over counts up to it


async def make_month_report(
    store: Store,
    month: Month,
    *,
    now: float,
    group: Group = "district",
    districts: Iterable[str] | None = None,
) -> MonthReport:
    """The month's report from one read of the database, built per room and per ``group``."""
    start, end = month.start, month.end
    rooms = await store.list_rooms(districts=districts)
    ids = [r.id for r in rooms]
    spans = await store.link_spans(start, end, ids) if ids else []
    results = await store.results_between(start, end, ids) if ids else []
    resolved = await store.alerts_resolved_between(start, end, ids) if ids else []
    by_room = build(
        rooms, spans, results, start=start, end=end, now=now, group="room", resolved=resolved
    )
    rows = (
        by_room
        if group == "room"
        else build(
            rooms, spans, results, start=start, end=end, now=now, group=group, resolved=resolved
        )
    )
    return MonthReport(month, group, rows, by_room, now)


def to_json(rows: Sequence[ReportRow], start: float, end: float, group: Group) -> dict[str, object]:
    return {"from": start, "to": end, "group": group, "rows": [r.as_dict() for r in rows]}


def to_csv(rows: Sequence[ReportRow]) -> bytes:
    """UTF-8 with a BOM: a spreadsheet opens the Vietnamese names right."""
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(CSV_HEADER)
    for r in rows:
        out.writerow(
            [
                r.key,
                r.name,
                r.district,
                r.rooms,
                f"{r.online_s / 3600:.2f}",
                "" if r.online_ratio is None else f"{r.online_ratio:.4f}",
                r.checks,
                r.ready,
                "" if r.pass_rate is None else f"{r.pass_rate:.4f}",
                "; ".join(f"{i} ×{n}" for i, n in r.failed_items),
                "" if r.mean_time_to_resolve_s is None else f"{r.mean_time_to_resolve_s:.0f}",
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
