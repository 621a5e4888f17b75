"""Route modules of the hub API; each has a module-level ``router``."""
