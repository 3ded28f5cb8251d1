"""The maps' data files: compact columns of points, and outlines in chunks loaded on demand.

A GeoJSON Feature per point costs ~170 bytes; the overview must stay under
60 bytes per point gzipped at 100k points. So each layer is one JSON object of
parallel arrays: coordinates as integer steps of 1e-5 degrees (about a metre)
delta-encoded along a Z-order curve (neighbours on the map are neighbours in
the file, so the deltas are small and gzip well), and category codes as small
integers. Ids and names, most of the bytes, sit in name files: the map draws
its clusters without waiting for them, and needs them only for popups and
links, so each name file holds a few thousand records and is fetched when a
popup needs one of them. A record's name file is chosen by a hash of its id
(`name_chunk`, which the map script computes the same way): a record page's
map finds its record's name file from the id alone, and one edit rewrites one
name file. Each name file lists its records in the map's order, so the main
file needs only each point's name-file number to find its entry. Outlines go in separate chunk files, in the same
spatial order, each with its bounding box, so the overview fetches only the
chunks in view and a record page only the one that holds its outline.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from registry.maps.layers import LayerSpec

SCALE = 100_000
SHAPE_DECIMALS = 6
SHAPES_PER_CHUNK = 200
NAMES_PER_CHUNK = 2000  # ~80 KB a name file: a phone fetches one for a popup, never all of a 100k-record layer


@dataclass
class Columns:
    """A layer's located records as parallel columns, in id order as read."""

    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    categories: dict[str, list[str | None]] = field(default_factory=dict)
    years: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))
    geometries: dict[int, dict[str, Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class LayerData:
    """A layer's main file, its names file and its outline chunks, as bytes ready to write."""

    spec: LayerSpec
    bounds: tuple[float, float, float, float] | None
    main: bytes = b""
    names: list[bytes] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")}


def read_columns(conn: sqlite3.Connection, spec: LayerSpec) -> Columns:
    """The records of a layer that have a place: a point, or an outline to take one from."""
    out = Columns(categories={c: [] for c in spec.categories})
    columns = _columns(conn, spec.table)
    if not columns:
        return out
    wanted = ["id", spec.title_column, "lat", "lon", *spec.categories]
    if spec.years:
        wanted += ["start_year", "end_year"]
    has_geometry = "geometry" in columns
    wanted.append("geometry" if has_geometry else "NULL")
    select = ", ".join(c if c == "NULL" else f"[{c}]" if c in columns else "NULL" for c in wanted)
    where = "(lat IS NOT NULL AND lon IS NOT NULL)" + (" OR (geometry IS NOT NULL AND geometry != '')" if has_geometry else "")
    categories = [(n, out.categories[c]) for n, c in enumerate(spec.categories, start=4)]
    first_year = 4 + len(spec.categories)
    for row in conn.execute(f"SELECT {select} FROM [{spec.table}] WHERE {where} ORDER BY id"):
        record_id, title, lat, lon = row[0], row[1], row[2], row[3]
        geometry = _parse_geometry(row[-1]) if row[-1] else None
        if (lat is None or lon is None) and geometry is not None:
            lat, lon = _inner_point(geometry)
        if lat is None or lon is None:
            continue
        if geometry is not None:
            out.geometries[len(out.ids)] = geometry
        out.ids.append(str(record_id))
        out.names.append(str(title or record_id))
        out.lat.append(float(lat))
        out.lon.append(float(lon))
        for n, values in categories:
            values.append(row[n])
        if spec.years:
            out.years[0].append(_int(row[first_year]))
            out.years[1].append(_int(row[first_year + 1]))
    return out


def _int(value: Any) -> int:
    try:
        return int(value) if value not in (None, "") else 0
    except (TypeError, ValueError):
        return 0


def _parse_geometry(text: Any) -> dict[str, Any] | None:
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


def _spread(v: Any) -> Any:
    v = v & 0xFFFF
    v = (v | (v << 8)) & 0x00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F
    v = (v | (v << 2)) & 0x33333333
    return (v | (v << 1)) & 0x55555555


def z_order(lat: Any, lon: Any) -> Any:
    """Position on a Z-order curve (numbers or numpy arrays), so points near on the map sit near in the file."""
    import numpy

    x = ((numpy.asarray(lon) + 180.0) / 360.0 * 65535).astype(numpy.int64)
    y = ((numpy.asarray(lat) + 90.0) / 180.0 * 65535).astype(numpy.int64)
    return _spread(x) | (_spread(y) << 1)


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


def name_chunk(record_id: str, chunks: int) -> int:
    """The name file holding a record: 32-bit FNV-1a of its id's UTF-8 bytes, modulo the number of name files.

    FNV-1a because the map script must compute the same number in a browser,
    where no standard hash is synchronous; it spreads ids evenly enough.
    """
    value = 0x811C9DC5
    for byte in record_id.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value % chunks


def _name_files(ids: list[str], names: list[str], index: list[int], file_name: str) -> tuple[dict[str, Any], list[bytes]]:
    """The name files of a layer in map order, and what the main file says about them."""
    count = max(1, -(-len(index) // NAMES_PER_CHUNK))
    codes = [name_chunk(ids[i], count) for i in index]
    parts: list[dict[str, list[str]]] = [{"id": [], "name": []} for _ in range(count)]
    for code, i in zip(codes, index, strict=True):
        parts[code]["id"].append(ids[i])
        parts[code]["name"].append(names[i])
    files = [dumps(part) for part in parts]
    about: dict[str, Any] = {"files": [file_name.format(n) + f"?v={short_hash(body)}" for n, body in enumerate(files)]}
    if count > 1:
        about["chunk"] = codes
    return about, files


def encode_layer(spec: LayerSpec, columns: Columns, chunk_name: str, names_name: str) -> LayerData:
    """Build a layer's files; `chunk_name` and `names_name` are formatted with each outline and name file's number.

    numpy does the sorting and delta coding: at 100k points the pure-Python
    version spent over a second here on every build.
    """
    import numpy

    lat = numpy.asarray(columns.lat, dtype=numpy.float64)
    lon = numpy.asarray(columns.lon, dtype=numpy.float64)
    # Stable, so records at the same spot stay in id order and the output is deterministic.
    order = numpy.argsort(z_order(lat, lon), kind="stable") if len(columns) else numpy.arange(0)
    lat_steps = numpy.rint(lat[order] * SCALE).astype(numpy.int64)
    lon_steps = numpy.rint(lon[order] * SCALE).astype(numpy.int64)
    main: dict[str, Any] = {
        "v": 1,
        "scale": SCALE,
        "lat": numpy.diff(lat_steps, prepend=0).tolist(),
        "lon": numpy.diff(lon_steps, prepend=0).tolist(),
    }
    index = order.tolist()
    categories: dict[str, Any] = {}
    for column, vocabulary in spec.categories.items():
        raw = columns.categories[column]
        present = set(raw) - {None}
        values = [v for v in vocabulary if v in present] + sorted(str(v) for v in present if v not in vocabulary)
        code = {v: n for n, v in enumerate(values)}
        categories[column] = {"values": values, "codes": [code.get(raw[i], -1) for i in index]}  # type: ignore[arg-type]
    main["cat"] = categories
    if spec.years:
        main["extra"] = {"start_year": [columns.years[0][i] for i in index], "end_year": [columns.years[1][i] for i in index]}
    chunks: list[bytes] = []
    shaped = [(position, i) for position, i in enumerate(index) if i in columns.geometries]
    if shaped:
        files, rec, chunk_of = [], [], []
        for start in range(0, len(shaped), SHAPES_PER_CHUNK):
            part = shaped[start : start + SHAPES_PER_CHUNK]
            number = len(chunks)
            geometries = [_round_coords(columns.geometries[i]) for _, i in part]
            body = dumps({"id": [columns.ids[i] for _, i in part], "geometry": geometries})
            chunks.append(body)
            files.append({"file": chunk_name.format(number) + f"?v={short_hash(body)}", "bbox": _bbox(geometries)})
            rec += [position for position, _ in part]
            chunk_of += [number] * len(part)
        main["shapes"] = {"files": files, "rec": rec, "chunk": chunk_of}
    main["names"], names = _name_files(columns.ids, columns.names, index, names_name)
    bounds = (float(lat.min()), float(lon.min()), float(lat.max()), float(lon.max())) if len(columns) else None
    return LayerData(spec, bounds, dumps(main), names, chunks)


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
