"""Print the pinned runtime dependencies of the project, as installed in this venv.

    .venv/bin/python packaging/lock.py > packaging/constraints.txt      (`make lock`)

Walks the requirement closure of ``room-appliance`` (its ``[project].dependencies``, not
the dev extras) through the installed distributions' metadata and pins each one at the
version installed here, the one the test suite ran against. ``make wheelhouse`` builds
the wheelhouse under these constraints, so a room gets exactly the tested versions.
"""

from __future__ import annotations

import sys
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "room-appliance"


def closure(project: str) -> dict[str, str]:
    """Canonical name -> installed version of every runtime dependency of ``project``."""
    env = default_environment()
    pins: dict[str, str] = {}
    todo: list[tuple[str, frozenset[str]]] = [(project, frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            sys.exit(f"{name} is required but not installed in this venv: run `make venv`")
        if canonicalize_name(name) != canonicalize_name(project):
            pins[canonicalize_name(name)] = dist.version
        for raw in dist.requires or []:
            req = Requirement(raw)
            wanted = ["", *sorted(extras)]
            if req.marker is not None and not any(
                req.marker.evaluate({**env, "extra": extra}) for extra in wanted
            ):
                continue
            todo.append((req.name, frozenset(req.extras)))
    return pins


def main() -> None:
    print(f"# Runtime dependencies of {PROJECT}, pinned from the tested venv (make lock).")
    for name, version in sorted(closure(PROJECT).items()):
        print(f"{name}=={version}")


if __name__ == "__main__":
    main()
