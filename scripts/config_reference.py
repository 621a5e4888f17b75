"""Write docs/CONFIG.md, the room config's reference, from the config models themselves.

    .venv/bin/python scripts/config_reference.py [--check]

Every section and key of ``appliance.toml`` (appliance/config.py: the pydantic models the
agent validates with) with its type, default, limits and the comment written beside it in
the source. ``--check`` exits 1 when docs/CONFIG.md differs from what the models say (the
test suite runs it, so the reference cannot fall behind the code).
"""

from __future__ import annotations

import argparse
import ast
import inspect
import sys
import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "CONFIG.md"
sys.path.insert(0, str(ROOT))

from appliance import config as cfg  # noqa: E402 - after the path is set

INTRO = """# Room config reference — Tham chiếu tệp cấu hình

`/etc/appliance/appliance.toml` (or `--config FILE`, or `$APPLIANCE_CONFIG`). The agent
checks the whole file before it opens any device; `appliance config check` shows the
first problems with the file, the key and what is wrong. Unknown keys are errors (a typo
is never silently ignored). `docs/appliance.example.toml` is a commented example.

This page is generated from the config models (`scripts/config_reference.py`; a test
fails when it falls behind). Trang này được sinh tự động từ mã nguồn cấu hình.
"""


def _comments(model: type[BaseModel]) -> dict[str, str]:
    """Field name → the comment written on its line in the class body."""
    try:
        lines, _ = inspect.getsourcelines(model)
    except (OSError, TypeError):
        return {}
    source = "".join(lines)
    tree = ast.parse(inspect.cleandoc(source) if source.startswith(" ") else source)
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            line = lines[node.lineno - 1]
            if "#" in line:
                found[node.target.id] = line.split("#", 1)[1].strip()
    return found


def _type(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return " or ".join(_type(a) for a in get_args(annotation))
    if origin is list:
        return f"list of {_type(get_args(annotation)[0])}"
    if origin is dict:
        key, value = get_args(annotation)
        return f"table {_type(key)} → {_type(value)}"
    if origin is not None and getattr(origin, "__name__", "") == "Annotated":
        return _type(get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    name = getattr(annotation, "__name__", str(annotation))
    return {"NoneType": "none", "str": "text", "int": "integer", "float": "number",
            "bool": "true/false", "Path": "path"}.get(name, name)  # fmt: skip


def _limits(info: FieldInfo) -> str:
    parts = []
    for item in info.metadata:
        for attr, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<"),
                           ("min_length", "min length"), ("max_length", "max length"),
                           ("pattern", "pattern")):  # fmt: skip
            value = getattr(item, attr, None)
            if value is not None:
                parts.append(f"{sign} `{value}`" if attr == "pattern" else f"{sign} {value}")
    return ", ".join(parts)


def _default(info: FieldInfo) -> str:
    if info.default is not PydanticUndefined:
        return "—" if info.default is None else f"`{info.default}`"
    if info.default_factory is not None:
        try:
            value = info.default_factory()  # type: ignore[call-arg]
        except TypeError:
            return "(generated)"
        return "(empty)" if value in ([], {}) else "(defaults below)"
    return "**required**"


def _section(model: type[BaseModel], key: str, seen: set[type[BaseModel]]) -> list[str]:
    seen.add(model)
    doc = inspect.cleandoc(model.__dict__.get("__doc__") or "")  # its own, not BaseModel's
    lines = [
        f"## {model.__name__}",
        "",
        f"`{key}`" + (f" — {doc.splitlines()[0]}" if doc else ""),
        "",
    ]
    lines += ["| key | type | default | limits | what it is |", "|---|---|---|---|---|"]
    comments = _comments(model)
    nested: list[tuple[type[BaseModel], str]] = []
    for name, info in model.model_fields.items():
        lines.append(
            f"| `{name}` | {_type(info.annotation)} | {_default(info)} | {_limits(info)} | "
            f"{comments.get(name, '')} |"
        )
        for arg in [info.annotation, *get_args(info.annotation), *(
            a for g in get_args(info.annotation) for a in get_args(g))]:  # fmt: skip
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg not in seen:
                array = get_origin(info.annotation) is list or any(
                    get_origin(g) is list for g in get_args(info.annotation)
                )
                nested.append(
                    (
                        arg,
                        f"[[{key.strip('[]')}.{name}]]" if array else f"[{key.strip('[]')}.{name}]",
                    )
                )
                seen.add(arg)
    lines.append("")
    for sub, sub_key in nested:
        lines += _section(sub, sub_key, seen)
    return lines


def render() -> str:
    out = [INTRO]
    seen: set[type[BaseModel]] = {cfg.AgentConfig}
    top = cfg.AgentConfig
    for name, info in top.model_fields.items():
        models = [a for a in [info.annotation, *get_args(info.annotation),
                              *(x for g in get_args(info.annotation) for x in get_args(g))]
                  if isinstance(a, type) and issubclass(a, BaseModel)]  # fmt: skip
        if not models:
            continue
        if models[0] in seen:
            key = f"[[{name}]]" if get_origin(info.annotation) is list else f"[{name}]"
            out += [
                f"`{key}` has the keys of [{models[0].__name__}](#{models[0].__name__.lower()}).",
                "",
            ]
            continue
        array = get_origin(info.annotation) is list
        out += _section(models[0], f"[[{name}]]" if array else f"[{name}]", seen)
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            sys.stderr.write(
                f"{OUT.relative_to(ROOT)} is out of date: run scripts/config_reference.py\n"
            )
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {OUT.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
