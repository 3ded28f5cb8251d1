"""Benchmarks: builds, rebuilds, import, maps, start-up and Datasette, each beside a same-run reference.

Run `python -m benchmarks --help` from the project folder.
"""
