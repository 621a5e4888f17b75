"""Options shared by every ``appliance`` command group."""

from __future__ import annotations

from typing import Any

import typer

from appliance.i18n import parse_lang, t

LANG_HELP = "vi (default) or en."


def _check_lang(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_lang(value)
    except ValueError:
        # Nobody knows yet which language the reader wants: say it in both.
        raise typer.BadParameter(t("cli.lang.unsupported", "vi", value=value)) from None


def lang_option(default: str | None = "vi") -> Any:  # typer.Option's own return type is Any
    """``--lang vi|en``: anything else is a usage error (exit 2), never a silent default."""
    return typer.Option(default, "--lang", help=LANG_HELP, callback=_check_lang)
