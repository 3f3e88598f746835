"""Test harness helpers for vmailkit integration tests (Python 3 stdlib only)."""
