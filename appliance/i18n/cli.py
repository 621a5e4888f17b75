"""Texts of the command line itself (keys start with ``cli.``): usage errors, shared options."""

from __future__ import annotations

from appliance.i18n import register

_LANG_UNSUPPORTED = (
    "ngôn ngữ {value!r} không được hỗ trợ: chỉ có vi hoặc en / "
    "language {value!r} is not supported: vi or en only"
)

register(
    {
        "cli.lang.unsupported": {"vi": _LANG_UNSUPPORTED, "en": _LANG_UNSUPPORTED},
        "cli.aborted": {"vi": "Đã hủy.", "en": "Aborted."},
    }
)
