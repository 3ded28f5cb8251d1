"""Records out to GIS users: RFC 7946 GeoJSON and GeoPackage that read back to the same records.

Each record is one feature: its outline when it has one, else its point, else
no geometry (RFC 7946 allows null). lat/lon stay as attributes too, so a point
placed on an outline (an entrance, say) survives the round trip, and people
who open the file in a spreadsheet still see coordinates. (One change on the
way back is deliberate: an outline without a point gains one inside it, as
every imported polygon does.) Like `commons
export`, these are staff exports with every field; the public downloads come
from `commons publish`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError
from ..rules import Kind, get_kind

if TYPE_CHECKING:
    from ..store import Registry


def _spatial_kind(kind_name: str, fmt: str) -> Kind:
    kind = get_kind(kind_name)
    if "lat" not in kind.field_names:
        raise ValidationError([f"{kind.name} have no location, so there is nothing to put on a map; export them with --format csv or json"])
    return kind


def _geometry(record: dict[str, Any]) -> dict[str, Any] | None:
    if record.get("geometry"):
        parsed: dict[str, Any] = json.loads(record["geometry"])
        return parsed
    if record.get("lat") is not None and record.get("lon") is not None:
        return {"type": "Point", "coordinates": [record["lon"], record["lat"]]}
    return None


def export_geojson(registry: Registry, kind_name: str, *, include_private: bool = True) -> str:
    """A kind's records as an RFC 7946 FeatureCollection: WGS84, longitude before latitude, no crs member."""
    from ..records import list_records

    kind = _spatial_kind(kind_name, "geojson")
    columns = [f.name for f in kind.fields if (include_private or not f.private) and f.name != "geometry"]
    features = []
    for record in list_records(registry, kind.name):
        features.append(
            {
                "type": "Feature",
                "id": record["id"],
                "geometry": _geometry(record),
                "properties": {c: record.get(c) for c in columns},
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"


def export_geopackage(registry: Registry, kind_name: str, path: str | Path, *, include_private: bool = True) -> Path:
    """A kind's records as a GeoPackage layer named after the kind, in EPSG:4326.

    List fields are written comma-separated (GeoPackage has no lists), which
    is how the importer reads them back.
    """
    import geopandas
    from shapely.geometry import shape

    from ..records import list_records

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
        geometry = _geometry(record)
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
