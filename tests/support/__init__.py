"""Test helpers shared across test packages (fakes that speak real wire formats)."""
