"""hotplug driver family."""
