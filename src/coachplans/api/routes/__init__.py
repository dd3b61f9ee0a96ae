"""Route modules, one per group of endpoints."""
