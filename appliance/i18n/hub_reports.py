"""Texts of the hub's reports (keys ``hub.report.*``): the monthly PDF for the province's
leadership and the errors of a report's period. Vietnamese first: the leadership reads it."""

from __future__ import annotations

from appliance.i18n import register

register(
    {
        "hub.report.bad_month": {
            "vi": "Tháng không hợp lệ: {month} (dạng YYYY-MM, ví dụ 2026-11)",
            "en": "Not a month: {month} (YYYY-MM, e.g. 2026-11)",
        },
        "hub.report.pdf.title": {
            "vi": "Báo cáo tháng {month} — Phòng họp trực tuyến",
            "en": "Monthly report {month} — Online meeting rooms",
        },
        "hub.report.pdf.period": {
            "vi": "Từ {start} đến {end} (giờ Việt Nam) · lập lúc {made}",
            "en": "From {start} to {end} (Vietnam time) · made {made}",
        },
        "hub.report.pdf.rooms": {
            "vi": "Số điểm cầu: {rooms}",
            "en": "Rooms: {rooms}",
        },
        "hub.report.pdf.online": {
            "vi": "Thời gian trực tuyến trung bình: {online}",
            "en": "Average time online: {online}",
        },
        "hub.report.pdf.ready": {
            "vi": "Tỉ lệ sẵn sàng: {rate} ({ready}/{checks} lần kiểm tra)",
            "en": "Readiness pass rate: {rate} ({ready} of {checks} checks)",
        },
        "hub.report.pdf.chart.district": {
            "vi": "Theo huyện",
            "en": "By district",
        },
        "hub.report.pdf.chart.room": {
            "vi": "Theo điểm cầu",
            "en": "By room",
        },
        "hub.report.pdf.chart.lowest": {
            "vi": "{shown} thấp nhất trong {total}",
            "en": "the {shown} lowest of {total}",
        },
        "hub.report.pdf.legend.online": {
            "vi": "Thời gian trực tuyến (%)",
            "en": "Time online (%)",
        },
        "hub.report.pdf.legend.ready": {
            "vi": "Tỉ lệ sẵn sàng (%)",
            "en": "Readiness pass rate (%)",
        },
        "hub.report.pdf.worst": {
            "vi": "Điểm cầu trực tuyến ít nhất",
            "en": "Rooms least online",
        },
        "hub.report.pdf.col.room": {"vi": "Điểm cầu", "en": "Room"},
        "hub.report.pdf.col.district": {"vi": "Huyện", "en": "District"},
        "hub.report.pdf.col.online": {"vi": "Trực tuyến", "en": "Online"},
        "hub.report.pdf.col.ready": {"vi": "Sẵn sàng", "en": "Ready"},
        "hub.report.pdf.failed": {
            "vi": "Mục kiểm tra lỗi nhiều nhất",
            "en": "Most failed check items",
        },
        "hub.report.pdf.col.item": {"vi": "Mục kiểm tra", "en": "Check item"},
        "hub.report.pdf.col.count": {"vi": "Số lần lỗi", "en": "Failures"},
        "hub.report.pdf.none_failed": {
            "vi": "Không có mục nào lỗi trong tháng",
            "en": "No item failed this month",
        },
        "hub.report.pdf.no_rooms": {
            "vi": "Chưa có điểm cầu nào",
            "en": "No rooms yet",
        },
    }
)
