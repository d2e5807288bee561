"""Benchmarks: `python -m benchmarks NAME` runs benchmarks/NAME.py and prints one JSON object last.

Each module defines ``main(argv: list[str]) -> dict``. Comparisons are named ``<what>_speedup``
(ours / the seed's method, measured in the same run); render speed is ``realtime_factor``.
"""
