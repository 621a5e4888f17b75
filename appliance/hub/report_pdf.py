"""A month's report on one A4 page, for the province's leadership (issue 11): a PDF.

    pdf = render_month_pdf(await make_month_report(store, Month.parse("2026-11"), now=...))

From the top: the title (``Báo cáo tháng 11/2026 — Phòng họp trực tuyến``), the period,
three figures (rooms, average time online, readiness pass rate), a horizontal bar chart of
time online and pass rate per district or room (the lowest first), then two tables: the
rooms least online and the check items that failed most.

matplotlib is imported inside :func:`render_month_pdf`, never at module level: the hub
would otherwise pay its import (about half a second and tens of MB) at every start for a
page asked for once a month. No pyplot: a bare ``Figure`` has no global figure list to
leak into and picks no GUI backend (the hub runs headless); ``savefig(format="pdf")``
draws with matplotlib's PDF backend.

Text is DejaVu Sans, which matplotlib bundles (no system font needed) and which has every
precomposed Vietnamese letter (ạ, ế, ự…). Fonts are embedded as TrueType
(``pdf.fonttype`` 42) rather than matplotlib's default Type 3 glyph procedures, so readers
render and search the text as text and ``pdftotext`` gets the Vietnamese back.
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

from appliance.hub.reports import VIETNAM, MonthReport, ReportRow
from appliance.i18n import t

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PAGE_SIZE_IN: Final = (8.27, 11.69)  # A4, 210 × 297 mm
FONT: Final = "DejaVu Sans"
ONLINE_COLOUR: Final = "#1f5fa8"  # tests look for this blue in the rendered page
READY_COLOUR: Final = "#e8912d"
HEADER_COLOUR: Final = "#e6e9ef"
# Bars that still read on one page (a province has about 30 districts; rooms beyond this
# are cut to the lowest, which are the ones the leadership asks about).
MAX_BARS: Final = 30
MIN_BAR_SLOTS: Final = 8  # a district or two must not draw bars a page wide
TABLE_ROWS: Final = 8
NAME_CHARS: Final = 40
NONE: Final = "—"

# matplotlib's rcParams are one dict for the process and rc_context swaps them in place:
# two renders at once (two requests in the hub's threads) would restore each other's.
_RENDER_LOCK: Final = threading.Lock()


def render_month_pdf(
    report: MonthReport, *, month_label: str | None = None, lang: str = "vi"
) -> bytes:
    """The report as a one-page A4 PDF in ``lang`` (``vi`` or ``en``)."""
    import matplotlib
    from matplotlib.figure import Figure

    label = month_label or report.month.label
    title = t("hub.report.pdf.title", lang, month=label)
    with (
        _RENDER_LOCK,
        matplotlib.rc_context(
            {
                "pdf.fonttype": 42,
                "font.family": "sans-serif",
                "font.sans-serif": [FONT],
                # A room called "Phòng $1" must not be read as mathtext.
                "text.parse_math": False,
            }
        ),
    ):
        fig = Figure(figsize=PAGE_SIZE_IN)
        _header(fig, report, title, lang)
        _chart(fig.add_axes((0.34, 0.49, 0.58, 0.31)), report, lang)
        _worst_rooms(fig.add_axes((0.06, 0.235, 0.88, 0.17)), report.rooms, lang)
        _failed_items(fig.add_axes((0.06, 0.03, 0.88, 0.17)), report.rooms, lang)
        out = io.BytesIO()
        fig.savefig(out, format="pdf", metadata={"Title": title, "Subject": report.month.iso})
    return out.getvalue()


def percent(value: float | None, lang: str) -> str:
    """``0.375`` → ``37,5%`` in Vietnamese (decimal comma), ``37.5%`` in English."""
    if value is None:
        return NONE
    text = f"{value * 100:.1f}%"
    return text.replace(".", ",") if lang == "vi" else text


def _header(fig: Figure, report: MonthReport, title: str, lang: str) -> None:
    rooms = report.rooms
    period = sum(r.period_s for r in rooms)
    online = sum(r.online_s for r in rooms) / period if period > 0 else None
    checks = sum(r.checks for r in rooms)
    ready = sum(r.ready for r in rooms)
    last_day = datetime.fromtimestamp(report.month.end - 1, VIETNAM)
    made = datetime.fromtimestamp(report.made_at, VIETNAM)
    fig.text(0.06, 0.955, title, fontsize=16, fontweight="bold")
    fig.text(
        0.06,
        0.932,
        t(
            "hub.report.pdf.period",
            lang,
            start=f"01/{report.month.label}",
            end=last_day.strftime("%d/%m/%Y"),
            made=made.strftime("%d/%m/%Y %H:%M"),
        ),
        fontsize=9,
        color="#555555",
    )
    lines = (
        t("hub.report.pdf.rooms", lang, rooms=len(rooms)),
        t("hub.report.pdf.online", lang, online=percent(online, lang)),
        t(
            "hub.report.pdf.ready",
            lang,
            rate=percent(ready / checks if checks else None, lang),
            ready=ready,
            checks=checks,
        ),
    )
    for i, line in enumerate(lines):
        fig.text(0.06, 0.895 - i * 0.022, line, fontsize=11)


def _chart(ax: Axes, report: MonthReport, lang: str) -> None:
    heading = t(f"hub.report.pdf.chart.{report.group}", lang)
    rows = sorted(report.rows, key=lambda r: (r.online_ratio or 0.0, r.key))
    if len(rows) > MAX_BARS:
        heading += f" ({t('hub.report.pdf.chart.lowest', lang, shown=MAX_BARS, total=len(rows))})"
        rows = rows[:MAX_BARS]
    ax.set_title(heading, loc="left", fontsize=11, fontweight="bold")
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter("{x:.0f}%")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not rows:
        ax.set_yticks([])
        ax.text(50, 0.5, t("hub.report.pdf.no_rooms", lang), ha="center", fontsize=10)
        return
    height = 0.38
    ys = list(range(len(rows)))
    online = [100 * (r.online_ratio or 0.0) for r in rows]
    ready = [100 * (r.pass_rate or 0.0) for r in rows]
    below, above = [y - height / 2 for y in ys], [y + height / 2 for y in ys]
    ax.barh(
        below, online, height, color=ONLINE_COLOUR, label=t("hub.report.pdf.legend.online", lang)
    )
    ax.barh(above, ready, height, color=READY_COLOUR, label=t("hub.report.pdf.legend.ready", lang))
    small = 7 if len(rows) > 15 else 8
    for row, y0, y1, a, b in zip(rows, below, above, online, ready, strict=True):
        ax.text(a + 0.8, y0, percent(row.online_ratio, lang), va="center", fontsize=small)
        ax.text(b + 0.8, y1, percent(row.pass_rate, lang), va="center", fontsize=small)
    ax.set_yticks(ys, [_short(r.name or r.key, 28) for r in rows], fontsize=small + 1)
    ax.set_ylim(max(len(rows), MIN_BAR_SLOTS) - 0.5, -0.5)  # first row on top
    # Below the axis, not inside it: every corner of the chart may hold a bar.
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.06), ncols=2, fontsize=8, frameon=False)


def _worst_rooms(ax: Axes, rooms: Sequence[ReportRow], lang: str) -> None:
    worst = sorted(
        rooms,
        key=lambda r: (
            r.online_ratio or 0.0,
            1.0 if r.pass_rate is None else r.pass_rate,
            r.key,
        ),
    )[:TABLE_ROWS]
    cells = [
        [
            _short(r.name or r.key, NAME_CHARS),
            _short(r.district, 24),
            percent(r.online_ratio, lang),
            percent(r.pass_rate, lang),
        ]
        for r in worst
    ]
    cols = ("room", "district", "online", "ready")
    _table(ax, t("hub.report.pdf.worst", lang), cols, cells, (0.48, 0.26, 0.13, 0.13), lang)


def _failed_items(ax: Axes, rooms: Sequence[ReportRow], lang: str) -> None:
    counts: Counter[str] = Counter()
    for room in rooms:
        counts.update(dict(room.failed_items))
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TABLE_ROWS]
    cells = [[item, str(n)] for item, n in top]
    heading = t("hub.report.pdf.failed", lang)
    _table(ax, heading, ("item", "count"), cells, (0.74, 0.26), lang)
    if not cells:
        ax.text(0.0, 0.7, t("hub.report.pdf.none_failed", lang), fontsize=9, color="#555555")


def _table(
    ax: Axes,
    heading: str,
    cols: Sequence[str],
    cells: list[list[str]],
    widths: Sequence[float],
    lang: str,
) -> None:
    from matplotlib.transforms import Bbox

    ax.set_axis_off()
    ax.set_title(heading, loc="left", fontsize=11, fontweight="bold")
    if not cells:
        return
    height = (len(cells) + 1) / (TABLE_ROWS + 1)  # rows as tall however many there are
    table = ax.table(
        cellText=cells,
        colLabels=[t(f"hub.report.pdf.col.{c}", lang) for c in cols],
        colWidths=list(widths),
        cellLoc="left",
        bbox=Bbox.from_bounds(0.0, 1.0 - height, sum(widths), height),
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8.5)
    for (row, _), cell in table.get_celld().items():
        cell.set_edgecolor("#cccccc")
        if row == 0:
            cell.set_facecolor(HEADER_COLOUR)
            cell.get_text().set_fontweight("bold")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
