"""The language of the command line itself: ``--help`` texts and usage errors.

Vietnamese by default, English with ``--lang en`` anywhere on the line (the same option
every command takes). The commands keep their English help in the code; for Vietnamese
the click command tree that typer builds is walked once and each text is swapped for its
entry in the ``cli_help`` context of the message catalogue (msgid = the English text,
:data:`appliance.i18n.CLI_HELP`), the "Usage:" prefix comes from a
formatter subclass (click's ``Context.formatter_class`` hook) and typer's panel titles
from its ``rich_utils`` settings, set from the ``cli_panel`` context in both languages (a
Vietnamese run then an English one in the same process gets English back). Usage errors (a missing option, a bad value) are caught
here and phrased in Vietnamese, pydantic's value messages included
(:func:`appliance.i18n.validation.translate_validation`); exit code 2 as click's own.

typer ≥ 0.29 ships click inside itself (``typer._click``): that is the click used here.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, Final

import typer
from typer import _click as click
from typer import rich_utils
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    ClickException,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer._click.formatting import HelpFormatter
from typer.exceptions import Abort

from appliance.i18n import CLI_HELP, CLI_PANEL, DEFAULT_LANG, Lang, entries, has, parse_lang, pt, t
from appliance.i18n.validation import compile_table, rewrite_whole, translate_validation

_KIND_VI = {"option": "tùy chọn", "argument": "tham số", "parameter": "tham số"}
# Messages click/typer build with f-strings (no gettext): pattern → Vietnamese.
_USAGE_VI: Final = compile_table(
    (
        (r"Option (\S+) requires an argument\.?", r"tùy chọn \1 cần một giá trị"),
        (r"Option (\S+) requires (\d+) arguments\.?", r"tùy chọn \1 cần \2 giá trị"),
        (r"Option (\S+) does not take a value\.?", r"tùy chọn \1 không nhận giá trị"),
        (r"No such command (\S+?)\.? Did you mean (.+)\?", r"không có lệnh \1; ý bạn là \2?"),
        (r"No such command (\S+?)\.?", r"không có lệnh \1"),
        (r"Missing command\.?", "thiếu lệnh"),
        (r"Got unexpected extra arguments? ?\(s\)? \((.*)\)", r"thừa tham số: \1"),
        (r"Got unexpected extra argument\(s\) \((.*)\)", r"thừa tham số: \1"),
    )
)


def argv_lang(argv: Sequence[str]) -> Lang:
    """The ``--lang`` on the command line (``--lang en`` / ``--lang=en``), else Vietnamese.
    An unsupported value gives Vietnamese here; the option itself then refuses it."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        else:
            continue
        try:
            return parse_lang(value)
        except ValueError:
            return DEFAULT_LANG
    return DEFAULT_LANG


class _ViFormatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "Cách dùng: " if prefix is None else prefix)


class _ViContext(click.Context):
    formatter_class = _ViFormatter


def localized_command(app: typer.Typer, lang: str) -> Any:
    """The click command of ``app`` with its help in ``lang`` (a fresh tree per call)."""
    command = typer.main.get_command(app)
    if lang == "vi":
        _translate_tree(command)
    return command


def missing_help(app: typer.Typer) -> list[str]:
    """Help texts of ``app`` without a Vietnamese entry (for the completeness test)."""
    texts: list[str] = []

    def note(text: str) -> str:
        texts.append(text)
        return text

    _walk(typer.main.get_command(app), note)
    return sorted({text for text in texts if not has(text, CLI_HELP)})


def run(app: typer.Typer, argv: Sequence[str] | None = None) -> int:
    """Run ``app`` on ``argv`` in the language it asks for; the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    lang = argv_lang(args)
    for name, text in entries(CLI_PANEL, lang).items():
        setattr(rich_utils, name, text)
    command = localized_command(app, lang)
    try:
        result = command.main(args=args, standalone_mode=False)
    except NoArgsIsHelpError as exc:  # the help is already printed
        return exc.exit_code
    except ClickException as exc:
        if lang == "vi" and isinstance(exc, UsageError):
            _show_usage_error_vi(exc)
        else:
            rich_utils.rich_format_error(exc)
        return exc.exit_code
    except Abort:
        typer.echo(t("cli.aborted", lang), err=True)
        return 1
    return result if isinstance(result, int) else 0


def usage_error_text(exc: UsageError) -> str:
    """The error line of a usage error, in Vietnamese."""
    if isinstance(exc, MissingParameter):
        param = exc.param
        kind = _KIND_VI.get(exc.param_type or (param.param_type_name if param else ""), "tham số")
        hint = exc.param_hint or (param.get_error_hint() if param else "")
        hint = " / ".join(hint) if isinstance(hint, (list, tuple)) else str(hint or "")
        return f"thiếu {kind} {hint}".strip()
    if isinstance(exc, BadParameter):
        param = exc.param
        hint = exc.param_hint or (param.get_error_hint() if param else "")
        hint = " / ".join(hint) if isinstance(hint, (list, tuple)) else str(hint or "")
        return f"giá trị không hợp lệ cho {hint}: {translate_validation(exc.message, 'vi')}"
    if isinstance(exc, NoSuchOption):
        text = f"không có tùy chọn {exc.option_name}"
        if exc.possibilities:
            text += f" (ý bạn là: {', '.join(sorted(exc.possibilities))})"
        return text
    message = exc.format_message() if not isinstance(exc, BadOptionUsage) else exc.message
    return rewrite_whole(_USAGE_VI, message.strip()) or message


def _show_usage_error_vi(exc: UsageError) -> None:
    ctx = exc.ctx
    if ctx is not None:
        typer.echo(ctx.get_usage(), err=True)
        typer.echo(f"Xem hướng dẫn: {ctx.command_path} --help", err=True)
    typer.echo(f"Lỗi: {usage_error_text(exc)}", err=True)


def _translate_tree(command: Any) -> None:
    _walk(command, lambda text: pt(CLI_HELP, text, "vi"))
    _set_context(command)


def _set_context(command: Any) -> None:
    command.context_class = _ViContext
    for sub in getattr(command, "commands", {}).values():
        _set_context(sub)


def _walk(command: Any, swap: Any) -> None:
    """Apply ``swap(text) -> text`` to every help text of ``command`` and below."""
    for attr in ("help", "short_help"):
        text = getattr(command, attr, None)
        if text:
            setattr(command, attr, swap(text))
    help_option = command.get_help_option(click.Context(command))
    params = [*command.params, *([help_option] if help_option is not None else [])]
    for param in params:
        text = getattr(param, "help", None)
        if text:
            param.help = swap(text)
    for sub in getattr(command, "commands", {}).values():
        _walk(sub, swap)
