"""One-time conversion of the Python dict catalogues to gettext (issue 12), kept for history.

    .venv/bin/python scripts/i18n_to_po.py      (run once, at the commit that made the .po files)

Before the gettext catalogues, every text lived in ``appliance/i18n/<domain>.py`` modules
calling ``register({key: {"vi": ..., "en": ...}})``, and the command line's Vietnamese help
in ``appliance/i18n/cli_help.py`` (``HELP_VI``, ``PANELS_VI``). This script read them and
wrote ``appliance/locale/messages.pot`` and the ``vi``/``en`` ``messages.po`` files:

* a product text: msgid = its key (``hub.alert.firing``), msgstr = the text;
* a ``--help`` text: msgctxt ``cli_help``, msgid = the English text in the code;
* a typer panel setting: msgctxt ``cli_panel``, msgid = the setting's name in
  ``typer.rich_utils``; the English msgstr is typer's own text.

The dict modules are gone since that commit, so it no longer runs on the current tree
(check out the commit before it to run it again); the .po files are the source of truth.
"""

from __future__ import annotations

import importlib
import string
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "appliance" / "locale"
HELP_CONTEXT = "cli_help"
PANEL_CONTEXT = "cli_panel"
TRANSLATORS = "room-appliance contributors"


def _has_placeholder(text: str) -> bool:
    return any(name is not None for _, name, _, _ in string.Formatter().parse(text))


def _entries() -> list[tuple[str | None, str, str, str]]:
    """(context, msgid, vi, en) of every text."""
    from typer import rich_utils

    i18n = importlib.import_module("appliance.i18n")
    i18n._load()
    catalog: dict[str, dict[str, str]] = i18n._catalog
    cli_help = importlib.import_module("appliance.i18n.cli_help")
    rows: list[tuple[str | None, str, str, str]] = [
        (None, key, texts["vi"], texts["en"]) for key, texts in sorted(catalog.items())
    ]
    rows += [(HELP_CONTEXT, en, vi, en) for en, vi in sorted(cli_help.HELP_VI.items())]
    rows += [
        (PANEL_CONTEXT, name, vi, getattr(rich_utils, name))
        for name, vi in sorted(cli_help.PANELS_VI.items())
    ]
    return rows


def main() -> None:
    rows = _entries()
    header = {
        "project": "room-appliance",
        "msgid_bugs_address": "",
        "copyright_holder": "room-appliance contributors",
    }
    pot = Catalog(**header)
    catalogs = {
        lang: Catalog(locale=lang, fuzzy=False, last_translator=TRANSLATORS, **header)
        for lang in ("vi", "en")
    }
    for context, msgid, vi, en in rows:
        # typer fills the panel settings itself (rich markup and "{}"), not t().
        brace = context != PANEL_CONTEXT and (_has_placeholder(vi) or _has_placeholder(en))
        for catalog, text in ((pot, ""), (catalogs["vi"], vi), (catalogs["en"], en)):
            message = catalog.add(msgid, text, context=context)
            if brace:  # Babel derives the flag from the msgid (a key here): set it after
                message.flags.add("python-brace-format")
    LOCALE.mkdir(parents=True, exist_ok=True)
    with LOCALE.joinpath("messages.pot").open("wb") as out:
        write_po(out, pot, width=100, omit_header=False)
    for lang, catalog in catalogs.items():
        path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            write_po(out, catalog, width=100)


if __name__ == "__main__":
    main()
