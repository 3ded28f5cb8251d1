"""Geodata in and out: GIS files to records, records to GIS files, districts and distances.

Submodules import geopandas inside their functions only: loading it costs
about half a second, which `commons --help` and `commons list` must not pay.
"""

from __future__ import annotations
