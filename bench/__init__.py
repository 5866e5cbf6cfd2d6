"""Benchmarks that print figures (not timed tests)."""
