"""Read a rooms list (CSV or YAML) into validated :class:`RoomIn` rows.

CSV: a header row naming ``id``, ``name`` and ``district`` (any order; other columns are
ignored), one room per line, UTF-8 (a BOM from spreadsheet exports is accepted).
YAML: a list of mappings with those keys, or ``{rooms: [...]}``.

Every problem is reported with its line (CSV) or position (YAML) and nothing is
imported when any row is bad.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Final, Literal

import yaml
from pydantic import ValidationError

from appliance.hub.db.errors import InvalidInputError
from appliance.hub.db.records import RoomIn

Format = Literal["csv", "yaml"]
COLUMNS: Final = ("id", "name", "district")
MAX_ROOMS: Final = 100_000


def bad_rooms_file(detail: str) -> InvalidInputError:
    """The error for a rooms list that cannot be imported (the detail says why)."""
    return InvalidInputError(detail, key="hub.store.rooms_file", detail=detail)


def format_of(path: Path) -> Format:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise bad_rooms_file(f"{path.name}: use a .csv, .yaml or .yml file")


def read_rooms_file(path: Path) -> list[RoomIn]:
    fmt = format_of(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise bad_rooms_file(f"{path}: cannot read: {exc}") from None
    return parse_rooms(text, fmt)


def parse_rooms(text: str, fmt: Format) -> list[RoomIn]:
    text = text.removeprefix("\ufeff")
    rows = _csv_rows(text) if fmt == "csv" else _yaml_rows(text)
    if len(rows) > MAX_ROOMS:
        raise bad_rooms_file(f"more than {MAX_ROOMS} rooms in one file")
    rooms: list[RoomIn] = []
    problems: list[str] = []
    for where, raw in rows:
        try:
            rooms.append(RoomIn.model_validate({k: raw.get(k) for k in COLUMNS}))
        except ValidationError as exc:
            detail = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            problems.append(f"{where}: {detail}")
    if problems:
        raise bad_rooms_file("; ".join(problems[:20]))
    seen: dict[str, int] = {}
    for room in rooms:
        seen[room.id] = seen.get(room.id, 0) + 1
    dupes = sorted(i for i, n in seen.items() if n > 1)
    if dupes:
        raise bad_rooms_file(f"room id listed twice: {', '.join(dupes)}")
    return rooms


def _csv_rows(text: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        return _read_csv(text)
    except csv.Error as exc:  # a stray carriage return or NUL inside a field
        raise bad_rooms_file(f"not CSV: {exc}") from None


def _read_csv(text: str) -> list[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise bad_rooms_file(f"CSV header lacks column(s): {', '.join(missing)}")
    reader.fieldnames = header
    out: list[tuple[str, dict[str, Any]]] = []
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank line
        out.append((f"line {reader.line_num}", row))
    return out


def _yaml_rows(text: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise bad_rooms_file(f"not YAML: {exc}") from None
    if isinstance(data, dict) and "rooms" in data:
        data = data["rooms"]
    if not isinstance(data, list):
        raise bad_rooms_file("YAML: expected a list of rooms (id, name, district)")
    out: list[tuple[str, dict[str, Any]]] = []
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise bad_rooms_file(f"room {i}: expected a mapping with id, name, district")
        out.append((f"room {i}", {k: None if v is None else str(v) for k, v in item.items()}))
    return out
