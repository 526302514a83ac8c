"""Reads GeoParquet written by hotspots with readers that share no code with it,
for tests/it/downloads.rs. Prints one JSON object.

    read_geoparquet.py file PATH      one file: its `geo` and provenance metadata
                                      (pyarrow), its features as GeoJSON
                                      (GeoPandas, which validates `geo`), whether
                                      the bbox covering column equals each
                                      geometry's bounds, and DuckDB's row count.
    read_geoparquet.py dataset DIR    a Hive-partitioned dataset: rows as DuckDB
                                      reads it whole and as GeoPandas reads its
                                      files, and DuckDB's count per (h3_r5, year)
                                      partition.
"""

import glob
import json
import math
import sys

import duckdb
import geopandas
import pyarrow.parquet as pq


def file_summary(path):
    metadata = pq.read_metadata(path).metadata
    geo = json.loads(metadata[b"geo"])
    provenance = json.loads(metadata[b"hotspots:provenance"])
    frame = geopandas.read_parquet(path)
    # GeoPandas knows the covering column and leaves it out: read it with pyarrow.
    boxes = pq.read_table(path, columns=["bbox"]).column("bbox").to_pylist()
    bbox_ok = len(boxes) == len(frame)
    for geometry, box in zip(frame.geometry, boxes):
        if geometry is None or geometry.is_empty:
            bbox_ok = bbox_ok and box is None
            continue
        bounds = geometry.bounds
        got = (box["xmin"], box["ymin"], box["xmax"], box["ymax"])
        bbox_ok = bbox_ok and all(math.isclose(a, b) for a, b in zip(bounds, got))
    features = json.loads(frame.to_json(na="null"))["features"]
    rows = duckdb.sql("SELECT count(*) FROM read_parquet(?)", params=[path]).fetchall()[0][0]
    return {
        "geo": geo,
        "provenance": provenance,
        "features": features,
        "bbox_matches_geometry": bbox_ok,
        "duckdb_rows": rows,
    }


def dataset_summary(path):
    pattern = path.rstrip("/") + "/**/*.parquet"
    source = "read_parquet(?, hive_partitioning = true)"
    rows = duckdb.sql(f"SELECT count(*) FROM {source}", params=[pattern]).fetchall()[0][0]
    partitions = duckdb.sql(
        f"SELECT h3_r5, CAST(year AS VARCHAR), count(*) FROM {source} GROUP BY ALL ORDER BY ALL",
        params=[pattern],
    ).fetchall()
    # GeoPandas reads each file (pyarrow's dataset discovery keeps no schema
    # metadata, so it cannot take a Hive dataset whole); every file must pass
    # its `geo` metadata check.
    files = sorted(glob.glob(pattern, recursive=True))
    return {
        "duckdb_rows": rows,
        "files": len(files),
        "geopandas_rows": sum(len(geopandas.read_parquet(f, partitioning=None)) for f in files),
        "partitions": [list(p) for p in partitions],
    }


def main():
    mode, path = sys.argv[1], sys.argv[2]
    summary = file_summary(path) if mode == "file" else dataset_summary(path)
    json.dump(summary, sys.stdout, default=str)


if __name__ == "__main__":
    main()
