"""Room appliance: the room agent, the hub and the one ``appliance`` CLI."""

__version__ = "0.1.0"
