"""Texts of the hub's meeting schedule (keys ``hub.meeting.*``)."""

from __future__ import annotations

from appliance.i18n import register

register(
    {
        "hub.meeting.no_title": {
            "vi": "Cuộc họp cần có tiêu đề",
            "en": "A meeting needs a title",
        },
        "hub.meeting.ends_before_start": {
            "vi": "Giờ kết thúc phải sau giờ bắt đầu",
            "en": "The meeting must end after it starts",
        },
        "hub.meeting.too_long": {
            "vi": "Một cuộc họp kéo dài tối đa 24 giờ",
            "en": "A meeting lasts at most 24 hours",
        },
        "hub.meeting.bad_check_before": {
            "vi": "Thời gian kiểm tra trước giờ họp phải từ 0 đến 24 giờ",
            "en": "The check before the meeting must be 0 to 24 hours ahead",
        },
        "hub.meeting.no_rooms": {
            "vi": "Cuộc họp cần ít nhất một điểm cầu",
            "en": "A meeting needs at least one room",
        },
        "hub.meeting.bad_until": {
            "vi": "Ngày kết thúc lặp lại chỉ dùng cho họp hằng tuần và phải sau buổi đầu tiên",
            "en": "'until' is for a weekly meeting and must be after its first start",
        },
        "hub.meeting.unknown_rooms": {
            "vi": "Không có điểm cầu: {rooms}",
            "en": "No such room: {rooms}",
        },
        "hub.meeting.not_found": {
            "vi": "Không có cuộc họp số {id}",
            "en": "No meeting {id}",
        },
        "hub.meeting.ical_invalid": {
            "vi": "Tệp lịch (iCalendar) không hợp lệ, chưa nhập gì: {detail}",
            "en": "Invalid calendar (iCalendar) file, nothing imported: {detail}",
        },
        "hub.meeting.in_meeting": {
            "vi": "Điểm cầu đang họp ({title}); bỏ qua, dùng force để vẫn chạy",
            "en": "The room is in a meeting ({title}); skipped, use force to run anyway",
        },
        "hub.meeting.bad_period": {
            "vi": "Khoảng thời gian không hợp lệ: 'to' phải sau 'from', tối đa 366 ngày",
            "en": "Invalid period: 'to' must be after 'from', at most 366 days",
        },
        "hub.cli.meetings_imported": {
            "vi": "Đã nhập {created} cuộc họp mới, cập nhật {updated} cuộc họp",
            "en": "Imported {created} new meetings, updated {updated}",
        },
    }
)
