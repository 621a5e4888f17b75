"""Texts shared by every command and page."""

from __future__ import annotations

from appliance.i18n import register

register(
    {
        "common.yes": {"vi": "có", "en": "yes"},
        "common.no": {"vi": "không", "en": "no"},
        "common.error": {"vi": "Lỗi", "en": "Error"},
        "common.ok": {"vi": "Đạt", "en": "OK"},
        "status.pass": {"vi": "ĐẠT", "en": "PASS"},
        "status.warn": {"vi": "CẢNH BÁO", "en": "WARN"},
        "status.fail": {"vi": "LỖI", "en": "FAIL"},
        "status.skip": {"vi": "BỎ QUA", "en": "SKIP"},
    }
)
