"""Hotplug tests."""
