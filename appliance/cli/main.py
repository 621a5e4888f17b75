"""Entry point of the ``appliance`` command.

Each command group is a typer app in its own module of ``appliance.cli``; register it
in :data:`_GROUPS` (one line per group). Heavy imports (OpenCV, VLC, sounddevice)
happen inside the commands, so ``appliance --help`` stays fast.
"""

from __future__ import annotations

import importlib
import logging
import sys

import typer

from appliance import __version__

# (command name, module with a module-level ``app: typer.Typer``)
_GROUPS: list[tuple[str, str]] = [
    ("demo", "appliance.cli.demo"),
    ("camera", "appliance.cli.camera"),
    ("sim", "appliance.cli.sim"),
    ("config", "appliance.cli.config_cmd"),
    ("agent", "appliance.cli.agent"),
    ("check", "appliance.cli.check"),
    ("hub", "appliance.cli.hub"),
]

app = typer.Typer(
    name="appliance",
    help="Room appliance controller: cameras, audio, displays, readiness checks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@app.command("version")
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def _register_groups() -> None:
    for name, module_name in _GROUPS:
        module = importlib.import_module(module_name)
        sub = module.app
        if isinstance(sub, typer.Typer):
            app.add_typer(sub, name=name)


_register_groups()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
