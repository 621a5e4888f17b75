"""Check a wheelhouse against the lock: one wheel per pinned dependency, at the pinned
version, plus the project's own wheel; nothing else. Exit 1 with the differences.

    python packaging/check_wheelhouse.py dist/wheelhouse-0.1.0 packaging/constraints.txt

A room installs with ``pip install --no-index --find-links``: a wheel missing here is an
install that fails in a district with no internet, so ``make wheelhouse`` stops on it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from packaging.utils import canonicalize_name, parse_wheel_filename

PROJECT = "room-appliance"


def problems(wheelhouse: Path, constraints: Path) -> list[str]:
    pins: dict[str, str] = {}
    for line in constraints.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    found: dict[str, list[str]] = {}
    for wheel in sorted(wheelhouse.glob("*.whl")):
        name, version, _, _ = parse_wheel_filename(wheel.name)
        found.setdefault(name, []).append(str(version))
    out = []
    for name, version in sorted(pins.items()):
        if found.get(name) != [version]:
            out.append(f"{name}: pinned {version}, wheelhouse has {found.get(name, [])}")
    if len(found.get(canonicalize_name(PROJECT), [])) != 1:
        out.append(f"{PROJECT}: expected its one wheel, found {found.get(PROJECT, [])}")
    extra = set(found) - set(pins) - {canonicalize_name(PROJECT)}
    out += [f"{name}: in the wheelhouse but not in the lock" for name in sorted(extra)]
    return out


def main() -> None:
    wheelhouse, constraints = Path(sys.argv[1]), Path(sys.argv[2])
    errors = problems(wheelhouse, constraints)
    for e in errors:
        print(f"wheelhouse: {e}", file=sys.stderr)
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
