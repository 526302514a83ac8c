#!/bin/sh
# Vendors MapLibre GL JS (single-file build) from the npm registry into web/vendor/.
# The dashboard loads nothing from a CDN: the page works offline.
# Re-run after changing VERSION; commit what it writes (the checksum is checked).
set -eu
VERSION=5.24.1
SHA256=b84d7fdf7fba5922fd3fff9a92733936c7a03b99165afc6c84f41c311bdbfa9d
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --loglevel=error "maplibre-gl@$VERSION" >/dev/null 2>&1)
echo "$SHA256  $work/maplibre-gl-$VERSION.tgz" | sha256sum -c -
tar xzf "$work/maplibre-gl-$VERSION.tgz" -C "$work"
dest="$here/vendor/maplibre-gl"
rm -rf "$dest" && mkdir -p "$dest"
cp "$work/package/dist/maplibre-gl.js" "$work/package/dist/maplibre-gl.css" "$dest/"
cp "$work/package/LICENSE.txt" "$dest/LICENSE.txt"
echo "maplibre-gl $VERSION (npm, sha256 $SHA256)" > "$dest/VERSION"
