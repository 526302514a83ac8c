#!/bin/sh
# Vendors axe-core (the accessibility rules engine the browser test runs on
# every page) from the npm registry into tests/vendor/axe-core/. Test-only:
# the dashboard never serves it. Re-run after changing VERSION; commit what it
# writes (the checksum is checked).
set -eu
VERSION=4.11.0
SHA256=39bed7d72308f6d620789c169d699bfd7e8da80f65b545821a6b2215c3e83107
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --loglevel=error "axe-core@$VERSION" >/dev/null 2>&1)
echo "$SHA256  $work/axe-core-$VERSION.tgz" | sha256sum -c -
tar xzf "$work/axe-core-$VERSION.tgz" -C "$work"
dest="$here/axe-core"
rm -rf "$dest" && mkdir -p "$dest"
cp "$work/package/axe.min.js" "$work/package/LICENSE" "$dest/"
echo "axe-core $VERSION (npm, sha256 $SHA256)" > "$dest/VERSION"
