"""VISCA driver tests."""
