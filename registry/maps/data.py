"""The maps' data files: compact columns of points, and outlines in chunks loaded on demand.

A GeoJSON Feature per point costs ~170 bytes; the overview must stay under
60 bytes per point gzipped at 100k points. So each layer is one JSON object of
parallel arrays: coordinates as integer steps of 1e-5 degrees (about a metre)
delta-encoded along a Z-order curve (neighbours on the map are neighbours in
the file, so the deltas are small and gzip well), and category codes as small
integers. Ids and names, most of the bytes, sit in a second file in the same
order: the map draws its clusters without waiting for them, and needs them
only for popups and links. Outlines go in separate chunk files, in the same
spatial order, each with its bounding box, so the overview fetches only the
chunks in view and a record page only the one that holds its outline.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from .layers import LayerSpec

SCALE = 100_000
SHAPE_DECIMALS = 6
SHAPES_PER_CHUNK = 200


@dataclass
class Point:
    """One record as the map needs it."""

    id: str
    name: str
    lat: float
    lon: float
    categories: dict[str, str | None]
    years: tuple[int | None, int | None] = (None, None)
    geometry: dict[str, Any] | None = None


@dataclass
class LayerData:
    """A layer's main file and its outline chunks, as bytes ready to write."""

    spec: LayerSpec
    points: list[Point]
    main: bytes = b""
    names: bytes = b""
    chunks: list[bytes] = field(default_factory=list)

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """South, west, north, east of every point, or None for an empty layer."""
        if not self.points:
            return None
        lats = [p.lat for p in self.points]
        lons = [p.lon for p in self.points]
        return min(lats), min(lons), max(lats), max(lons)


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")}


def read_points(conn: sqlite3.Connection, spec: LayerSpec) -> list[Point]:
    """The records of a layer that have a place: a point, or an outline to take one from."""
    columns = _columns(conn, spec.table)
    if not columns:
        return []
    wanted = ["id", spec.title_column, "lat", "lon", *spec.categories]
    if spec.years:
        wanted += ["start_year", "end_year"]
    has_geometry = "geometry" in columns
    if has_geometry:
        wanted.append("geometry")
    select = ", ".join(f"[{c}]" if c in columns else f"NULL AS [{c}]" for c in wanted)
    where = "(lat IS NOT NULL AND lon IS NOT NULL)" + (" OR (geometry IS NOT NULL AND geometry != '')" if has_geometry else "")
    points = []
    for row in conn.execute(f"SELECT {select} FROM [{spec.table}] WHERE {where} ORDER BY id"):
        values = dict(zip(wanted, row, strict=True))
        geometry = _parse_geometry(values.get("geometry"))
        lat, lon = values["lat"], values["lon"]
        if (lat is None or lon is None) and geometry is not None:
            lat, lon = _inner_point(geometry)
        if lat is None or lon is None:
            continue
        points.append(
            Point(
                id=str(values["id"]),
                name=str(values[spec.title_column] or values["id"]),
                lat=float(lat),
                lon=float(lon),
                categories={c: values[c] for c in spec.categories},
                years=(_int(values.get("start_year")), _int(values.get("end_year"))),
                geometry=geometry,
            )
        )
    return points


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _parse_geometry(text: Any) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        data = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    return data


def _inner_point(geometry: dict[str, Any]) -> tuple[float | None, float | None]:
    """A point inside an outline, for records that have an outline but no point."""
    from shapely.geometry import shape

    try:
        point = shape(geometry).representative_point()
    except Exception:  # noqa: BLE001 - a broken outline just gets no marker
        return None, None
    return point.y, point.x


def _spread(v: int) -> int:
    v &= 0xFFFF
    v = (v | (v << 8)) & 0x00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F
    v = (v | (v << 2)) & 0x33333333
    return (v | (v << 1)) & 0x55555555


def z_order(lat: float, lon: float) -> int:
    """Position on a Z-order curve, so points near on the map sit near in the file."""
    x = int((lon + 180.0) / 360.0 * 65535)
    y = int((lat + 90.0) / 180.0 * 65535)
    return _spread(x) | (_spread(y) << 1)


def _deltas(values: list[int]) -> list[int]:
    out, previous = [], 0
    for v in values:
        out.append(v - previous)
        previous = v
    return out


def _round_coords(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, SHAPE_DECIMALS)
    if isinstance(value, list):
        return [_round_coords(v) for v in value]
    return value


def dumps(data: Any) -> bytes:
    """JSON as the maps read it: compact, stable key order, and safe inside HTML if it ever lands there."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8")


def short_hash(data: bytes) -> str:
    """A content version for file URLs, so browsers never mix an old page with new data."""
    return hashlib.sha256(data).hexdigest()[:12]


def encode_layer(spec: LayerSpec, points: list[Point], chunk_name: str) -> LayerData:
    """Build a layer's main file and outline chunks; `chunk_name` is formatted with the chunk number."""
    points = sorted(points, key=lambda p: (z_order(p.lat, p.lon), p.id))
    main: dict[str, Any] = {
        "v": 1,
        "scale": SCALE,
        "lat": _deltas([round(p.lat * SCALE) for p in points]),
        "lon": _deltas([round(p.lon * SCALE) for p in points]),
    }
    categories: dict[str, Any] = {}
    for column, vocabulary in spec.categories.items():
        present = {p.categories.get(column) for p in points} - {None}
        values = [v for v in vocabulary if v in present] + sorted(str(v) for v in present if v not in vocabulary)
        code = {v: n for n, v in enumerate(values)}
        categories[column] = {"values": values, "codes": [code.get(p.categories.get(column), -1) for p in points]}  # type: ignore[arg-type]
    main["cat"] = categories
    if spec.years:
        main["extra"] = {
            "start_year": [p.years[0] or 0 for p in points],
            "end_year": [p.years[1] or 0 for p in points],
        }
    chunks: list[bytes] = []
    shaped = [(n, p) for n, p in enumerate(points) if p.geometry is not None]
    if shaped:
        files, rec, chunk_of = [], [], []
        for start in range(0, len(shaped), SHAPES_PER_CHUNK):
            part = shaped[start : start + SHAPES_PER_CHUNK]
            number = len(chunks)
            geometries = [_round_coords(p.geometry) for _, p in part]
            body = dumps({"id": [p.id for _, p in part], "geometry": geometries})
            chunks.append(body)
            files.append({"file": chunk_name.format(number) + f"?v={short_hash(body)}", "bbox": _bbox(geometries)})
            rec += [n for n, _ in part]
            chunk_of += [number] * len(part)
        main["shapes"] = {"files": files, "rec": rec, "chunk": chunk_of}
    names = {"id": [p.id for p in points], "name": [p.name for p in points]}
    return LayerData(spec, points, dumps(main), dumps(names), chunks)


def _bbox(geometries: list[dict[str, Any]]) -> list[float]:
    xs: list[float] = []
    ys: list[float] = []

    def walk(coords: Any) -> None:
        if coords and isinstance(coords[0], (int, float)):
            xs.append(float(coords[0]))
            ys.append(float(coords[1]))
        else:
            for c in coords:
                walk(c)

    for g in geometries:
        walk(g.get("coordinates", []))
    return [min(xs), min(ys), max(xs), max(ys)]
