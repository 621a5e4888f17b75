"""visca driver family."""
