"""Admin (to be built)."""
