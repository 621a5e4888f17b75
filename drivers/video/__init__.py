"""video driver family."""
