"""Files in and out: CSV, JSON, GeoJSON and GeoPackage, the import pipeline and exports."""
