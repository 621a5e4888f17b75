"""audio driver family."""
