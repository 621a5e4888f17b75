"""Texts of the hub's alerts (keys ``hub.alert.*``): notifications, e-mail, API errors."""

from __future__ import annotations

from appliance.i18n import register

register(
    {
        "hub.alert.rule.offline": {
            "vi": "mất kết nối với trung tâm",
            "en": "lost its link to the hub",
        },
        "hub.alert.rule.check_failed": {
            "vi": "kiểm tra sẵn sàng không đạt",
            "en": "failed its readiness check",
        },
        "hub.alert.rule.device_lost": {
            "vi": "mất thiết bị {device}",
            "en": "lost device {device}",
        },
        "hub.alert.firing": {
            "vi": "Điểm cầu {room} ({district}): {what}",
            "en": "Room {room} ({district}): {what}",
        },
        "hub.alert.resolved": {
            "vi": "Đã khắc phục — điểm cầu {room} ({district}): {what}",
            "en": "Resolved — room {room} ({district}): {what}",
        },
        "hub.alert.began": {
            "vi": "Bắt đầu lúc {at} (giờ Việt Nam)",
            "en": "Began at {at} (Vietnam time)",
        },
        "hub.alert.ended": {
            "vi": "Kết thúc lúc {at}",
            "en": "Ended at {at}",
        },
        "hub.alert.mail_tag": {
            "vi": "[Cảnh báo]",
            "en": "[Alert]",
        },
        "hub.alert.mail_tag_resolved": {
            "vi": "[Đã khắc phục]",
            "en": "[Resolved]",
        },
        "hub.alert.failed_items": {
            "vi": "Mục không đạt: {items}",
            "en": "Failed items: {items}",
        },
        "hub.alert.offline_reason": {
            "vi": "Lý do: {reason}",
            "en": "Reason: {reason}",
        },
        "hub.alert.device_state": {
            "vi": "Trạng thái thiết bị: {state} {error}",
            "en": "Device state: {state} {error}",
        },
        "hub.alert.not_found": {
            "vi": "Không có cảnh báo số {id}",
            "en": "No alert {id}",
        },
        "hub.alert.not_open": {
            "vi": "Cảnh báo số {id} không còn mở (đã xác nhận hoặc đã khắc phục)",
            "en": "Alert {id} is not open (acknowledged or resolved already)",
        },
    }
)
