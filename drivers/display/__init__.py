"""display driver family."""
