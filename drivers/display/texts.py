"""Texts of the display driver, Vietnamese first (keys start with ``display.``).

The driver renders some of them onto the screen itself (the slate title, weekday names),
so it cannot wait for the appliance layer; ``drivers/`` does not import ``appliance/``.
The appliance's pages and CLI read the same texts from its gettext catalogues
(``appliance/locale``, the ``display.*`` entries); ``tests/test_i18n_catalogue.py`` fails
when the two differ, so a translator who changes one is told to change the other.
"""

from __future__ import annotations

from typing import Final

CATALOGUE: Final[dict[str, dict[str, str]]] = {
    "display.slate.title": {"vi": "Phòng họp sẵn sàng", "en": "Meeting room ready"},
    "display.state.idle": {"vi": "không phát", "en": "idle"},
    "display.state.opening": {"vi": "đang mở", "en": "opening"},
    "display.state.playing": {"vi": "đang phát", "en": "playing"},
    "display.state.error": {"vi": "lỗi", "en": "error"},
    "display.state.ended": {"vi": "đã phát hết", "en": "ended"},
    "display.content.none": {"vi": "không có nội dung", "en": "nothing"},
    "display.content.pattern": {"vi": "ảnh kiểm tra (sọc màu)", "en": "test pattern (bars)"},
    "display.content.slate": {"vi": "màn hình chờ", "en": "room-ready slate"},
    "display.content.url": {"vi": "luồng/tệp", "en": "stream/file"},
    "display.screen.none": {
        "vi": "không có màn hình (chạy không giao diện, --vout=dummy)",
        "en": "no screen (headless, --vout=dummy)",
    },
    "display.cec.not_available": {
        "vi": "không có bộ chuyển đổi HDMI-CEC",
        "en": "no HDMI-CEC adapter",
    },
}

# Weekday names for the clock line, Monday first (datetime.weekday()).
WEEKDAYS: Final[dict[str, tuple[str, ...]]] = {
    "vi": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def text(key: str, lang: str | None = None) -> str:
    """The text for ``key`` in ``lang`` (``vi`` unless ``en``); the key itself if unknown."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    return entry[_lang(lang)]


def weekday(index: int, lang: str | None = None) -> str:
    """Weekday name, ``index`` as ``datetime.weekday()`` gives it."""
    return WEEKDAYS[_lang(lang)][index % 7]


def _lang(lang: str | None) -> str:
    return "en" if lang and lang.strip().lower().startswith("en") else "vi"
