"""Records as a GeoPackage layer that reads back to the same records."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from registry.formats.geojson import record_geometry
from registry.model.declaration import Kind


def write_geopackage(kind: Kind, records: Sequence[Mapping[str, Any]], columns: list[str]) -> bytes:
    """A kind's records as a GeoPackage layer named after the kind, in EPSG:4326.

    List fields are written comma-separated and translations as JSON
    (GeoPackage has neither), which is how the importer reads them back.
    """
    import geopandas
    from shapely.geometry import shape

    columns = [c for c in columns if c != "geometry"]
    rows, geometries = [], []
    for record in records:
        row = {}
        for c in columns:
            value = record.get(c)
            if isinstance(value, list):
                value = ",".join(value)
            elif isinstance(value, dict):  # texts by language: JSON, as the importer reads them back
                value = json.dumps(value, ensure_ascii=False, sort_keys=True)
            row[c] = value
        rows.append(row)
        geometry = record_geometry(record)
        geometries.append(shape(geometry) if geometry else None)
    frame = geopandas.GeoDataFrame(rows, columns=columns, geometry=geometries, crs="EPSG:4326")
    for f in kind.fields:
        if f.name in frame.columns and f.type == "year":
            frame[f.name] = frame[f.name].astype("Int64")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{kind.name}.gpkg"
        frame.to_file(path, layer=kind.name, driver="GPKG", engine="pyogrio", geometry_type="Unknown")
        return path.read_bytes()
