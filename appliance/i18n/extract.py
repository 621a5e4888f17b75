"""Babel extraction methods for the message catalogue (``babel.cfg``, ``make i18n-extract``).

Our msgids are keys (``hub.alert.firing``), not English sentences, so Babel's own Python
extractor does not fit: it would take any string given to ``text()`` or ``say()`` and glue
the two branches of ``t("a" if x else "b")`` into one msgid. These read the code with
:mod:`ast` instead and yield only literal dotted keys:

* :func:`python_keys` — ``t("key", …)`` and the helpers that pass a key on to it
  (:data:`TEXT_CALLS`), both branches of a conditional key; ``nt("key", n, …)`` as a
  plural entry (msgid and msgid_plural both the key). A key built at run time
  (``t(f"status.{s}")``) cannot be found: :func:`dynamic_prefixes` lists their families.
* :func:`script_keys` — ``T("web.…")`` in the dashboard's scripts.
* :func:`kept_entries` — the entries of the Vietnamese catalogue that no call names, so
  the keys the code builds at run time, the command line's ``cli_help``/``cli_panel``
  texts and the config keys' descriptions (``config_doc``, docs/CONFIG.md) stay in the
  template. An entry is removed from the catalogue by hand.

The dashboard's templates use Jinja's own extractor (``_("web.…")``).

``pybabel update`` drops the ``python-brace-format`` flag (Babel decides it from the
msgid, a key here); ``python -m appliance.i18n.extract`` puts it back, last step of
``make i18n-extract``.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

TEXT_CALLS: Final = frozenset({"t", "text", "say", "_say", "echo_t"})
"""Calls whose first argument is a key (``t`` itself and the helpers that wrap it)."""
PLURAL_CALLS: Final = frozenset({"nt"})
KEY: Final = re.compile(r"[a-z_]+(\.[a-z0-9_-]+)+")
_SCRIPT_KEY: Final = re.compile(r"""\bT\(\s*["'](web\.[a-z0-9_.-]*[a-z0-9_])["']""")
_TEMPLATE_KEY: Final = re.compile(r"""\b_\(\s*["'](web\.[a-z0-9_.-]*[a-z0-9_])["']""")
ROOT: Final = Path(__file__).resolve().parents[2]
"""The source tree (extraction runs on a checkout, not on an installed wheel)."""
BRACE_FORMAT: Final = "python-brace-format"
CONFIG_DOC: Final = "config_doc"
"""msgctxt of the config keys' descriptions (msgid = the English text beside the field)."""

# (line, funcname, messages, comments) as Babel's extract() wants: funcname "" is one
# msgid, "ngettext" (msgid, msgid_plural), "pgettext" (context, msgid).
Extracted = tuple[int, str, str | tuple[str, ...], list[str]]


def calls_with_keys(tree: ast.AST) -> Iterator[tuple[int, str, bool]]:
    """(line, key, plural) of every literal key passed to a text call in ``tree``."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in TEXT_CALLS and name not in PLURAL_CALLS:
            continue
        for key in _literal_strings(node.args[0]):
            if KEY.fullmatch(key):
                yield node.lineno, key, name in PLURAL_CALLS


def dynamic_prefixes(tree: ast.AST) -> Iterator[str]:
    """The literal start of every key built with an f-string in a text call
    (``t(f"hub.alert.rule.{rule}")`` → ``hub.alert.rule.``)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        first = node.args[0]
        if name in TEXT_CALLS | PLURAL_CALLS and isinstance(first, ast.JoinedStr):
            head = first.values[0] if first.values else None
            if isinstance(head, ast.Constant) and isinstance(head.value, str):
                yield head.value


def python_keys(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[Extracted]:
    """Babel extraction method for Python files (see the module docstring)."""
    tree = ast.parse(fileobj.read())
    for line, key, plural in sorted(calls_with_keys(tree)):
        yield (line, "ngettext", (key, key), []) if plural else (line, "", key, [])


def script_keys(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[Extracted]:
    """Babel extraction method for the dashboard's scripts: ``T("web.…")`` keys (a key
    ending in a dot is a family built at run time, left out)."""
    text = fileobj.read().decode("utf-8")
    for match in _SCRIPT_KEY.finditer(text):
        yield text.count("\n", 0, match.start()) + 1, "", match.group(1), []


def kept_entries(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[Extracted]:
    """Babel extraction method for the Vietnamese ``.po`` file: its entries that no call
    in the code names, so they stay in the template (see the module docstring)."""
    from babel.messages.pofile import read_po

    named, prefixes = code_keys(ROOT)
    for message in read_po(fileobj, ignore_obsolete=True):
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if not msgid or (message.context is None and msgid in named):
            continue
        if message.context:
            note = (
                f"{message.context}: a description of a config key (scripts/config_reference.py)"
                if message.context == CONFIG_DOC
                else f"{message.context}: a text of the command line (appliance/cli/language.py)"
            )
            yield 0, "pgettext", (message.context, msgid), [note]
            continue
        family = next((p for p in sorted(prefixes) if msgid.startswith(p)), None)
        note = (
            f'built at run time: t(f"{family}{{…}}")'
            if family
            else "named outside a t() call (a table of keys, an error's key)"
        )
        if isinstance(message.id, str):
            yield 0, "", msgid, [note]
        else:
            yield 0, "ngettext", tuple(message.id), [note]


def code_keys(root: Path) -> tuple[set[str], set[str]]:
    """The keys the code names literally (Python calls, templates, scripts) and the
    prefixes of the keys it builds at run time, under ``root``."""
    named: set[str] = set()
    prefixes: set[str] = set()
    for path in [
        *root.joinpath("appliance").rglob("*.py"),
        *root.joinpath("drivers").rglob("*.py"),
    ]:
        tree = ast.parse(path.read_bytes())
        named |= {key for _, key, _ in calls_with_keys(tree)}
        prefixes |= set(dynamic_prefixes(tree))
    web = root / "appliance" / "hub" / "web"
    for pattern, regex in (("templates/*.html", _TEMPLATE_KEY), ("static/*.js", _SCRIPT_KEY)):
        for path in web.glob(pattern):
            named |= set(regex.findall(path.read_text(encoding="utf-8")))
    return named, prefixes


def mark_brace_format(locale: Path) -> None:
    """Flag ``python-brace-format`` on each entry whose text has ``{name}`` fields, in the
    template and every ``.po`` under ``locale`` (what ``pybabel update`` dropped)."""
    from babel.messages.pofile import read_po, write_po

    from appliance.i18n import CLI_PANEL, placeholders

    def texts(message: Any) -> list[str]:
        string = message.string
        return [string] if isinstance(string, str) else list(string or ())

    paths = sorted(locale.glob("*/LC_MESSAGES/*.po"))
    braced: set[tuple[str | None, str]] = set()
    for path in [*paths, *sorted(locale.glob("*.pot"))]:
        with path.open("rb") as source:
            catalog = read_po(source)
        for message in catalog:
            ident = (
                message.context,
                str(message.id if isinstance(message.id, str) else message.id[0]),
            )
            if message.context != CLI_PANEL and any(placeholders(x) for x in texts(message)):
                braced.add(ident)  # the .po files come first: the .pot has no texts
            if ident in braced:
                message.flags.add(BRACE_FORMAT)
        with path.open("wb") as out:
            write_po(out, catalog, width=100)


def _literal_strings(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _literal_strings(node.body)
        yield from _literal_strings(node.orelse)


if __name__ == "__main__":
    mark_brace_format(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "appliance" / "locale")
