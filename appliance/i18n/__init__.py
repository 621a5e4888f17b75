"""Vietnamese-first message catalogue, kept in gettext ``.po`` files.

Every text a technician or operator reads goes through :func:`t` (or :func:`nt` when it
counts something). Vietnamese is the default language; English is the alternative.

    from appliance.i18n import nt, t
    t("camera.power.on", "en")                 # -> "Camera is on"
    t("camera.preset.stored", n=3)             # -> "Đã lưu vị trí đặt sẵn 3"
    nt("camera.info.chain", 1, "en", count=1)  # -> "The serial chain holds 1 camera"

The texts live in ``appliance/locale/<lang>/LC_MESSAGES/messages.po`` (``vi`` and ``en``),
made from the template ``appliance/locale/messages.pot``; they are read with Babel the
first time a language is asked for. A msgid is the key the code asks for
(``hub.alert.firing``) and the msgstr its text, ``{name}`` placeholders filled by
:meth:`str.format` (flag ``python-brace-format``). Two contexts (msgctxt) hold texts of the
command line that are not keys: ``cli_help`` (msgid = a ``--help`` text as written in
English in the code, see :mod:`appliance.cli.language`) and ``cli_panel`` (typer's panel
titles, msgid = the setting's name in ``typer.rich_utils``).

Translating
-----------
1. ``make i18n-extract`` — ``pybabel extract`` (``babel.cfg``: ``t()``/``nt()`` calls in
   the Python code, ``_()`` in the dashboard's Jinja templates, ``T()`` in its scripts)
   writes ``messages.pot``; entries the code builds at run time (``t(f"status.{s}")``) and
   the ``cli_*`` contexts are kept from the ``vi`` catalogue (:mod:`appliance.i18n.extract`);
   ``pybabel update`` then adds the new msgids to both ``.po`` files, empty.
2. Open ``appliance/locale/vi/LC_MESSAGES/messages.po`` (then ``en``) in Poedit (or any PO
   editor) and fill each empty or fuzzy entry. Keep every ``{name}`` of the other
   language; a plural entry (``msgid_plural``) has one form in Vietnamese
   (``nplurals=1``) and two in English (singular, plural).
3. ``.venv/bin/python -m pytest tests/test_i18n_catalogue.py`` fails on any text lacking
   its Vietnamese or English, a fuzzy entry, placeholders that differ between the two
   languages, or a key used in the code that the catalogue does not hold.

Nothing is compiled: the ``.po`` files are read directly (and ship in the wheel).
"""

from __future__ import annotations

import gettext
import string
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from appliance.i18n.validation import translate_detail

Lang = Literal["vi", "en"]
LANGS: Final[tuple[Lang, ...]] = ("vi", "en")
DEFAULT_LANG: Final[Lang] = "vi"

LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "locale"
DOMAIN: Final = "messages"
CLI_HELP: Final = "cli_help"
"""msgctxt of the command line's ``--help`` texts (msgid = the English text in the code)."""
CLI_PANEL: Final = "cli_panel"
"""msgctxt of typer's panel titles (msgid = the ``typer.rich_utils`` setting)."""


def po_path(lang: str) -> Path:
    """The ``.po`` file of ``lang``."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


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

    An unknown (or untranslated) key returns the key itself, so a missing translation is
    visible instead of crashing a check or a page.
    """
    language = normalize_lang(lang)
    forms = _catalogue(language).texts.get((None, key))
    if forms is None:
        return key
    return _fill(forms[0], language, params)


def nt(key: str, n: int, lang: str | None = None, /, **params: object) -> str:
    """:func:`t` for a text that counts ``n`` things (gettext's ``ngettext``): the form the
    language's ``Plural-Forms`` picks for ``n``. ``{n}`` in the text is ``n`` unless a
    parameter of that name is given."""
    language = normalize_lang(lang)
    catalogue = _catalogue(language)
    forms = catalogue.texts.get((None, key))
    if forms is None:
        return key
    text = forms[min(catalogue.plural(n), len(forms) - 1)]
    return _fill(text, language, {"n": n, **params})


def pt(context: str, msgid: str, lang: str | None = None) -> str:
    """The text of ``msgid`` in ``context`` (gettext's ``pgettext``), unfilled; ``msgid``
    itself when the catalogue has none."""
    forms = _catalogue(normalize_lang(lang)).texts.get((context, msgid))
    return msgid if forms is None else forms[0]


def entries(context: str, lang: str | None = None) -> dict[str, str]:
    """Every ``msgid → text`` of ``context`` in ``lang`` (e.g. typer's panel titles)."""
    texts = _catalogue(normalize_lang(lang)).texts
    return {msgid: forms[0] for (ctx, msgid), forms in texts.items() if ctx == context}


def template(key: str, lang: str) -> str:
    """The raw text of ``key`` in ``lang`` (placeholders unfilled; a plural entry's first
    form); ``KeyError`` when the key is unknown — for tests and tools, where a missing
    text must not pass unseen."""
    return _catalogue(normalize_lang(lang)).texts[(None, key)][0]


def plural_forms(key: str, lang: str) -> tuple[str, ...]:
    """Every form of ``key`` in ``lang`` (one for a text that does not count)."""
    return _catalogue(normalize_lang(lang)).texts[(None, key)]


def is_plural(key: str) -> bool:
    """True when ``key`` is a plural entry (``msgid_plural``): ask for it with :func:`nt`."""
    return key in _catalogue(DEFAULT_LANG).plural_keys


def has(key: str, context: str | None = None) -> bool:
    """True when ``key`` (in ``context``) is in the catalogue, translated."""
    return (context, key) in _catalogue(DEFAULT_LANG).texts


def keys() -> list[str]:
    """Every key (no context) of the catalogue, for tests that check both languages."""
    texts = _catalogue(DEFAULT_LANG).texts
    return sorted(key for ctx, key in texts if ctx is None)


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of ``text`` (``{n:.1f}`` → ``n``)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# -- loading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Catalogue:
    texts: Mapping[tuple[str | None, str], tuple[str, ...]]
    plural_keys: frozenset[str]
    plural: Callable[[int], int]


_catalogues: dict[Lang, _Catalogue] = {}
_loading = threading.Lock()


def _catalogue(lang: Lang) -> _Catalogue:
    found = _catalogues.get(lang)
    if found is not None:
        return found
    with _loading:  # pages and checks may ask from several threads at the first request
        if lang not in _catalogues:
            _catalogues[lang] = _read(po_path(lang))
        return _catalogues[lang]


def _read(path: Path) -> _Catalogue:
    """The translated, non-fuzzy entries of one ``.po`` file (as ``msgfmt`` would keep)."""
    from babel.messages.pofile import read_po  # ~30 ms: only when a text is first asked for

    with path.open("rb") as source:
        catalog = read_po(source, ignore_obsolete=True)
    texts: dict[tuple[str | None, str], tuple[str, ...]] = {}
    plural_keys: set[str] = set()
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string
        forms = (string,) if isinstance(string, str) else tuple(string or ())
        if not forms or not all(forms):
            continue  # untranslated: the key shows, as for an unknown one
        texts[(message.context, msgid)] = forms
        if message.pluralizable:
            plural_keys.add(msgid)
    return _Catalogue(texts, frozenset(plural_keys), gettext.c2py(catalog.plural_expr))


def _fill(template: str, language: Lang, params: Mapping[str, object]) -> str:
    if language != "en":  # a driver's English detail inside a Vietnamese sentence
        params = {k: translate_detail(v, language) if isinstance(v, str) else v
                  for k, v in params.items()}  # fmt: skip
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
