"""The one ``appliance`` command line (typer). Each command group lives in its own module."""
