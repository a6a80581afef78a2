"""Reproducible speed and memory measurements of the data path (not part of the test run)."""
