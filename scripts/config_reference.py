"""Write docs/CONFIG.md, the configuration reference, from the config models themselves.

    .venv/bin/python scripts/config_reference.py [--check]      (make docs-config)

Three parts, each read from the code that validates it:

* the room's ``appliance.toml`` — the pydantic models of appliance/config.py: every
  section and key with its type, default, limits and allowed values;
* the hub's ``appliance hub serve`` options — the typer command of appliance/cli/hub.py;
* the hub's ``alerts.toml`` — the dataclasses of appliance/hub/alerts/config.py (the TOML
  key where it differs from the field is in the field's metadata).

Every description is written once, in English, beside its field (pydantic
``description``, the dataclass field's ``metadata["doc"]``, the option's ``help``); its
Vietnamese comes from the message catalogue (msgctxt ``config_doc``, ``cli_help`` for the
options). ``--check`` exits 1 when docs/CONFIG.md differs from what the code says;
tests/test_config_reference.py runs it and fails on a field without a description.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "CONFIG.md"
sys.path.insert(0, str(ROOT))

from appliance import config as cfg  # noqa: E402 - after the path is set
from appliance.hub.alerts import config as alerts  # noqa: E402
from appliance.i18n import CLI_HELP, pt  # noqa: E402

CONTEXT = "config_doc"  # msgctxt of the descriptions in the catalogue

INTRO = """# Configuration reference — Tham chiếu cấu hình

Generated from the config models by `scripts/config_reference.py` (`make docs-config`);
a test fails when this page falls behind the code or a key has no description. *Trang
này được sinh tự động từ mã nguồn cấu hình (`make docs-config`); mỗi khóa có mô tả tiếng
Việt và tiếng Anh.*

