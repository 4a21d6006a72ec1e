"""Benchmarks, run with ``python -m benchmarks.NAME``; they print medians, never assert timings."""
