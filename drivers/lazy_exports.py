"""PEP 562 lazy exports for a driver package: the one helper every family shares.

A family's ``__init__`` maps each public name to the submodule that defines it; the
submodule is imported on the first use of one of its names, so importing the package
(or a light submodule through it) loads nothing heavy (DESIGN.md §7)::

    if not TYPE_CHECKING:
        __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

Under ``TYPE_CHECKING`` the package imports the names for real, so mypy sees their
types; hiding ``__getattr__`` from mypy keeps it from accepting any name as ``object``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``; ``exports`` maps name → submodule."""

    def __getattr__(name: str) -> object:
        """Import the submodule that defines ``name`` on first use and keep the value."""
        module = exports.get(name)
        if module is None:  # AttributeError lets ``from package import submodule`` import it
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__


__all__ = ["lazy_exports"]
