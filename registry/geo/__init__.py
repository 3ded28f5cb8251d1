"""Spatial operations: district boundaries and the spatial join that assigns them, and distances between records.

Submodules import geopandas inside their functions only: loading it costs
about half a second, which `commons --help` and `commons list` must not pay.
"""

from __future__ import annotations
