"""Vietnamese-first message catalogue.

Every text a technician or operator reads goes through :func:`t`. Vietnamese is the
default language; English is the alternative. Each domain keeps its own catalogue
module (``appliance/i18n/<domain>.py``) that calls :func:`register` at import, so
parallel work on different domains never edits the same file.

    from appliance.i18n import t
    t("camera.power.on", lang="en")            # -> "Camera is on"
    t("camera.preset.stored", n=3)             # -> "Đã lưu vị trí đặt sẵn 3"
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Final, Literal

from appliance.i18n.validation import translate_detail

Lang = Literal["vi", "en"]
LANGS: Final[tuple[Lang, ...]] = ("vi", "en")
DEFAULT_LANG: Final[Lang] = "vi"

# Domain catalogue modules loaded on first use; each registers its keys.
_DOMAINS: Final[tuple[str, ...]] = (
    "common",
    "camera",
    "checks",
    "agent",
    "display",
    "demo",
    "demo_province",
    "web",
    "link",
    "hub_accounts",
    "hub_fleet",
    "hub_schedule",
    "hub_reports",
    "hub_alerts",
    "cli",
    "follow",
)

_catalog: dict[str, dict[str, str]] = {}
_loaded = False


def register(entries: Mapping[str, Mapping[str, str]]) -> None:
    """Add ``{key: {"vi": ..., "en": ...}}`` entries; a key may be registered once."""
    for key, texts in entries.items():
        if key in _catalog and _catalog[key] != dict(texts):
            raise ValueError(f"i18n key registered twice with different texts: {key}")
        missing = [lang for lang in LANGS if lang not in texts]
        if missing:
            raise ValueError(f"i18n key {key} lacks {', '.join(missing)}")
        _catalog[key] = dict(texts)


def normalize_lang(lang: str | None) -> Lang:
    """Map user input (``vi``, ``VI``, ``en-US``, None) to a supported language."""
    if not lang:
        return DEFAULT_LANG
    short = lang.strip().lower()[:2]
    return "en" if short == "en" else "vi"


def parse_lang(value: str) -> Lang:
    """Strict form of :func:`normalize_lang` for a language someone typed (``--lang``):
    ``vi``/``en`` with an optional region (``en-US``, ``vi_VN``); ValueError otherwise,
    so ``--lang fr`` is refused instead of silently giving Vietnamese."""
    short, sep, region = value.strip().lower().replace("_", "-").partition("-")
    if short not in LANGS or (sep and not region.isalpha()):
        raise ValueError(f"unsupported language {value!r} (vi or en)")
    return "en" if short == "en" else "vi"


def t(key: str, lang: str | None = None, /, **params: object) -> str:
    """Return the text for ``key`` in ``lang`` with ``{name}`` placeholders filled.

    An unknown key returns the key itself, so a missing translation is visible
    instead of crashing a check or a page.
    """
    _load()
    texts = _catalog.get(key)
    if texts is None:
        return key
    language = normalize_lang(lang)
    template = texts[language]
    if language != "en":  # a driver's English detail inside a Vietnamese sentence
        params = {k: translate_detail(v, language) if isinstance(v, str) else v
                  for k, v in params.items()}  # fmt: skip
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def template(key: str, lang: str) -> str:
    """The raw text of ``key`` in ``lang`` (placeholders unfilled); ``KeyError`` when the
    key is unknown — for tests and tools, where a missing text must not pass unseen."""
    _load()
    return _catalog[key][normalize_lang(lang)]


def has(key: str) -> bool:
    """True when ``key`` is in the catalogue."""
    _load()
    return key in _catalog


def keys() -> list[str]:
    """Every registered key (for tests that check both languages are complete)."""
    _load()
    return sorted(_catalog)


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for domain in _DOMAINS:
        importlib.import_module(f"appliance.i18n.{domain}")
