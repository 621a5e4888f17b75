"""The gettext catalogues (appliance/locale): complete in both languages, in step with the
code, read by t()/nt() and shipped in the wheel.

A translator runs this file after editing a .po file (README "Dịch / Translating"): it
fails on any text lacking its Vietnamese or English, on a fuzzy entry, on placeholders
that differ between the languages and on a key the code asks for that is not there.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from appliance import i18n
from appliance.i18n.extract import calls_with_keys, code_keys, dynamic_prefixes, mark_brace_format

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "appliance" / "locale"
PLURAL_FORMS = {"vi": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}


def _read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def _ident(message: Message) -> tuple[str | None, str]:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return message.context, str(msgid)


def _forms(message: Message) -> tuple[str, ...]:
    string = message.string
    return (string,) if isinstance(string, str) else tuple(s or "" for s in string or ())


def _entries(catalog: Catalog) -> dict[tuple[str | None, str], Message]:
    return {_ident(m): m for m in catalog if m.id}


POT = _entries(_read(LOCALE / "messages.pot"))
PO = {lang: _read(i18n.po_path(lang)) for lang in i18n.LANGS}


def _python_files() -> list[Path]:
    return [*ROOT.joinpath("appliance").rglob("*.py"), *ROOT.joinpath("drivers").rglob("*.py")]


# -- complete in both languages ---------------------------------------------------------------


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_headers_carry_the_language_and_its_plural_rule(lang: str) -> None:
    catalog = PO[lang]
    assert str(catalog.locale) == lang
    assert catalog.plural_forms == PLURAL_FORMS[lang]
    assert not catalog.fuzzy  # a fuzzy header: msgfmt and Poedit treat the file as a draft


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_text_of_the_template_is_translated_and_not_fuzzy(lang: str) -> None:
    catalog = PO[lang]
    entries = _entries(catalog)
    problems = sorted(str(ident) for ident in POT.keys() - entries.keys())
    problems += [
        f"{ident}: not in the template" for ident in sorted(entries.keys() - POT.keys(), key=str)
    ]
    for ident, message in sorted(entries.items(), key=lambda item: str(item[0])):
        forms = _forms(message)
        if message.fuzzy:
            problems.append(f"{ident}: fuzzy")
        if not forms or not all(form.strip() for form in forms):
            problems.append(f"{ident}: empty")
        elif message.pluralizable and len(forms) != catalog.num_plurals:
            problems.append(f"{ident}: {len(forms)} forms, nplurals={catalog.num_plurals}")
        if ident in POT and message.pluralizable != POT[ident].pluralizable:
            problems.append(f"{ident}: plural here, not in the template (or the reverse)")
    assert not problems, f"{lang}:\n" + "\n".join(problems)
    assert len(entries) > 800  # the catalogue really loaded


def test_vietnamese_and_english_ask_for_the_same_placeholders() -> None:
    """A ``{device}`` only in the Vietnamese text would be printed raw in one language
    only. A plural entry may leave the count out of one form ("one room"): its forms
    are compared together."""
    vi, en = (_entries(PO[lang]) for lang in ("vi", "en"))
    problems = []
    for ident in sorted(vi.keys() & en.keys(), key=str):
        if ident[0] == i18n.CLI_PANEL:
            continue  # typer's own "{}" and rich markup, not ours
        fields = [
            set().union(*(i18n.placeholders(f) for f in _forms(m))) for m in (vi[ident], en[ident])
        ]
        if fields[0] != fields[1]:
            problems.append(f"{ident}: vi {sorted(fields[0])} != en {sorted(fields[1])}")
    assert not problems, "\n".join(problems)


def test_the_keys_are_not_their_own_text() -> None:
    """An English msgstr equal to the key is a key copied, not translated (the cli_help
    msgids are English sentences, their English text is themselves)."""
    copied = [
        ident
        for lang in i18n.LANGS
        for ident, message in _entries(PO[lang]).items()
        if ident[0] is None and ident[1] in _forms(message)
    ]
    assert not copied


def test_the_display_drivers_own_texts_are_the_catalogues() -> None:
    """The display driver draws some texts itself and may not import ``appliance``: it
    keeps its own table (drivers/display/texts.py); the catalogue must say the same."""
    from drivers.display.texts import CATALOGUE

    differ = [
        key
        for key, texts in CATALOGUE.items()
        for lang in i18n.LANGS
        if not i18n.has(key) or i18n.template(key, lang) != texts[lang]
    ]
    assert not differ


def test_the_brace_format_flags_are_in_place(tmp_path: Path) -> None:
    """``pybabel update`` drops ``python-brace-format`` (Babel judges it from the msgid, a
    key): ``make i18n-extract`` puts it back. Doing that again must change nothing."""
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE, copy)
    mark_brace_format(copy)
    for path in sorted(LOCALE.rglob("*.po*")):
        assert copy.joinpath(path.relative_to(LOCALE)).read_bytes() == path.read_bytes(), path


# -- in step with the code ----------------------------------------------------------------------


def _used_keys() -> dict[str, tuple[str, bool]]:
    """key → (where, asked with nt) of every literal key in a text call of the code."""
    used: dict[str, tuple[str, bool]] = {}
    for path in _python_files():
        for line, key, plural in calls_with_keys(ast.parse(path.read_bytes())):
            used[key] = (
                f"{path.relative_to(ROOT)}:{line}",
                plural or used.get(key, ("", False))[1],
            )
    return used


def test_every_key_the_code_asks_for_is_in_the_catalogue() -> None:
    used = _used_keys()
    assert len(used) > 250  # the scan finds the calls (t, text, say, echo_t, nt)
    missing = sorted(f"{where}: {key}" for key, (where, _) in used.items() if not i18n.has(key))
    assert not missing, "\n".join(missing)
    named, _ = code_keys(ROOT)  # with the dashboard's templates and scripts
    assert not sorted(key for key in named if not i18n.has(key))


def test_counting_texts_are_plural_entries_and_asked_for_with_nt() -> None:
    used = _used_keys()
    plural_keys = {key for key, (_, plural) in used.items() if plural}
    assert {"camera.info.chain", "demo.province.rooms_started"} <= plural_keys
    wrong = [key for key in plural_keys if not i18n.is_plural(key)]
    wrong += [key for key, (_, plural) in used.items() if not plural and i18n.is_plural(key)]
    assert not wrong, "nt() needs a plural entry, a plural entry needs nt(): " + ", ".join(wrong)


def test_keys_built_at_run_time_have_their_family_in_the_catalogue() -> None:
    """``t(f"hub.alert.rule.{rule}")`` cannot be extracted: its family is kept in the
    .po files (make i18n-extract keeps them); at least one key of each must be there."""
    prefixes = {
        p for path in _python_files() for p in dynamic_prefixes(ast.parse(path.read_bytes()))
    }
    assert "hub.alert.rule." in prefixes
    keys = i18n.keys()
    lonely = sorted(p for p in prefixes if not any(k.startswith(p) for k in keys))
    assert not lonely


def test_the_template_holds_what_extraction_finds(tmp_path: Path) -> None:
    """``pybabel extract`` (babel.cfg, as ``make i18n-extract`` runs it) finds no key the
    template lacks: a key added in the code is in the .po files too."""
    out = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract", "-F", "babel.cfg",
         "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    extracted = _entries(_read(out))
    assert not sorted(extracted.keys() - POT.keys(), key=str)
    assert not [i for i, m in extracted.items() if m.pluralizable != POT[i].pluralizable]


# -- read by t() and nt() -----------------------------------------------------------------------


def test_t_reads_the_po_files() -> None:
    assert i18n.t("status.fail") == "LỖI"
    assert i18n.t("status.fail", "en") == "FAIL"
    assert i18n.t("no.such.key", "en") == "no.such.key"
    assert i18n.t("camera.preset.stored", "en", n=3) == "Preset 3 stored"
    assert i18n.pt(i18n.CLI_HELP, "Debug logging.") == "Ghi nhật ký chi tiết (gỡ lỗi)."
    assert i18n.pt(i18n.CLI_HELP, "Not a help text.") == "Not a help text."


def test_nt_picks_the_form_of_each_language() -> None:
    assert i18n.nt("camera.info.chain", 1, "en") == "The serial chain holds 1 camera"
    assert i18n.nt("camera.info.chain", 2, "en") == "The serial chain holds 2 cameras"
    assert i18n.nt("camera.info.chain", 0, "en") == "The serial chain holds 0 cameras"
    assert i18n.nt("camera.info.chain", 1) == "Chuỗi nối tiếp có 1 camera"
    assert i18n.nt("camera.info.chain", 5, "vi") == "Chuỗi nối tiếp có 5 camera"
    assert i18n.nt("no.such.key", 2) == "no.such.key"


# -- shipped ------------------------------------------------------------------------------------


def test_pyproject_ships_the_catalogues_and_needs_babel() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = project["tool"]["setuptools"]["package-data"]["appliance"]
    assert "locale/*/LC_MESSAGES/*.po" in data
    assert "locale/*.pot" in data
    assert any(dep.startswith("babel") for dep in project["project"]["dependencies"])
    pins = (ROOT / "packaging" / "constraints.txt").read_text().splitlines()
    assert any(line.startswith("babel==") for line in pins)


@pytest.mark.slow
def test_the_wheel_carries_the_catalogues(tmp_path: Path) -> None:
    from tests.support.wheels import build_project_wheel, project_version

    wheel = build_project_wheel(tmp_path, project_version())
    names = set(zipfile.ZipFile(wheel).namelist())
    for lang in i18n.LANGS:
        assert f"appliance/locale/{lang}/LC_MESSAGES/messages.po" in names
    assert "appliance/locale/messages.pot" in names
    assert "appliance/i18n/extract.py" in names
