"""``appliance demo``: the main job on simulated hardware (grows with the project)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Run the appliance on simulated hardware.", invoke_without_command=True)


@app.callback()
def demo() -> None:
    """Start the simulated room and show it working."""
    typer.echo("demo: not built yet")
    raise typer.Exit(1)
