"""Records out to a GeoPackage that reads back to the same records."""

from __future__ import annotations

from pathlib import Path

from registry.formats.geojson import _spatial_kind, record_geometry
from registry.model.errors import ValidationError
from registry.store.database import Registry


def export_geopackage(registry: Registry, kind_name: str, path: str | Path, *, include_private: bool = True) -> Path:
    """A kind's records as a GeoPackage layer named after the kind, in EPSG:4326.

    List fields are written comma-separated (GeoPackage has no lists), which
    is how the importer reads them back.
    """
    import geopandas
    from shapely.geometry import shape

    from registry.operations.records import list_records

    kind = _spatial_kind(kind_name, "gpkg")
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise ValidationError([f"{path.name}: a GeoPackage file name ends in .gpkg"])
    columns = [f.name for f in kind.fields if (include_private or not f.private) and f.name != "geometry"]
    rows, geometries = [], []
    for record in list_records(registry, kind.name):
        row = {}
        for c in columns:
            value = record.get(c)
            row[c] = ",".join(value) if isinstance(value, list) else value
        rows.append(row)
        geometry = record_geometry(record)
        geometries.append(shape(geometry) if geometry else None)
    frame = geopandas.GeoDataFrame(rows, columns=columns, geometry=geometries, crs="EPSG:4326")
    for f in kind.fields:
        if f.name in frame.columns and f.type == "year":
            frame[f.name] = frame[f.name].astype("Int64")
    tmp = path.with_name(path.name + ".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    frame.to_file(tmp, layer=kind.name, driver="GPKG", engine="pyogrio", geometry_type="Unknown")
    tmp.replace(path)
    return path
