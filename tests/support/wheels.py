"""Wheels for the deployment tests, built offline from this checkout.

- :func:`deps_wheelhouse`: the runtime dependencies as wheels, from ``make wheelhouse``
  (dist/wheelhouse-<version>/; building it downloads, so tests never do it themselves).
- :func:`build_project_wheel`: the project's own wheel from the current source, at any
  version (a copy of the source with the version rewritten), optionally a planted broken
  build whose agent fails at start (``appliance agent`` exits 1: the health gate fails).
  ``pip wheel --no-deps --no-build-isolation``: setuptools/wheel come from the venv.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 300.0
BROKEN_MARKER = "planted broken build (tests/support/wheels.py)"


def project_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def deps_wheelhouse() -> Path:
    """dist/wheelhouse-<version>/ without the project's wheel (tests build their own)."""
    house = ROOT / "dist" / f"wheelhouse-{project_version()}"
    if not any(house.glob("*.whl")):
        pytest.fail(f"{house} missing: run `make wheelhouse` (downloads the pinned wheels once)")
    return house


def build_project_wheel(out_dir: Path, version: str, *, broken: bool = False) -> Path:
    """The project's wheel at ``version`` from the current source; see the module doc."""
    src = out_dir / f"src-{version}"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    for name in ("appliance", "drivers"):
        shutil.copytree(
            ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    shutil.copy2(ROOT / "README.md", src / "README.md")
    pyproject = (ROOT / "pyproject.toml").read_text()
    pyproject, n = re.subn(r'(?m)^version = ".*"$', f'version = "{version}"', pyproject, count=1)
    assert n == 1, "pyproject.toml has no version line"
    (src / "pyproject.toml").write_text(pyproject)
    init = src / "appliance" / "__init__.py"
    text, n = re.subn(r'__version__ = ".*"', f'__version__ = "{version}"', init.read_text())
    assert n == 1, "appliance/__init__.py has no __version__"
    init.write_text(text)
    if broken:
        # Fails the agent's start (the CLI turns it into exit 1), as a bad release would.
        server = src / "appliance" / "agent" / "server.py"
        server.write_text(server.read_text() + f"\nraise RuntimeError({BROKEN_MARKER!r})\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--wheel-dir",
            str(out_dir),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        cwd=src,
    )
    if proc.returncode != 0:
        pytest.fail(f"building the wheel {version} failed:\n{proc.stderr[-3000:]}")
    wheel = out_dir / f"room_appliance-{version}-py3-none-any.whl"
    assert wheel.is_file(), sorted(p.name for p in out_dir.iterdir())
    return wheel