| file | who reads it | checked by |
|---|---|---|
| `/etc/appliance/appliance.toml` (or `--config FILE`, or `$APPLIANCE_CONFIG`) | the room agent, `appliance check`, `appliance follow` | `appliance config check` |
| `appliance hub serve` options (the hub's systemd unit / Ansible role) | the hub | the hub refuses to start (exit 2) |
| `alerts.toml` (`appliance hub serve --alerts FILE`) | the hub | the hub refuses to start (exit 2), naming file and key |

The room agent checks its whole file before it opens any device; `appliance config check`
prints the problems with the file, the key and what is wrong. Unknown keys are errors (a
typo is never silently ignored). `docs/appliance.example.toml` is a commented example of
a room with two cameras on one RS-232 chain. *Tác nhân kiểm tra toàn bộ tệp trước khi mở
thiết bị; khóa lạ là lỗi; `appliance config check` chỉ ra tệp, khóa và lỗi.*
"""

TYPE_NAMES = {"NoneType": "none", "str": "text", "int": "integer", "float": "number",
              "bool": "true/false", "Path": "path", "PosixPath": "path", "bytes": "file"}  # fmt: skip


def describe(text: str, context: str = CONTEXT) -> tuple[str, str]:
    """(Vietnamese, English) of a description written in English in the code."""
    return pt(context, text, "vi"), pt(context, text, "en")


def allowed_values() -> dict[tuple[type[BaseModel], str], str]:
    """Values a field's validator accepts beyond its type and limits (read from the code)."""
    from drivers.visca.models import PROFILES

    return {
        (cfg.CameraConfig, "baud"): ", ".join(str(b) for b in sorted(cfg.SUPPORTED_BAUDS)),
        (cfg.CameraConfig, "model"): ", ".join(f"`{m}`" for m in sorted(PROFILES)),
    }


# -- the room: pydantic models ---------------------------------------------------------------


def _type(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return " or ".join(_type(a) for a in get_args(annotation))
    if origin in (list, tuple):
        return f"list of {_type(get_args(annotation)[0])}"
    if origin is dict:
        key, value = get_args(annotation)
        return f"table {_type(key)} → {_type(value)}"
    if origin is typing.Annotated:
        return _type(get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    name = getattr(annotation, "__name__", str(annotation))
    return TYPE_NAMES.get(name, name)


def _limits(info: FieldInfo) -> list[str]:
    parts = []
    for item in info.metadata:
        for attr, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<"),
                           ("min_length", "min length"), ("max_length", "max length"),
                           ("pattern", "pattern")):  # fmt: skip
            value = getattr(item, attr, None)
            if value is not None:
                parts.append(f"{sign} `{value}`" if attr == "pattern" else f"{sign} {value}")
    return parts


def _default(info: FieldInfo) -> str:
    if info.default is not PydanticUndefined:
        return "—" if info.default is None else f"`{_toml(info.default)}`"
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        return "(empty)" if value in ([], {}) else "(defaults below)"
    return "**required**"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | Path):
        return f'"{value}"'
    return str(value)


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in get_args(annotation):
        yield from _models_in(arg)


def _is_array(annotation: Any) -> bool:
    return get_origin(annotation) is list or any(
        get_origin(a) is list for a in get_args(annotation)
    )


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


HEAD = [
    _row(["key", "type", "default", "allowed", "mô tả", "description"]),
    "|---|---|---|---|---|---|",
]


def _model_section(
    model: type[BaseModel], key: str, about: str, seen: set[type[BaseModel]]
) -> list[str]:
    seen.add(model)
    vi, en = describe(about)
    lines = [f"### `{key}`", "", f"{vi} — *{en}*", "", *HEAD]
    extra = allowed_values()
    nested: list[tuple[type[BaseModel], str, str]] = []
    for name, info in model.model_fields.items():
        allowed = _limits(info)
        if (model, name) in extra:
            allowed.insert(0, f"one of {extra[(model, name)]}")
        vi, en = describe(info.description or "")
        lines.append(
            _row([f"`{name}`", _type(info.annotation), _default(info), ", ".join(allowed), vi, en])
        )
        for sub in _models_in(info.annotation):
            if sub not in seen:
                base = key.strip("[]")
                sub_key = f"[[{base}.{name}]]" if _is_array(info.annotation) else f"[{base}.{name}]"
                nested.append((sub, sub_key, info.description or ""))
                seen.add(sub)
    lines.append("")
    for sub, sub_key, sub_about in nested:
        lines += _model_section(sub, sub_key, sub_about, seen)
    return lines


def room_part() -> list[str]:
    out = ["## 1. The room: `appliance.toml` — Điểm cầu", ""]
    seen: set[type[BaseModel]] = {cfg.AgentConfig}
    first_key: dict[type[BaseModel], str] = {}
    for name, info in cfg.AgentConfig.model_fields.items():
        model = next(_models_in(info.annotation))
        key = f"[[{name}]]" if _is_array(info.annotation) else f"[{name}]"
        if model in seen:
            vi, en = describe(info.description or "")
            out += [f"### `{key}`", "", f"{vi} — *{en}*", "",
                    f"The keys of `{first_key[model]}`.", ""]  # fmt: skip
            continue
        first_key[model] = key
        out += _model_section(model, key, info.description or "", seen)
    return out


# -- the hub: `appliance hub serve` options ----------------------------------------------------


def serve_options() -> list[tuple[str, str, str, str]]:
    """(option, type, default, help) of every ``appliance hub serve`` option."""
    import typer.main

    from appliance.cli import hub as hub_cli

    hints = typing.get_type_hints(hub_cli.serve, include_extras=True)
    command = typer.main.get_command(hub_cli.app).commands["serve"]  # type: ignore[attr-defined]
    rows = []
    for param in command.params:
        default = "—" if param.default is None else f"`{param.default}`"
        names = " / ".join([param.opts[0], *getattr(param, "secondary_opts", [])])
        rows.append((names, _type(hints[param.name]), default, param.help or ""))
    return rows


def hub_part() -> list[str]:
    out = [
        "## 2. The hub: `appliance hub serve` — Trung tâm",
        "",
        "The hub takes its settings on the command line: the `appliance-hub` systemd unit "
        "runs `appliance hub serve --state-dir /var/lib/appliance-hub $HUB_ARGS`, `HUB_ARGS` "
        "from `/etc/appliance/hub.env`, written by the Ansible role `appliance_hub`. "
        "*Trung tâm nhận thiết lập qua dòng lệnh (biến `HUB_ARGS` do Ansible ghi).*",
        "",
        _row(["option", "type", "default", "mô tả", "description"]),
        "|---|---|---|---|---|",
    ]
    for option, kind, default, text in serve_options():
        vi, en = describe(text, CLI_HELP)
        shown = " / ".join(f"`{name}`" for name in option.split(" / "))
        out.append(_row([shown, kind, default, vi, en]))
    return [*out, ""]


# -- the hub's alerts.toml: dataclasses ---------------------------------------------------------


def alert_fields() -> Iterator[tuple[str, str, dataclasses.Field[Any]]]:
    """(section, TOML key, field) of every key of alerts.toml."""
    top = {f.name: f for f in dataclasses.fields(alerts.AlertsConfig)}
    for f in dataclasses.fields(alerts.Rules):
        yield "[rules]", f.name, f
    for name in ("retry_initial_s", "retry_max_s"):
        section, key = top[name].metadata[alerts.KEY].split(".")
        yield f"[{section}]", key, top[name]
    for section, model in (("[[webhook]]", alerts.Webhook), ("[[email]]", alerts.Email)):
        for f in dataclasses.fields(model):
            yield section, f.metadata.get(alerts.KEY, f.name), f
    yield "(top level)", "external_url", top["external_url"]


def _dc_default(f: dataclasses.Field[Any]) -> str:
    if alerts.DEFAULT in f.metadata:
        return f"`{f.metadata[alerts.DEFAULT]}`"
    if f.default is not dataclasses.MISSING:
        return "—" if f.default is None else f"`{_toml(f.default)}`"
    return "**required**"


def alerts_part() -> list[str]:
    out = [
        "## 3. The hub's alerts: `alerts.toml` — Cảnh báo",
        "",
        "`appliance hub serve --alerts /etc/appliance-hub/alerts.toml`. Secrets live in their "
        "own files (0600), never in this one. *Bí mật nằm trong tệp riêng, không trong tệp "
        "này.*",
        "",
    ]
    sections: dict[str, list[str]] = {}
    top = {f.name: f for f in dataclasses.fields(alerts.AlertsConfig)}
    about = {
        "[rules]": top["rules"].metadata[alerts.DOC],
        "[[webhook]]": top["webhooks"].metadata[alerts.DOC],
        "[[email]]": top["emails"].metadata[alerts.DOC],
    }
    for section, key, f in alert_fields():
        vi, en = describe(f.metadata[alerts.DOC])
        kind = "file" if f.type in ("bytes", "str | None") and key.endswith("_file") else None
        row = _row([f"`{key}`", kind or _type(_resolve(f.type)), _dc_default(f), vi, en])
        sections.setdefault(section, []).append(row)
    for section, rows in sections.items():
        out += [f"### `{section}`", ""]
        if section in about:
            vi, en = describe(about[section])
            out += [f"{vi} — *{en}*", ""]
        out += [_row(["key", "type", "default", "mô tả", "description"]), "|---|---|---|---|---|"]
        out += [*rows, ""]
    return out


def _resolve(annotation: Any) -> Any:
    """A dataclass field's type, which ``from __future__ import annotations`` left a string."""
    if not isinstance(annotation, str):
        return annotation
    return eval(annotation, vars(alerts))  # noqa: S307 - our own module's annotation


# -- whole page -------------------------------------------------------------------------------


def descriptions() -> list[tuple[str, str, str]]:
    """(where, English description, msgctxt) of every documented key — for the test."""
    found = []
    models: list[type[BaseModel]] = [cfg.AgentConfig]
    done: set[type[BaseModel]] = set()
    while models:
        model = models.pop()
        if model in done:
            continue
        done.add(model)
        for name, info in model.model_fields.items():
            found.append((f"{model.__name__}.{name}", info.description or "", CONTEXT))
            models.extend(_models_in(info.annotation))
    for model in (alerts.AlertsConfig, alerts.Rules, alerts.Webhook, alerts.Email):
        for f in dataclasses.fields(model):
            found.append((f"{model.__name__}.{f.name}", f.metadata.get(alerts.DOC, ""), CONTEXT))
    for option, _, _, text in serve_options():
        found.append((f"appliance hub serve {option}", text, CLI_HELP))
    return found


def render() -> str:
    out = [INTRO, *room_part(), *hub_part(), *alerts_part()]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=inspect.cleandoc(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/CONFIG.md is stale")
    args = parser.parse_args(argv)
    text = render()
    shown = OUT.relative_to(ROOT) if OUT.is_relative_to(ROOT) else OUT
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            sys.stderr.write(f"{shown} is out of date: run make docs-config\n")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {shown}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
